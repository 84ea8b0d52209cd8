"""The webhook adapter against a local receiver: headers and signature exactly as the
contract says, the address checks at send time, timeouts and failures mapped to the
provider errors. Pure signing logic gets a Hypothesis property."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.webhooks import addresses
from integrations.webhooks.base import (
    DeliveryFailed,
    UnsafeTarget,
    WebhookMessage,
    headers,
    signature,
)
from integrations.webhooks.http import HttpWebhookSender
from tests.integrations.fake_webhook_receiver import FakeWebhookReceiver, verify

SECRET = "s3cret-s3cret-s3cret"


def message(url: str, body: bytes = b'{"id":"e1"}') -> WebhookMessage:
    return WebhookMessage(
        url=url, secret=SECRET, event_id="e1", event_type="booking.created", body=body
    )


def sender(*, allow_private: bool = True, read_timeout: float = 2.0) -> HttpWebhookSender:
    return HttpWebhookSender(
        allow_private=allow_private, connect_timeout=1.0, read_timeout=read_timeout
    )


@pytest.fixture
def receiver():
    with FakeWebhookReceiver(SECRET) as fake:
        yield fake


def test_send_posts_the_body_with_the_contract_headers(receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    response = sender().send(message(f"http://localhost:{port}/hooks/in?x=1"))

    assert (response.status, response.address) == (204, "127.0.0.1")
    [request] = receiver.requests
    assert (request.method, request.path, request.query) == ("POST", "/hooks/in", {"x": ["1"]})
    assert request.body == b'{"id":"e1"}'
    assert request.headers["host"] == f"localhost:{port}"  # the name, though we dialled the IP
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-webhook-event"] == "booking.created"
    assert request.headers["x-webhook-id"] == "e1"
    timestamp = request.headers["x-webhook-timestamp"]
    assert request.headers["x-webhook-signature"] == signature(SECRET, int(timestamp), request.body)
    assert list(receiver.accepted) == ["e1"]


def test_receiver_rejects_a_replay_with_an_old_timestamp(receiver) -> None:
    sender().send(message(receiver.url))
    [request] = receiver.requests
    stamp = int(request.headers["x-webhook-timestamp"])

    # The same signed request, replayed ten minutes later, is refused by the receiver…
    assert verify(SECRET, request.headers, request.body, now=stamp + 600) is False
    # …and a fresh timestamp cannot be slipped in without the secret.
    forged = {**request.headers, "x-webhook-timestamp": str(stamp + 600)}
    assert verify(SECRET, forged, request.body, now=stamp + 600) is False
    assert verify(SECRET, request.headers, request.body, now=stamp + 5) is True


def test_non_2xx_is_transient_with_status_and_retry_after(receiver) -> None:
    receiver.fail_next(status=500)
    with pytest.raises(DeliveryFailed) as failed:
        sender().send(message(receiver.url))
    assert failed.value.status == 500

    receiver.fail_next(status=429, retry_after=30)
    with pytest.raises(DeliveryFailed) as limited:
        sender().send(message(receiver.url))
    assert (limited.value.status, limited.value.retry_after) == (429, 30.0)

    receiver.secret = "another-secret-entirely"  # the receiver answers 400: retried as well
    with pytest.raises(DeliveryFailed) as refused:
        sender().send(message(receiver.url))
    assert refused.value.status == 400


def test_a_hanging_receiver_times_out_as_transient(receiver) -> None:
    receiver.hang_next(seconds=2)
    with pytest.raises(DeliveryFailed) as timed_out:
        sender(read_timeout=0.3).send(message(receiver.url))
    assert timed_out.value.status is None


def test_nothing_listening_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeliveryFailed):
        sender().send(message(f"http://127.0.0.1:{port}/"))


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/hook",
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_targets_are_refused_before_any_connection(url) -> None:
    with pytest.raises(UnsafeTarget):
        sender(allow_private=False).send(message(url))


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@93.184.216.34/", "http:///x"],
)
def test_only_plain_http_urls_are_accepted(url) -> None:
    with pytest.raises(UnsafeTarget):
        addresses.check_url(url, allow_private=True)


def test_a_public_address_passes_and_keeps_its_port_and_path() -> None:
    target = addresses.check_url("https://93.184.216.34:8443/a/b?c=d", allow_private=False)
    assert (target.scheme, target.port, target.path, target.addresses) == (
        "https",
        8443,
        "/a/b?c=d",
        ("93.184.216.34",),
    )
    assert target.host_header == "93.184.216.34:8443"


def test_rebinding_between_check_and_send_is_refused(receiver, monkeypatch) -> None:
    """The name resolved to a public address when the subscription was saved; at delivery
    time it resolves to loopback: the sender checks again and never connects."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    monkeypatch.setattr(addresses, "resolve", lambda host, port: next(answers))
    url = "http://hooks.example.test:" + receiver.url.rsplit(":", 1)[1] + "/"

    addresses.check_url(url, allow_private=False)  # at subscription time
    with pytest.raises(UnsafeTarget, match=r"127\.0\.0\.1"):
        sender(allow_private=False).send(message(url))
    assert receiver.requests == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(UnsafeTarget, match=r"10\.0\.0\.7"):
        addresses.check_url("https://hooks.example.test/", allow_private=False)


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    receiver, monkeypatch
) -> None:
    """Resolve once: the sender dials what was checked. A second lookup would get a
    name that does not exist at all."""
    port = int(receiver.url.rsplit(":", 1)[1])
    lookups: list[str] = []

    def resolve_once(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(addresses, "resolve", resolve_once)
    sender().send(message(f"http://receiver.invalid:{port}/in"))

    assert lookups == ["receiver.invalid"]
    assert receiver.requests[0].headers["host"] == f"receiver.invalid:{port}"


@given(
    secret=st.text(min_size=1, max_size=40),
    timestamp=st.integers(min_value=0, max_value=2**33),
    body=st.binary(max_size=200),
    flip=st.integers(min_value=0, max_value=199),
)
def test_signature_verifies_and_any_changed_byte_breaks_it(secret, timestamp, body, flip) -> None:
    signed = headers(
        WebhookMessage(url="http://x/", secret=secret, event_id="e", event_type="t", body=body),
        timestamp,
    )
    lowered = {k.lower(): v for k, v in signed.items()}
    assert verify(secret, lowered, body, now=timestamp)
    if body:
        i = flip % len(body)
        tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
        assert not verify(secret, lowered, tampered, now=timestamp)
    assert not verify(secret + "x", lowered, body, now=timestamp)


def test_a_name_that_does_not_resolve_is_transient() -> None:
    with pytest.raises(DeliveryFailed, match="does not resolve"):
        sender().send(message("http://nothing-here.invalid/hook"))


PRIVATE_NETS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"]


@given(
    net=st.sampled_from(PRIVATE_NETS),
    offset=st.integers(min_value=0, max_value=2**20 - 1),
    mapped=st.booleans(),
)
def test_no_address_of_a_private_network_counts_as_public(net, offset, mapped) -> None:
    import ipaddress

    network = ipaddress.ip_network(net)
    ip = network[offset % network.num_addresses]
    written = f"::ffff:{ip}" if mapped else str(ip)
    assert addresses.is_public(written) is False
