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
from collections.abc import Sequence
from urllib.parse import urlsplit

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


def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        expected = sign(secret, int(parts["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def check_callback(url: str, *, allow_http: bool, allowed_hosts: Sequence[str]) -> None:
    """Raise CallbackRejected unless `url` may be called."""
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
    if host in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackRejected(f"callback host {host!r} does not resolve: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if str(address) in allowed_hosts:
            continue
        if not address.is_global:
            raise CallbackRejected(
                f"callback host {host!r} resolves to {address}, a loopback, private or link-local "
                "address (list it in LGSCO_WEBHOOK_ALLOWED_HOSTS to allow it)"
            )
