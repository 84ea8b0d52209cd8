"""Which language the public pages speak, what the booking remembers, and the messages
sent later in that language (emails, .ics, SMS)."""

import datetime as dt
import hashlib

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from bookings.models import Booking
from bookings.outbox import messages
from bookings.outbox.sms import booking_text
from bookings.views import booking_ics
from scheduling.validators import validate_embed_origins
from tests.bookings.conftest import body, personal_page, slot
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db
TOKEN = "tok_" + "B" * 39
# A Monday, 10:00 in Lima.
START = dt.datetime(2030, 3, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def meeting_type():
    meeting_type, _seller = personal_page(slug="demo", name="Demo", location_type="in_person")
    return meeting_type


def booking_in(meeting_type, language: str) -> Booking:
    return BookingFactory(
        meeting_type=meeting_type,
        start=START,
        end=START + dt.timedelta(minutes=meeting_type.duration),
        language=language,
        manage_token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
    )


def html_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("headers", "query", "default", "expected"),
    [
        ({}, "", "es", "es"),  # nothing asked: the page's default
        ({"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}, "", "it", "it"),  # nothing we speak
        ({"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9,en;q=0.5"}, "", "es", "fr"),
        ({"HTTP_ACCEPT_LANGUAGE": "de,it;q=0.8"}, "", "es", "it"),
        ({"HTTP_ACCEPT_LANGUAGE": "fr"}, "?lang=it", "es", "it"),  # ?lang wins
        ({"HTTP_ACCEPT_LANGUAGE": "fr"}, "?lang=xx", "es", "fr"),  # unknown ?lang ignored
    ],
)
def test_page_language_follows_lang_then_browser_then_page_default(
    meeting_type, headers, query, default, expected
) -> None:
    page = meeting_type.page
    page.default_language = default
    page.save()
    response = Client().get(f"/schedule/{page.slug}/{query}", **headers)
    assert response.status_code == 200
    assert f'<html lang="{expected}">' in html_of(response)
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]


def test_lang_choice_is_remembered_by_cookie_and_switcher_marks_it(meeting_type) -> None:
    client = Client()
    first = client.get(f"/schedule/{meeting_type.page.slug}/?lang=fr", HTTP_ACCEPT_LANGUAGE="es")
    assert first.cookies["django_language"].value == "fr"
    page = html_of(client.get(f"/schedule/{meeting_type.page.slug}/", HTTP_ACCEPT_LANGUAGE="es"))
    assert '<html lang="fr">' in page
    assert "Choisir un horaire →" in page
    assert '<a href="?lang=fr" lang="fr" hreflang="fr" aria-current="true">Français</a>' in page
    assert '<a href="?lang=es" lang="es" hreflang="es">Español</a>' in page


def test_meeting_type_page_is_translated_and_books_in_its_language(meeting_type) -> None:
    url = f"/schedule/{meeting_type.page.slug}/{meeting_type.slug}/"
    html = html_of(Client().get(url, HTTP_ACCEPT_LANGUAGE="es-PE"))
    assert "1. Elige un día y una hora" in html
    assert "<span>mié</span>" in html  # weekday header
    assert '"bookUrl": "/schedule/' + meeting_type.page.slug + '/demo/book/?lang=es"' in html
    assert "/jsi18n/es/" in html

    created = Client().post(
        f"/schedule/{meeting_type.page.slug}/demo/book/?lang=es",
        body(slot()),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert Booking.objects.get(pk=created.json()["id"]).language == "es"


def test_api_booking_takes_the_page_default_language(meeting_type) -> None:
    meeting_type.page.default_language = "it"
    meeting_type.page.save()
    created = Client().post(
        f"/api/v1/public/pages/{meeting_type.page.slug}/demo/bookings/",
        body(slot()),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert created.status_code == 201
    assert Booking.objects.get(pk=created.json()["id"]).language == "it"


def test_manage_page_dates_are_in_the_page_language(meeting_type) -> None:
    booking_in(meeting_type, "es")
    html = html_of(Client().get(f"/schedule/manage/{TOKEN}/?lang=fr"))
    assert "lundi 4 mars 2030" in html
    assert "Besoin de la modifier ?" in html


def test_javascript_catalog_per_language() -> None:
    catalog = Client().get("/jsi18n/it/")
    assert catalog.status_code == 200
    assert "Scegli un orario." not in catalog.content.decode()  # sanity: real strings only
    assert "Riprova" in catalog.content.decode()
    assert Client().get("/jsi18n/de/").status_code == 404


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("es", "Confirmada: Demo con", "lunes, 4 de marzo de 2030"),
        ("fr", "Confirmé : Demo avec", "lundi 4 mars 2030"),
        ("it", "Confermato: Demo con", "Lunedì 4 Marzo 2030"),  # Django capitalises these
        ("en", "Confirmed: Demo with", "Monday, 4 March 2030"),
    ],
)
def test_prospect_email_is_in_the_booking_language(
    meeting_type, language, subject, greeting
) -> None:
    booking = booking_in(meeting_type, language)
    email = messages.build(booking, action="create", role="prospect", manage_url="https://x/m/")
    assert email.subject.startswith(subject)
    assert greeting in email.subject
    assert greeting in email.text
    assert f'<html lang="{language}">' in email.html


def test_seller_email_is_in_the_sellers_language(meeting_type) -> None:
    booking = booking_in(meeting_type, "es")
    booking.seller.languages = ["de", "it"]
    email = messages.build(booking, action="create", role="seller")
    assert email.subject.startswith("Nuova prenotazione: Demo con")


def test_sms_and_ics_are_in_the_booking_language(meeting_type) -> None:
    booking = booking_in(meeting_type, "fr")
    text = booking_text(booking, "update", "https://x/m/")
    seller = booking.seller.name
    assert text.startswith(f"Reprogrammé : Demo avec {seller} le lun 04 Mar 10:00 (America/Lima).")
    assert text.endswith("Modifier ou annuler : https://x/m/")
    response = Client().get(f"/schedule/manage/{TOKEN}/invite.ics", HTTP_ACCEPT_LANGUAGE="en")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["summary"]) == f"Demo : {booking.name} et {booking.seller.name}"
    assert "Reprogrammer ou annuler : http" in str(event["description"])
    assert booking_ics(booking, "https://x/m/")  # outside an override: the site default


@pytest.mark.parametrize(
    ("origins", "frame_ancestors", "x_frame"),
    [
        ([], "frame-ancestors 'none'", "DENY"),
        (
            ["https://www.example.com", "http://127.0.0.1:8123"],
            "frame-ancestors https://www.example.com http://127.0.0.1:8123",
            None,
        ),
    ],
)
def test_pages_are_framed_only_by_the_page_embed_origins(
    meeting_type, origins, frame_ancestors, x_frame
) -> None:
    meeting_type.page.embed_origins = origins
    meeting_type.page.save()
    booking_in(meeting_type, "en")
    for url in (
        f"/schedule/{meeting_type.page.slug}/?embed=1",
        f"/schedule/{meeting_type.page.slug}/demo/",
        f"/schedule/manage/{TOKEN}/",
    ):
        response = Client().get(url)
        policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
        assert frame_ancestors in policy, url
        assert response.get("X-Frame-Options") == x_frame, url


def test_embed_mode_posts_only_to_a_listed_parent(meeting_type) -> None:
    meeting_type.page.embed_origins = ["https://www.example.com"]
    meeting_type.page.save()
    slug = meeting_type.page.slug
    listed = html_of(
        Client().get(f"/schedule/{slug}/?embed=1&parent=https://www.example.com&color=%23123456")
    )
    assert '{"embed": "1", "parent": "https://www.example.com", "color": "#123456"}' in listed
    assert "--brand: #123456" in listed
    assert "js/embedded.js" in listed
    assert "?embed=1&amp;parent=https%3A%2F%2Fwww.example.com&amp;color=%23123456" in listed
    other = html_of(Client().get(f"/schedule/{slug}/?embed=1&parent=https://evil.example"))
    assert '{"embed": "1", "parent": ""}' in other
    assert "js/embedded.js" not in html_of(Client().get(f"/schedule/{slug}/"))


def test_embed_script_is_served() -> None:
    response = Client().get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert "meetroute:booked" in response.content.decode()


@pytest.mark.parametrize(
    "origins",
    [["https://example.com/"], ["https://*.example.com"], ["HTTPS://EXAMPLE.COM"], ["ftp://x.y"],
     ["https://a.com; script-src *"], "https://example.com", ["https://example.com\n"]],
)  # fmt: skip
def test_embed_origins_must_be_bare_origins(origins) -> None:
    with pytest.raises(ValidationError):
        validate_embed_origins(origins)


def test_embed_origins_accept_hosts_and_ports() -> None:
    validate_embed_origins(["https://www.example.com", "http://127.0.0.1:8123", "http://[::1]:80"])


def test_page_api_sets_language_and_embed_origins(staff_client, meeting_type) -> None:
    url = f"/api/v1/pages/{meeting_type.page.pk}/"
    good = {"default_language": "fr", "embed_origins": ["https://www.example.com"]}
    response = staff_client.patch(url, good, format="json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in good} == good
    bad = staff_client.patch(url, {"embed_origins": ["https://x.com/path"]}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["embed_origins"]
