"""How many wrong passwords a sign-in allows, and whom a limit shuts out.

The design, and why (issue 29: five wrong passwords from anywhere used to lock admin for fifteen
minutes, and only an existing account ever said 登录失败次数过多, which told strangers which names
exist):

1. **Per source first** (LOGIN_SOURCE_MAX_FAILURES, 20 in 15 minutes): one address that keeps
   failing, over whatever names, is refused. It bounds what one attacker can try in all.
2. **Per name and source** (LOGIN_MAX_FAILURES, 5): a name that keeps failing from one source is
   refused *from that source only*. An attacker's failures shut out the attacker, not the person
   whose name was typed: admin still signs in from the office.
3. **Per name, from everywhere** (LOGIN_ACCOUNT_MAX_FAILURES, 50): a ceiling against guessing one
   account from many addresses. When reached, the name is refused from new places for the window.
4. **Known browsers are exempt from 1 and 3.** A browser someone has signed in on keeps a signed
   cookie naming that account (perfdash.ops.cookies); its attempts for that name count as a source
   of their own (limit 2 still applies to it). So neither an attacker elsewhere nor a neighbour
   behind the same office NAT address can lock a person out of their own browser; only new
   browsers feel a lock, and only for the window.
5. **The office can lift 2 and 3 for a name** (账户与审计, ``unlock``): a person on a new device
   need not wait out the window. It is recorded in the audit log.

Every name is treated alike, whether or not an account has it: attempts are kept under the
account's name when one exists, else under a keyed hash of what was typed ("#…"), never the text
itself (people type passwords into the name field). Same limits, same messages, same timing (the
password is always checked against a hash), so no answer tells whether a name exists.

The count and the reservation of an attempt are one transaction, with locks on the name and the
source (PostgreSQL: several processes sign people in at once), so parallel attempts cannot all
slip under a limit; attempts still being checked make a newcomer wait for their outcome rather
than count as failures (the meeting rush behind one address)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

from perfdash.core import settings
from perfdash.core.access import Actor
from perfdash.db.database import Database

Rows = Callable[[str, list], list[tuple]]
KNOWN_BROWSER = "browser:"  # the source of an attempt from a known browser (see cookies.browser_source)
UNKNOWN_PREFIX = "#"  # no account name starts with it (auth.USERNAME_RE)


def attempt_name(typed: str, account: str | None, key: bytes) -> str:
    """What an attempt is kept under: the account's name when the typed name is one, else a keyed
    hash of the typed text (the same text always gives the same key; the text cannot be read back)."""
    if account is not None:
        return account
    digest = hmac.new(key, b"sign-in name\0" + typed.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return UNKNOWN_PREFIX + digest[:40]


def _unlocks_at(failed: list[datetime], allowed: int, window: timedelta) -> datetime | None:
    """When fewer than ``allowed`` of the ``failed`` times (ascending) lie within the window again;
    None when there are fewer already."""
    return failed[-allowed] + window if allowed > 0 and len(failed) >= allowed else None


def limit(rows: Rows, name: str, source: str, now: datetime) -> tuple[datetime | None, bool]:
    """(refused until, busy) for an attempt on ``name`` from ``source``. Refused: one of the
    limits above is reached by failures. Busy: a limit is reached only when attempts still being
    checked are counted as failures; the new attempt then waits for their outcome."""
    _, minutes = settings.login_limits()
    window = timedelta(minutes=minutes)
    since = now - window
    known = source.startswith(KNOWN_BROWSER)
    busy = False
    if source:
        attempts = rows(
            "SELECT started_at, ok FROM sign_in_attempts WHERE source = ? AND started_at > ? "
            "AND ok IS DISTINCT FROM true ORDER BY started_at",
            [source, since],
        )
        failed = [at for at, ok in attempts if ok is False]
        until = _unlocks_at(failed, settings.source_max_failures(), window)
        if until is not None:
            return until, False
        busy = len(attempts) >= settings.source_max_failures()
    # The name's attempts since its last success (or the office's unlock), within the window.
    recent: list[tuple[datetime, str, bool | None]] = []
    for at, where, ok in rows(
        "SELECT started_at, source, ok FROM sign_in_attempts WHERE username = ? AND started_at > ? "
        "ORDER BY started_at, attempt_id",
        [name, since],
    ):
        recent = [] if ok is True else [*recent, (at, where, ok)]
    here = [(at, ok) for at, where, ok in recent if where == source]
    allowed_here = settings.login_limits()[0]
    until = _unlocks_at([at for at, ok in here if ok is False], allowed_here, window)
    if until is not None:
        return until, False
    busy = busy or len(here) >= allowed_here
    if not known:
        everywhere = settings.account_max_failures()
        until = _unlocks_at([at for at, _, ok in recent if ok is False], everywhere, window)
        if until is not None:
            return until, False
        busy = busy or len(recent) >= everywhere
    return None, busy


def locked_until(store: Database, name: str, source: str = "", now: datetime | None = None) -> datetime | None:
    """When sign-in for an account name (as attempts keep it) from ``source`` may be tried again;
    None when it may be tried now."""
    return limit(store.current_rows, name, source, now or datetime.now())[0]


def refused_names(store: Database, now: datetime | None = None) -> list[str]:
    """The account names refused from new places right now (limit 3): what the office may unlock."""
    now = now or datetime.now()
    _, minutes = settings.login_limits()
    names = store.current_rows(
        "SELECT DISTINCT username FROM sign_in_attempts WHERE ok = false AND started_at > ? "
        "AND username IS NOT NULL AND username NOT LIKE ? ORDER BY username",
        [now - timedelta(minutes=minutes), UNKNOWN_PREFIX + "%"],
    )
    return [n for (n,) in names if locked_until(store, n, "", now) is not None]


class SignInWrites:
    """Sign-in attempts: reserved, decided, and unlocked by the office (part of perfdash.store.Store)."""

    def begin_sign_in(self: Database, name: str, source: str, now: datetime) -> tuple[int | None, datetime | None]:
        """Reserve a sign-in attempt, or refuse it: (attempt id, None), (None, refused until), or
        (None, None) while earlier attempts still being checked keep it from counting (try again
        shortly). The count and the reservation are one transaction, so the limits hold for
        attempts made at the same moment. ``name`` is as ``attempt_name`` gives it."""
        with self.write(Actor.system(), live_only=True) as w:
            w.without_audit()  # the attempts table is its own record
            # Attempts on one name or from one source take turns between the count and the
            # reservation (on PostgreSQL several processes sign people in at once).
            for key in ("account", name), ("source", source):
                if key[1]:
                    w.lock(f"sign-in {key[0]} {key[1]}")
            until, busy = limit(w.execute, name, source, now)
            if until is not None or busy:
                return None, until
            attempt = w.execute(
                "INSERT INTO sign_in_attempts (username, source, started_at, ok) VALUES (?, ?, ?, NULL) "
                "RETURNING attempt_id",
                [name, source, now],
            )[0][0]
        return int(attempt), None

    def finish_sign_in(self: Database, attempt: int, ok: bool | None) -> None:
        """The outcome of a reserved attempt; None withdraws it (turned away before any check)."""
        with self.write(Actor.system(), live_only=True) as w:
            w.without_audit()
            if ok is None:
                w.execute("DELETE FROM sign_in_attempts WHERE attempt_id = ?", [attempt])
            else:
                w.execute("UPDATE sign_in_attempts SET ok = ? WHERE attempt_id = ?", [ok, attempt])

    def unlock_sign_in(self: Database, actor: Actor, username: str, now: datetime | None = None) -> None:
        """The office lifts the limits on an account name (2 and 3 above; a source's own limit
        stays): recorded as a success from "office:<who>", so earlier failures no longer count."""
        with self.write(actor, roles={"office"}, what="解除登录限制") as w:
            w.lock(f"sign-in account {username}")
            w.execute(
                "INSERT INTO sign_in_attempts (username, source, started_at, ok) VALUES (?, ?, ?, true)",
                [username, f"office:{actor.username or actor.name}"[:64], now or datetime.now()],
            )
            w.audit("解除登录限制", "account", username, None, {"unlocked": True})
