"""Webhook delivery over plain HTTP(S), pinned to the address that was checked.

urllib3 (the library under ``requests``) is used directly because it lets us connect to an
IP address while naming the host: the pool's host is the checked address, the request
carries ``Host: <name>``, and over TLS ``server_hostname`` / ``assert_hostname`` make the
handshake send the name as SNI and verify the certificate against it. ``requests`` would
resolve the name again on connect, reopening the DNS-rebinding window.

Redirects are not followed (a 3xx is a failed delivery): a redirect could point anywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError, NewConnectionError

from integrations.provider_http import retry_after_seconds
from integrations.webhooks import addresses
from integrations.webhooks.base import DeliveryFailed, WebhookMessage, WebhookResponse, headers

#: How much of the receiver's answer we keep for the delivery log.
EXCERPT_BYTES = 1024


class HttpWebhookSender:
    """Sends one signed ``POST`` per call; no pooling across calls (each delivery checks
    its URL again, so a kept-alive connection would skip that check)."""

    def __init__(self, *, allow_private: bool, connect_timeout: float, read_timeout: float):
        self.allow_private = allow_private
        self.timeout = urllib3.Timeout(
            connect=connect_timeout, read=read_timeout, total=connect_timeout + read_timeout
        )

    @classmethod
    def from_settings(cls) -> HttpWebhookSender:
        return cls(
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE_URLS,
            connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
            read_timeout=settings.WEBHOOK_TIMEOUT,
        )

    def send(self, message: WebhookMessage) -> WebhookResponse:
        """POST ``message`` to one of the addresses its URL resolves to right now, all of
        them checked; the next address is tried only when one refuses the connection."""
        target = addresses.check_url(message.url, allow_private=self.allow_private)
        sent = headers(message, int(time.time()))
        sent["Host"] = target.host_header
        last: Exception | None = None
        for address in target.addresses:
            started = time.monotonic()
            try:
                answer = self._post(target, address, message.body, sent)
            except NewConnectionError as exc:
                last = exc
                continue
            except HTTPError as exc:
                raise DeliveryFailed(f"no answer from {target.host} ({address}): {exc}") from exc
            return _outcome(answer, address, started)
        raise DeliveryFailed(f"cannot connect to {target.host}: {last}")

    def _post(
        self, target: addresses.Target, address: str, body: bytes, sent: dict[str, str]
    ) -> _Answer:
        pool: urllib3.HTTPConnectionPool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                target.port,
                timeout=self.timeout,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                ca_certs=certifi.where(),
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                address, target.port, timeout=self.timeout, retries=False
            )
        with pool:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=sent,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
            # Only the start of the answer: a receiver cannot make us read a huge body.
            excerpt = response.read(EXCERPT_BYTES, decode_content=True)
            response.release_conn()
        return _Answer(response.status, dict(response.headers), excerpt.decode("utf-8", "replace"))


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    excerpt: str


def _outcome(answer: _Answer, address: str, started: float) -> WebhookResponse:
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(
            f"HTTP {answer.status}: {answer.excerpt[:300]}",
            status=answer.status,
            retry_after=retry_after_seconds(answer.headers),
        )
    return WebhookResponse(
        status=answer.status,
        body_excerpt=answer.excerpt,
        duration_ms=round((time.monotonic() - started) * 1000),
        address=address,
    )
