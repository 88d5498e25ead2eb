"""Where a request comes from: the visitor's address behind configured reverse proxies only, and
the page origin a browser names, compared with the addresses the app is published at."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

MAX_ADDRESS = 64  # characters of an address kept (the sign-in tables' limit)
MAX_FORWARDED_ENTRIES = 32  # a longer X-Forwarded-For is cut: no proxy chain here is that long
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses and networks as written in a setting ("127.0.0.1", "10.0.0.0/8", "::1"); an entry
    that is neither raises ValueError naming it."""
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"PERFDASH_TRUSTED_PROXIES 中的“{entry}”不是 IP 地址或网段") from None
    return tuple(found)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in proxies)


def is_proxy(peer: str, proxies: Sequence[Network]) -> bool:
    """Whether a direct connection's address is one of the trusted proxies."""
    return _trusted(_address(peer or ""), proxies)


def visitor_address(peer: str, forwarded: Sequence[str], proxies: Sequence[Network]) -> str:
    """The address a visitor connects from. ``peer`` is the direct connection's address;
    ``forwarded`` the X-Forwarded-For headers as received (each may list several addresses,
    comma-separated, each proxy appending the one it saw). Only when the peer is a trusted proxy
    does X-Forwarded-For count, and then the rightmost address that is not itself a trusted proxy
    is the visitor: entries to its left were written by the visitor and prove nothing. With every
    entry trusted (or none usable), the leftmost trusted one; with the peer untrusted, the peer."""
    peer = (peer or "").strip()
    if not _trusted(_address(peer), proxies):
        return peer[:MAX_ADDRESS]
    entries = [e.strip() for header in forwarded for e in str(header).split(",") if e.strip()]
    entries = entries[-MAX_FORWARDED_ENTRIES:]
    chosen = peer
    for entry in reversed(entries):
        address = _address(entry)
        if address is None:  # garbage where an address should be: stop believing the chain here
            break
        chosen = str(address)
        if not _trusted(address, proxies):
            break
    return chosen[:MAX_ADDRESS]


def origin(url: str) -> str | None:
    """A URL's origin as browsers write it in an Origin header: scheme://host[:port], lower case,
    the scheme's default port left out; None for anything without a scheme and host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    shown = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown}"


def origin_allowed(claimed: str | None, host: str | None, public: Sequence[str]) -> bool:
    """Whether a page at origin ``claimed`` (the Origin header) may talk to this server. With the
    public addresses configured (PERFDASH_PUBLIC_URL), only pages served from one of them; else only
    a page from exactly the host and port the request was sent to (its Host header). No Origin at
    all is a program, not a page in a browser: it carries nobody's cookies and passes."""
    if claimed is None:
        return True
    seen = origin(claimed)
    if seen is None:
        return False
    if public:
        return seen in {origin(p) for p in public}
    if not host:
        return False
    scheme = seen.split("://", 1)[0]
    return seen == origin(f"{scheme}://{host}")
