"""Passwords out of every line the server writes: a URL's credentials (scheme://user:password@ →
scheme://user:***@) and the configured secrets themselves (the database's password, the cookie
secret, the SMTP password, PGPASSWORD) wherever they appear, also percent-encoded."""

from __future__ import annotations

import os
import re
from urllib.parse import quote, unquote, urlsplit

HIDDEN = "***"
# user:password@ right after a scheme (postgresql://, https://, …): the password is anything up to
# the last "@" before the host's end. Bounded and linear: no nested quantifiers.
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}://[^:/@\s'\"]{0,256}):[^\s'\"]{0,512}@")
_MIN_SECRET = 4  # shorter "secrets" would blank out ordinary words
_SECRET_SETTINGS = ("PERFDASH_COOKIE_SECRET", "PERFDASH_SMTP_PASSWORD", "PERFDASH_WEBHOOK_SECRET", "PGPASSWORD")


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def known_secrets() -> list[str]:
    """The secret values this process was configured with, longest first (each raw and decoded)."""
    found: set[str] = set()
    for name in _SECRET_SETTINGS:
        value = os.environ.get(name, "")
        if value:
            found.add(value)
    password = _url_password(os.environ.get("PERFDASH_DB", ""))
    if password:
        found |= {password, unquote(password), quote(unquote(password), safe="")}
    return sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True)


def _credentials(match: re.Match) -> str:
    # The password may itself hold "@" (unencoded): the pattern took everything up to the last one.
    return f"{match.group(1)}:{HIDDEN}@"


def redact(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with URL credentials and the known secrets (``known_secrets()`` unless given) hidden."""
    if not text:
        return text
    text = _URL_CREDENTIALS.sub(_credentials, text)
    for secret in known_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text
