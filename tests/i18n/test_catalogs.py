"""Every string a template or the page script marks for translation is translated into
es, fr and it. Fails when a new ``{% translate %}`` (or a ``gettext`` in static/js) has no
entry yet; the fix is the makemessages command in README.md ("Languages"), then the
translations. Pure Python: Django's ``templatize`` and Babel's extractors, no GNU gettext.
"""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("es", "fr", "it")
# Only public pages, messages and their scripts are translated; the admin is English.
SKIPPED = ("admin", "drf_spectacular")
KEYWORDS = {
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "gettext_noop": None,
}


def templates() -> list[Path]:
    dirs = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    found = []
    for directory in dirs:
        for path in sorted(directory.rglob("*")):
            skipped = set(path.relative_to(directory).parts) & set(SKIPPED)
            if path.suffix in {".html", ".txt"} and not skipped and ".venv" not in path.parts:
                found.append(path)
    return found


def marked(method: str, source: str) -> set[tuple[str | None, str]]:
    """(context, msgid) of every string ``source`` marks (plurals by their singular)."""
    found = set()
    for _line, message, _comments, context in extract(
        method, io.BytesIO(source.encode()), keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def template_strings() -> dict[tuple[str | None, str], str]:
    strings = {}
    for path in templates():
        # templatize keeps a template's indentation, which the Python tokenizer refuses
        # between lines: only the gettext calls matter, so every line starts at column 0.
        code = "\n".join(
            line.lstrip() for line in templatize(path.read_text(), origin=str(path)).splitlines()
        )
        for key in marked("python", code):
            strings.setdefault(key, str(path.relative_to(ROOT)))
    return strings


def script_strings() -> dict[tuple[str | None, str], str]:
    strings = {}
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        for key in marked("javascript", path.read_text()):
            strings.setdefault(key, str(path.relative_to(ROOT)))
    return strings


def translated(language: str, domain: str) -> dict[tuple[str | None, str], bool]:
    path = ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    done = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        done[(message.context, msgid)] = all(strings) and not message.fuzzy
    return done


def test_templates_mark_strings_at_all() -> None:
    strings = template_strings()
    assert ("weekday", "Mon") in strings
    assert (None, "Book meeting") in strings
    assert len(strings) > 80


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("domain", "strings"), [("django", template_strings), ("djangojs", script_strings)]
)
def test_every_marked_string_is_translated(language, domain, strings) -> None:
    done = translated(language, domain)
    missing = sorted(f"{where}: {msgid!r}" for (ctx, msgid), where in strings().items()
                     if not done.get((ctx, msgid)))  # fmt: skip
    assert missing == [], f"untranslated in locale/{language}/{domain}.po"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_no_catalog_entry_is_left_empty_or_fuzzy(language, domain) -> None:
    """Strings from Python code (emails' subjects, SMS, .ics) are in the same catalogs."""
    done = translated(language, domain)
    assert [msgid for (_ctx, msgid), ok in done.items() if not ok] == []
