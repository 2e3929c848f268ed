"""Webhook rules both sides apply: event names, callback URL checks (an SSRF surface), signing.

A callback URL is checked when a subscription is created and again before every delivery
(DNS may have changed): https only unless LGSCO_WEBHOOK_ALLOW_HTTP, and every address the host
resolves to must be public unless the host or address is listed in LGSCO_WEBHOOK_ALLOWED_HOSTS.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DECISION_PUBLISHED = "decision.published"
DECISION_CHANGED = "decision.changed"
DECISION_WITHDRAWN = "decision.withdrawn"
DECISION_ARCHIVED = "decision.archived"
DECISION_REPUBLISHED = "decision.republished"
REMEDY_DUE_SOON = "remedy.due_soon"
REMEDY_OVERDUE = "remedy.overdue"
PING = "ping"
EVENTS = (
    DECISION_PUBLISHED,
    DECISION_CHANGED,
    DECISION_WITHDRAWN,
    DECISION_ARCHIVED,
    DECISION_REPUBLISHED,
    REMEDY_DUE_SOON,
    REMEDY_OVERDUE,
)

SIGNATURE_HEADER = "X-LGSCO-Signature"  # "t=<unix seconds>,v1=<hex HMAC-SHA256>"


class CallbackRejected(ValueError):
    """The callback URL may not be called; the message says why and which setting allows it."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC over `<timestamp>.<body>`; receivers recompute it and reject old timestamps."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: float | None = 300.0,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` with `secret`, in constant time, and was signed within
    `tolerance` seconds of `now` (so a captured delivery cannot be replayed later); receivers in
    other languages should do the same: recompute, compare in constant time, check the time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        expected = sign(secret, timestamp, body)
    except (KeyError, ValueError):
        return False
    if tolerance is not None and abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(expected, header)


# IPv6 forms that carry an IPv4 address, and where it sits: NAT64 (64:ff9b::/96 and the local-use
# 64:ff9b:1::/48), IPv4-compatible (::/96, deprecated), 6to4 and Teredo come from ipaddress.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.ip_network("::/96")
# IETF protocol assignments: not for hosts on the internet, though ipaddress counts some global
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global, and so is every IPv4 address an IPv6 one carries: "64:ff9b::7f00:1" (NAT64 to
    127.0.0.1) or "2002:7f00:1::" (6to4) reach a loopback however global they look."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address not in _PROTOCOL_ASSIGNMENTS
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if any(address in net for net in (*_NAT64, _COMPATIBLE)):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(is_public(v4) for v4 in embedded)


def check_callback(url: str, *, allow_http: bool, allowed_hosts: Sequence[str]) -> None:
    """Raise CallbackRejected unless `url` may be called."""
    resolve_callback(url, allow_http=allow_http, allowed_hosts=allowed_hosts)


def _resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order (one place, so that the
    delivery connects to an address this returned and checked: see `pin`)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_callback(url: str, *, allow_http: bool, allowed_hosts: Sequence[str]) -> list[str]:
    """Raise CallbackRejected unless `url` may be called; else the addresses checked, to connect
    to one of them and nowhere else (a name resolved again may point elsewhere: DNS rebinding).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise CallbackRejected(f"callback URL must be https:// (got {parts.scheme or 'no'} scheme)")
    if parts.scheme == "http" and not allow_http:
        raise CallbackRejected(
            "callback URL must be https:// (LGSCO_WEBHOOK_ALLOW_HTTP allows http)"
        )
    host = parts.hostname
    if not host or parts.username or parts.password:
        raise CallbackRejected("callback URL needs a host and no user:password part")
    try:
        addresses = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise CallbackRejected(f"callback host {host!r} does not resolve: {exc}") from None
    if not addresses:
        raise CallbackRejected(f"callback host {host!r} does not resolve")
    if host in allowed_hosts:
        return addresses
    for text_ in addresses:
        address = ipaddress.ip_address(text_.split("%", 1)[0])
        if str(address) in allowed_hosts:
            continue
        if not is_public(address):
            # the address itself is not echoed: it would tell a caller how internal names resolve
            raise CallbackRejected(
                f"callback host {host!r} is not on the public internet (a loopback, private, "
                "link-local or reserved address, or one carried inside IPv6); list it in "
                "LGSCO_WEBHOOK_ALLOWED_HOSTS to allow it"
            )
    return addresses


@dataclass(frozen=True, slots=True)
class Pinned:
    """A request to a callback URL addressed to one checked IP address: the URL names the
    address, the Host header and the TLS server name (SNI, and the certificate check) the host."""

    url: str
    host_header: str
    sni_hostname: str


def pin(url: str, address: str) -> Pinned:
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host:  # an IPv6 literal in the URL itself
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    return Pinned(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=host_header,
        sni_hostname=host,
    )
