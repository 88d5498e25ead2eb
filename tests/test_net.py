"""Where a request comes from (issue 29): X-Forwarded-For believed only from configured proxies,
and then its rightmost untrusted entry; page origins compared with the published address only."""

from __future__ import annotations

import pytest

from perfdash.core import net

LOCAL = net.networks(["127.0.0.1", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "visitor"),
    [
        # no proxies configured: the header is never believed, whoever sends it
        ("127.0.0.1", ["203.0.113.9"], (), "127.0.0.1"),
        ("198.51.100.4", ["203.0.113.9"], (), "198.51.100.4"),
        # from a configured proxy: the address it wrote (the rightmost)
        ("127.0.0.1", ["203.0.113.9"], LOCAL, "203.0.113.9"),
        # a visitor's own X-Forwarded-For is kept by a proxy that appends: only the last entry counts
        ("127.0.0.1", ["6.6.6.6, 203.0.113.9"], LOCAL, "203.0.113.9"),
        ("127.0.0.1", ["6.6.6.6", "203.0.113.9"], LOCAL, "203.0.113.9"),  # two headers, in order
        # a chain of trusted proxies: the first address, from the right, that is not one of them
        ("10.0.0.2", ["203.0.113.9, 10.0.0.1"], net.networks(["10.0.0.0/24"]), "203.0.113.9"),
        # a peer that is not a proxy: its header is the visitor's own claim, ignored
        ("198.51.100.4", ["127.0.0.1"], LOCAL, "198.51.100.4"),
        # garbage in the chain: the last good address before it (right to left)
        ("127.0.0.1", ["not-an-address, 203.0.113.9"], LOCAL, "203.0.113.9"),
        ("127.0.0.1", ["203.0.113.9, not-an-address"], LOCAL, "127.0.0.1"),
        ("127.0.0.1", [], LOCAL, "127.0.0.1"),
        ("::ffff:127.0.0.1", ["2001:db8::7"], LOCAL, "2001:db8::7"),
        ("", ["203.0.113.9"], LOCAL, ""),  # no connection at all (a test run)
    ],
)
def test_x_forwarded_for_only_from_configured_proxies(peer, forwarded, proxies, visitor):
    assert net.visitor_address(peer, forwarded, proxies) == visitor


def test_a_huge_forwarded_header_is_cut_and_an_address_is_bounded():
    chain = ", ".join(["127.0.0.1"] * 100_000)
    assert net.visitor_address("127.0.0.1", [chain], LOCAL) == "127.0.0.1"
    assert len(net.visitor_address("x" * 500, [], ())) == net.MAX_ADDRESS


def test_a_bad_proxy_setting_names_the_entry():
    with pytest.raises(ValueError, match="“nginx”"):
        net.networks(["127.0.0.1", "nginx"])


@pytest.mark.parametrize(
    ("origin", "host", "public", "allowed"),
    [
        # the default: exactly the host and port the request was sent to
        ("http://127.0.0.1:8501", "127.0.0.1:8501", (), True),
        ("http://localhost:9999", "127.0.0.1:8501", (), False),  # Streamlit let this in
        ("http://127.0.0.1:9999", "127.0.0.1:8501", (), False),
        ("http://localhost:8501", "127.0.0.1:8501", (), False),
        ("https://jx.example.gov.cn", "jx.example.gov.cn", (), True),  # behind a TLS proxy passing Host
        ("http://evil.example", "127.0.0.1:8501", (), False),
        ("null", "127.0.0.1:8501", (), False),
        (None, "127.0.0.1:8501", (), True),  # a program, not a page: it carries nobody's cookies
        ("http://127.0.0.1:8501", None, (), False),
        # configured: those addresses only, whatever the Host says
        ("https://jx.example.gov.cn", "127.0.0.1:8501", ("https://jx.example.gov.cn",), True),
        ("https://JX.example.gov.cn:443", "x", ("https://jx.example.gov.cn/",), True),
        ("http://jx.example.gov.cn", "jx.example.gov.cn", ("https://jx.example.gov.cn",), False),
        ("http://127.0.0.1:8501", "127.0.0.1:8501", ("https://jx.example.gov.cn",), False),
        ("http://10.1.2.3:8080", "x", ("https://jx.example.gov.cn", "http://10.1.2.3:8080"), True),
    ],
)
def test_page_origins(origin, host, public, allowed):
    assert net.origin_allowed(origin, host, public) is allowed


def test_the_streamlit_internal_that_names_the_direct_peer_is_there():
    """st.context.ip_address hides 127.0.0.1 and ::1, where a proxy on this machine connects from;
    perfdash.app.session reads the client context instead. A Streamlit upgrade that moves it fails here."""
    from streamlit.runtime.context import _get_client_context
    from streamlit.runtime.session_manager import ClientContext

    assert _get_client_context() is None  # no session here
    assert "remote_ip" in dir(ClientContext)
