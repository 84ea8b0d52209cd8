"""Which webhook URLs we may call: http(s), and only public addresses.

A URL is checked when a subscription is saved and again before every delivery: a name can
resolve to a public address when checked and to ``127.0.0.1`` a minute later (DNS
rebinding). ``check_url`` therefore returns the addresses it checked, and the sender
connects to one of those — never resolving the name a second time — while sending the
name as ``Host`` (and as SNI / certificate name over TLS).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from integrations.webhooks.base import DeliveryFailed, UnsafeTarget

SCHEMES = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``) and what to call it (``host``)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == SCHEMES[self.scheme] else f"{name}:{self.port}"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        # Transient: a resolver hiccup must not end a delivery (a save refuses it anyway).
        raise DeliveryFailed(f"{host} does not resolve: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified
    addresses (an IPv4-mapped IPv6 address is judged by its IPv4 address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def parse_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL; raises UnsafeTarget otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise UnsafeTarget("the URL must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise UnsafeTarget("the URL must not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or SCHEMES[scheme], path


def check_url(url: str, *, allow_private: bool) -> Target:
    """Parse ``url``, resolve its host and check every address it resolves to.

    Raises ``UnsafeTarget`` when the URL is not http(s) or any address is not public
    (unless ``allow_private``: internal receivers), ``DeliveryFailed`` when the name does
    not resolve right now. One bad address refuses
    the whole name: the sender must not be steered to it by the resolver's order.
    """
    scheme, host, port, path = parse_url(url)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeTarget(f"{host} does not resolve")
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeTarget(
                f"{host} resolves to a loopback, private or link-local address "
                f"({', '.join(refused)}); set WEBHOOK_ALLOW_PRIVATE_URLS=true for internal "
                "receivers"
            )
    return Target(scheme, host, port, path, tuple(addresses))
