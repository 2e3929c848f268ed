"""Which client address a request came from: `X-Forwarded-For` only from trusted proxies.

The address counted by the per-address rate limit and written to the request log is the peer's,
unless the peer is listed in LGSCO_TRUSTED_PROXIES (addresses or networks; empty by default, and
loopback is not trusted either, so a client on the same host cannot name another address). From a
trusted peer, the client is the right-most `X-Forwarded-For` entry that is not itself a trusted
proxy (entries to its left were written by the client and prove nothing), and `X-Forwarded-Proto`
gives the scheme. uvicorn's own proxy handling is off (lgsco_cli.runner): this is the only one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(trusted: Iterable[str]) -> tuple[Network, ...]:
    """Parse LGSCO_TRUSTED_PROXIES entries (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`)."""
    return tuple(ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # "[2001:db8::1]:4711"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: object, trusted: Sequence[Network]) -> bool:
    parsed = _address(str(address)) if address is not None else None
    return parsed is not None and any(parsed in net for net in trusted)


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client address of a request from `peer` carrying these `X-Forwarded-For` values."""
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a malformed entry: trust nothing beyond the peer
        if not any(address in net for net in trusted):
            return str(address)
    return str(_address(hops[0])) if hops else peer


class TrustedProxiesMiddleware:
    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.trusted = networks(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted and scope.get("client"):
            peer = str(scope["client"][0])
            if _trusted(peer, self.trusted):
                headers = [
                    (k.decode("latin-1").lower(), v.decode("latin-1"))
                    for k, v in scope.get("headers", [])
                ]
                forwarded = [v for k, v in headers if k == "x-forwarded-for"]
                scope = dict(scope)
                scope["client"] = (forwarded_client(peer, forwarded, self.trusted), 0)
                proto = [v.strip().lower() for k, v in headers if k == "x-forwarded-proto"]
                if proto and proto[-1].split(",")[-1].strip() in ("http", "https"):
                    scheme = proto[-1].split(",")[-1].strip()
                    if scope["type"] == "websocket":
                        scheme = "wss" if scheme == "https" else "ws"
                    scope["scheme"] = scheme
        await self.app(scope, receive, send)
