"""Sign-in: local accounts with argon2-hashed passwords, failure limits that hold under parallel
attempts, sessions that end when the password changes, accounts bound to units, the first admin
account, and the meeting screen's kiosk tokens."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from perfdash.core import settings
from perfdash.core.access import ACCOUNT_ROLES, Actor
from perfdash.core.settings import OFFICE
from perfdash.db.database import Database, StoreError, Write, bounded, require_role
from perfdash.ops import cookies, throttle
from perfdash.ops.throttle import SignInWrites

log = logging.getLogger("perfdash")
UNSCOPED_ROLES = ("office", "city")  # roles bound to no section or leader (schema: scope may be NULL)
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
# Every refused sign-in says this, whatever the cause (no such name, a wrong password, a disabled
# account): the answer must not tell a stranger which names exist. The cause goes to the server's
# log (and, for a disabled account, the audit log).
SIGN_IN_REFUSED = "用户名或密码不正确，或账户已停用；如需帮助请联系绩效办"
MAX_SOURCE = 64  # characters of a client address kept with an attempt
CHECK_WAIT_SECONDS = 15.0  # a sign-in waits this long for a free password check, then is turned away
SIGN_IN_QUEUE_SECONDS = 30.0  # ... and this long for earlier attempts on its account or address to be decided
SIGN_IN_QUEUE_POLL = 0.05
# argon2id at OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1), not argon2-cffi's
# default (64 MiB, t = 3, p = 4): measured on the 2-core machine, a check takes 0.06 s of one core
# and 19 MiB instead of 0.3 s and 64 MiB, so a burst of sign-ins at the weekly meeting neither
# queues for seconds nor holds a gigabyte; the bound below keeps one check per core. Hashes made
# with other parameters still verify, and are re-hashed at the next successful sign-in.
ARGON2 = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
_hasher = PasswordHasher(**ARGON2, type=Type.ID)
_dummy: list[str] = []  # a hash to verify against when the account does not exist (timing tells nothing)
# Each check holds its 19 MiB while it runs: at most this many at once, whatever the crowd.
_checks = threading.BoundedSemaphore(settings.concurrent_checks())


def _return_freed_memory() -> None:
    """Have glibc give each check's block back to the system when it is freed. Its mmap threshold
    otherwise rises to the size of the last freed block (up to 32 MiB), so later 19 MiB blocks
    come from per-thread arenas that keep them: measured, 30 sign-ins left a process 320 MB larger
    for good. A fixed 1 MiB threshold (glibc's M_MMAP_THRESHOLD) keeps it at its size before."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # -3: M_MMAP_THRESHOLD (malloc.h)


_return_freed_memory()


def _dummy_hash() -> str:
    # Made on the first unknown-user login, not at import: argon2 takes 64 MiB and a fraction of
    # a second, which every page's start would otherwise pay.
    if not _dummy:
        _dummy.append(_hash(secrets.token_urlsafe(16)))
    return _dummy[0]


class AuthError(ValueError):
    """A refused login or account change (message in Chinese)."""


@dataclass(frozen=True)
class Account:
    """A signed-in person: who they are, what they act as, and the units they belong to."""

    username: str
    display_name: str
    role: str
    scope: str | None
    units: tuple[str, ...] | None = None  # None: every unit (an office account not bound to one)
    # Signed in with a password someone else knows (printed at the first start, or set by the
    # office): every page asks for a new one first (perfdash.app.session).
    must_change_password: bool = False

    @property
    def actor(self) -> Actor:
        if self.role == "office":
            return Actor("office", OFFICE, self.username, self.units)
        if self.role == "city":  # every unit, whatever was stored
            return Actor.city(self.username)
        return Actor(self.role, str(self.scope), self.username, self.units)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        where = f" · {self.scope}" if self.scope else ""
        return f"{self.display_name}（{ACCOUNT_ROLES.get(self.role, self.role)}{where}）"


def _hash(password: str) -> str:
    with _checks:
        return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored``, waiting for one of the bounded check slots."""
    if not _checks.acquire(timeout=CHECK_WAIT_SECONDS):
        raise AuthError("登录的人较多，请稍后再试")
    try:
        _hasher.verify(stored, password)
        return True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    finally:
        _checks.release()


def hash_password(password: str) -> str:
    """An argon2 hash of a password that meets the length rule."""
    if len(password) < settings.MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少 {settings.MIN_PASSWORD_LENGTH} 位")
    if len(password) > settings.MAX_PASSWORD_LENGTH:
        raise AuthError(f"密码不能超过 {settings.MAX_PASSWORD_LENGTH} 位")
    return _hash(password)


def _account(store: Database, username: str) -> tuple[Account, str | None, bool] | None:
    df = store.query(
        "SELECT username, display_name, role, scope, password_hash, disabled, units, "
        "coalesce(must_change_password, FALSE) AS must_change FROM accounts WHERE username = $u",
        {"u": username},
    )
    if df.empty:
        return None
    r = df.iloc[0]
    scope = None if r["scope"] is None or r["scope"] != r["scope"] else str(r["scope"])
    units = None if r["units"] is None or not hasattr(r["units"], "__len__") else tuple(str(u) for u in r["units"])
    account = Account(str(r["username"]), str(r["display_name"]), str(r["role"]), scope, units, bool(r["must_change"]))
    return account, (None if r["password_hash"] is None else str(r["password_hash"])), bool(r["disabled"])


def _source(source: str | None) -> str:
    return (source or "")[:MAX_SOURCE]


def authenticate(
    store: Database,
    username: str,
    password: str,
    now: datetime | None = None,
    source: str | None = None,
    browser: str | None = None,
) -> Account:
    """Check a username and password. Refused: unknown account, wrong password or a disabled
    account (one message, SIGN_IN_REFUSED, for all three: the cause goes to the server's log, and
    a disabled account's attempt to the audit log too), or a sign-in limit reached
    (perfdash.ops.throttle: per source, per name and source, per name from everywhere; one
    message, whatever the name). ``browser`` is
    the browser's known-browser cookie: its attempts for the account it names are a source of
    their own. The attempt is reserved before the password is checked, in the same transaction
    that counts the failures, so parallel attempts cannot all slip under a limit; what was typed
    as a name is kept only as a keyed hash unless it names an account."""
    fixed = now
    now = now or datetime.now()
    name = username.strip()
    found = _account(store, name) if USERNAME_RE.match(name) else None
    key = cookies.secret()
    who = throttle.attempt_name(name, found[0].username if found else None, key)
    where = cookies.browser_source(browser, name, key) or _source(source)
    waited_until = time.monotonic() + SIGN_IN_QUEUE_SECONDS
    while True:
        attempt, until = store.begin_sign_in(who, where, now)
        if attempt is not None or until is not None:
            break
        # Reached only by attempts still being checked (a rush behind one address, one account on
        # several devices): wait for their outcome rather than call them failures.
        if time.monotonic() > waited_until:
            raise AuthError("同时登录的人较多，请稍候几秒再点“登录”")
        time.sleep(SIGN_IN_QUEUE_POLL)
        now = fixed or datetime.now()
    if attempt is None:
        raise AuthError(f"登录失败次数过多，请于 {until:%H:%M} 后再试")
    ok = False
    try:
        stored = found[1] if found else None
        sane = len(password) <= settings.MAX_PASSWORD_LENGTH
        ok = _verify(stored or _dummy_hash(), password if sane else "") and stored is not None and sane
    except AuthError:
        store.finish_sign_in(attempt, None)  # turned away before any check: not a failure
        raise
    except BaseException:
        store.finish_sign_in(attempt, False)
        raise
    if found and ok and found[2]:
        store.finish_sign_in(attempt, False)  # counted as a failure, as before
        disabled, shown_source = found[0].username, _source(source)
        log.warning("perfdash: 已停用的账户 %s 用正确的密码尝试登录，已拒绝（来源 %s）", disabled, shown_source)
        store.record_refused_sign_in(disabled, shown_source)
        raise AuthError(SIGN_IN_REFUSED)
    store.finish_sign_in(attempt, ok)
    if not ok:
        # What was typed as a name is never logged unless it names an account (it may be a password).
        cause = f"账户 {found[0].username} 的密码不正确" if found else "没有这个用户名"
        log.info("perfdash: 登录失败：%s（来源 %s）", cause, _source(source))
        raise AuthError(SIGN_IN_REFUSED)
    if stored and _hasher.check_needs_rehash(stored):
        store.rehash_password(found[0].username, stored, _hash(password))  # type: ignore[index]
    return found[0]  # type: ignore[index]


# When an account may try again from a place (perfdash.ops.throttle; the tests and pages ask here).
locked_until = throttle.locked_until
refused_accounts = throttle.refused_names


def unlock(store: Database, actor: Actor, username: str) -> None:
    """The office lifts the sign-in limits on an account (its failures stop counting), audited."""
    store.unlock_sign_in(actor, username)  # type: ignore[attr-defined]


def account_by_email(store: Database, email: str) -> Account | None:
    """The enabled account an OIDC identity (its e-mail) maps to."""
    df = store.query("SELECT username FROM accounts WHERE lower(email) = lower($e) AND NOT disabled", {"e": email})
    if df.empty:
        return None
    found = _account(store, str(df.iloc[0]["username"]))
    return found[0] if found else None


def load(store: Database, username: str) -> Account | None:
    """A signed-in account as it is now (None once deleted or disabled)."""
    found = _account(store, username)
    if not found or found[2]:
        return None
    return found[0]


def session_valid(signed_in_at: datetime, now: datetime | None = None) -> bool:
    """Sessions expire SESSION_HOURS after the login."""
    return (now or datetime.now()) - signed_in_at < timedelta(hours=settings.session_hours())


def start_session(store: Database, account: Account, source: str | None = None, now: datetime | None = None) -> str:
    """A new session for a signed-in account: a random token for the browser; only its hash is
    kept, with its expiry (SESSION_HOURS)."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)
    store.add_session(
        _token_hash(token), account.username, _source(source), now, now + timedelta(hours=settings.session_hours())
    )
    return token


def session_account(store: Database, token: str | None, now: datetime | None = None) -> Account | None:
    """The account a session token belongs to, while the session lasts (not expired, not revoked,
    the account enabled). Asked of the database as committed this moment (on PostgreSQL not this
    process's mirror): a sign-out, a new password or a disabled account in any process ends the
    session everywhere before that process's write returns."""
    if not token or len(token) > 200:
        return None
    rows = store.current_rows(
        "SELECT a.username, a.display_name, a.role, a.scope, a.units, coalesce(a.must_change_password, FALSE) "
        "FROM sessions s JOIN accounts a ON a.username = s.username "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND NOT a.disabled",
        [_token_hash(token), now or datetime.now()],
    )
    if not rows:
        return None
    name, shown, role, scope, units, must_change = rows[0]
    return Account(
        str(name), str(shown), str(role), None if scope is None else str(scope), _units(units), bool(must_change)
    )


def _units(units: object) -> tuple[str, ...] | None:
    return None if units is None or not hasattr(units, "__len__") else tuple(str(u) for u in units)


def end_session(store: Database, token: str | None) -> None:
    """Sign out: the session's token stops working."""
    if token:
        store.revoke_sessions(token_hash=_token_hash(token))


def session_hash(token: str | None) -> str | None:
    """The stored form of a session token."""
    return _token_hash(token) if token else None


def ensure_admin(store: Database) -> str | None:
    """The first start: with no account at all, create 'admin' (绩效办). Its password comes from
    PERFDASH_ADMIN_PASSWORD or is generated; a generated one is returned to be shown once, and
    the account must choose its own at its first sign-in (the console, and whatever keeps its
    output, knows the printed one). One the operator chose is the operator's to keep: no such
    demand. No default password ships."""
    if int(store.scalar("SELECT count(*) FROM accounts")) > 0:
        return None
    given = settings.admin_password()
    password = given or secrets.token_urlsafe(12)
    try:
        store.insert_account(Actor.system(), "admin", "管理员", "office", None, hash_password(password))
    except StoreError:
        return None  # created meanwhile by another process
    if given:
        return None
    store.require_new_password(Actor.system(), "admin", True)  # before the password is shown
    return password


def new_password_problems(new_password: str, again: str) -> list[str]:
    """Every problem with a new password typed twice, each naming its field (empty: none); the
    length rule is hash_password's, which every password meets."""
    problems = []
    if not new_password:
        problems.append("“新密码”未填写")
    elif len(new_password) < settings.MIN_PASSWORD_LENGTH:
        problems.append(f"“新密码”太短：至少 {settings.MIN_PASSWORD_LENGTH} 位，现为 {len(new_password)} 位")
    elif len(new_password) > settings.MAX_PASSWORD_LENGTH:
        problems.append(f"“新密码”太长：不能超过 {settings.MAX_PASSWORD_LENGTH} 位")
    if new_password and again != new_password:
        problems.append("“再次输入新密码”与“新密码”不一致")
    return problems


def set_new_password(store: Database, account: Account, new_password: str, session: str | None = None) -> None:
    """The password a person chooses at the first sign-in with a printed or reset one (请设置新密码):
    the length rule of every password, and not the one it replaces. Only while the account must
    change it (the flag, read as stored now); otherwise the old password is asked for
    (change_password). The account's other sessions end; ``session`` (this one's token) stays."""
    found = _account(store, account.username)
    if not found or found[2] or not found[0].must_change_password:
        raise AuthError("该账户无需在此设置新密码；修改密码请到“我的账户”页面")
    new_hash = hash_password(new_password)
    if found[1] and _verify(found[1], new_password):
        raise AuthError("新密码不能与原来的密码相同")
    actor = found[0].actor
    store.update_account(actor, account.username, keep_session=session_hash(session), password_hash=new_hash)
    store.require_new_password(actor, account.username, False)


def register_account(
    store: Database,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    scope: str | None,
    password: str,
    email: str | None = None,
    units: list[str] | None = None,
) -> None:
    """A new account (绩效办 only): checks the name, the role's scope (a 责任科室 or 分管领导 of a
    plan of the account's units) and the password rule. Each refusal starts with the field it is
    about (用户名：…, 科室：…, 密码：…), so the form can say what to fix."""
    if actor.role != "system":
        require_role(actor, {"office"}, "管理账户")
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AuthError("用户名：只能由 2–64 位字母、数字或 _ . @ - 组成")
    if role not in ACCOUNT_ROLES:
        raise AuthError(f"角色：未知的角色“{role}”")
    if problem := _scope_missing(role, scope):
        raise AuthError(problem)
    scope = None if role in UNSCOPED_ROLES else str(scope).strip()
    if len(password) < settings.MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码：至少 {settings.MIN_PASSWORD_LENGTH} 位")
    if len(password) > settings.MAX_PASSWORD_LENGTH:
        raise AuthError(f"密码：不能超过 {settings.MAX_PASSWORD_LENGTH} 位")
    if store.scalar("SELECT count(*) FROM accounts WHERE username = $u", {"u": username}):
        raise AuthError(f"用户名：账户“{username}”已存在")
    if problem := _scope_outside(store, role, scope, _units_named(store, actor, role, units)):
        raise AuthError(problem)
    store.insert_account(
        actor, username, display_name.strip() or username, role, scope, hash_password(password), email, units
    )


def edit_account(
    store: Database, actor: Actor, username: str, role: str, scope: str | None, units: list[str] | None
) -> dict[str, object]:
    """The office changes an account's role, its 科室 (a section account) or 分管领导 (a leader
    account) and its units, in one write with one audit entry (the changed values before and
    after); returns what changed. ``units`` None: an office account for every unit (only an office
    for every unit gives that). Refused with a StoreError naming the field: a scope that is no
    责任科室 / 分管领导 in a plan of the account's units, units outside the actor's, one's own role
    or units, nothing changed, and taking away the last enabled unrestricted office account (no
    one could then manage every unit's accounts or take a backup). The person's open pages follow
    the change at their next click (every run reads the session's account afresh)."""
    require_role(actor, {"office"}, "管理账户")
    if role not in ACCOUNT_ROLES:
        raise StoreError(f"角色：未知的角色“{role}”")
    if problem := _scope_missing(role, scope):
        raise StoreError(problem)
    scope = None if role in UNSCOPED_ROLES else str(scope).strip()
    found = store.query("SELECT units FROM accounts WHERE username = $u", {"u": username})
    if found.empty:
        raise StoreError(f"没有账户“{username}”")
    theirs = _units(found.iloc[0]["units"])
    _within(actor, None if theirs is None else list(theirs), username)
    if role == "office" and units is not None and not any(u.strip() for u in units):
        units = None  # an office account with no unit picked: every unit (refused below if not the actor's to give)
    chosen = _units_named(store, actor, role, units)
    if problem := _scope_outside(store, role, scope, chosen):
        raise StoreError(problem)
    new = {"role": role, "scope": scope, "units": None if chosen is None else list(chosen)}
    with store.write(actor, roles={"office"}, what="管理账户") as w:
        row = w.execute("SELECT role, scope, units, disabled FROM accounts WHERE username = ?", [username])
        if not row:
            raise StoreError(f"没有账户“{username}”")
        old_role, old_scope, old_units, disabled = row[0]
        old = {"role": old_role, "scope": old_scope, "units": None if old_units is None else list(old_units)}
        changed = [k for k in new if _comparable(old[k]) != _comparable(new[k])]
        if not changed:
            raise StoreError(f"账户“{username}”的角色、科室/分管领导和所属单位都没有变化")
        if username == actor.username:
            raise StoreError("不能修改自己账户的角色和所属单位：请由另一个绩效办账户修改")
        was_one = old_role == "office" and old_units is None and not disabled
        _keep_an_unrestricted_office(w, username, was_one, role == "office" and chosen is None)
        w.execute(
            "UPDATE accounts SET role = ?, scope = ?, units = ? WHERE username = ?",
            [role, scope, new["units"], username],
        )
        w.audit("修改账户", "account", username, {k: old[k] for k in changed}, {k: new[k] for k in changed})
    return {k: new[k] for k in changed}


def set_account_disabled(store: Database, actor: Actor, username: str, disabled: bool) -> None:
    """The office disables an account (or enables it again), in one write with its audit entry. A
    disabled account cannot sign in and its sessions end at once (every page run asks the
    database). Refused: one's own account, and the last enabled unrestricted office account."""
    require_role(actor, {"office"}, "管理账户")
    if disabled and username == actor.username:
        raise StoreError("不能停用自己的账户")
    found = store.query("SELECT units FROM accounts WHERE username = $u", {"u": username})
    if found.empty:
        raise StoreError(f"没有账户“{username}”")
    theirs = _units(found.iloc[0]["units"])
    _within(actor, None if theirs is None else list(theirs), username)
    verb = "停用" if disabled else "启用"
    with store.write(actor, roles={"office"}, what="管理账户") as w:
        role, units, was = w.execute("SELECT role, units, disabled FROM accounts WHERE username = ?", [username])[0]
        if bool(was) == disabled:
            raise StoreError(f"账户“{username}”已经是{verb}状态")
        if disabled:
            _keep_an_unrestricted_office(w, username, role == "office" and units is None, False)
        w.execute("UPDATE accounts SET disabled = ? WHERE username = ?", [disabled, username])
        if disabled:
            w.execute(
                "UPDATE sessions SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
                [datetime.now(), username],
            )
        w.audit(f"{verb}账户", "account", username, {"disabled": bool(was)}, {"disabled": disabled})


def _scope_missing(role: str, scope: str | None) -> str | None:
    """Why a section or leader account lacks its scope (None: it has one, or needs none)."""
    if role == "section" and not (scope or "").strip():
        return "科室：科室账户须指定科室"
    if role == "leader" and not (scope or "").strip():
        return "分管领导：领导账户须指定分管领导姓名"
    return None


def _scope_outside(store: Database, role: str, scope: str | None, units: tuple[str, ...] | None) -> str | None:
    """Why ``scope`` cannot be this section's or leader's (None: it can): it must be a 责任科室 /
    分管领导 named in a plan of one of the account's units."""
    if role == "section":
        sql, label, what = "SELECT DISTINCT p.unit FROM target_sections t", "科室", "责任科室"
        sql += " JOIN plans p ON p.plan_id = t.plan_id WHERE t.section = $scope"
    elif role == "leader":
        sql, label, what = "SELECT DISTINCT p.unit FROM target_leaders t", "分管领导", "分管领导"
        sql += " JOIN plans p ON p.plan_id = t.plan_id WHERE t.leader = $scope"
    else:
        return None
    if set(store.query(sql, {"scope": scope})["unit"]) & set(units or ()):
        return None
    return f"{label}：“{scope}”不是所属单位（{'、'.join(units or ())}）方案中的{what}"


def _units_named(
    store: Database, actor: Actor, role: str, units: list[str] | tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """_account_units, its refusal naming the field (所属单位：…)."""
    try:
        return _account_units(store, actor, role, units)
    except StoreError as exc:
        raise StoreError(f"所属单位：{exc}") from None


def _comparable(value: object) -> object:
    """A stored value as compared for a change: units in any order are the same units."""
    return sorted(value) if isinstance(value, list | tuple) else value


def _keep_an_unrestricted_office(w: Write, username: str, is_one: bool, stays_one: bool) -> None:
    """Refuse, inside the write, to take away the last enabled office account for every unit."""
    if not is_one or stays_one:
        return
    others = w.execute(
        "SELECT count(*) FROM accounts WHERE role = 'office' AND units IS NULL AND NOT disabled AND username <> ?",
        [username],
    )[0][0]
    if not others:
        raise StoreError(
            f"“{username}”是最后一个可用的不限单位绩效办账户：不能停用、改为其他角色或限定单位，"
            "否则没有人能管理全部单位的账户和备份。请先另建一个不限单位的绩效办账户。"
        )


def change_password(
    store: Database,
    actor: Actor,
    username: str,
    old_password: str | None,
    new_password: str,
    session: str | None = None,
) -> None:
    """A new password: the account itself, knowing its old one; or 绩效办 resetting another's
    (``old_password`` None). Every other session of the account ends; the one that changed its
    own password (token ``session``) stays signed in."""
    if actor.username == username:
        if not old_password:
            raise AuthError("请输入原密码")
        authenticate(store, username, old_password)
    elif actor.role != "office":
        raise AuthError("只能修改自己的密码")
    keep = session_hash(session) if actor.username == username else None
    store.update_account(actor, username, keep_session=keep, password_hash=hash_password(new_password))
    # Reset by the office: the office knows it, so the person chooses their own at the next sign-in.
    store.require_new_password(actor, username, actor.username != username)


def new_kiosk_token(store: Database, actor: Actor, label: str) -> str:
    """A meeting-screen token (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    store.add_kiosk_token(actor, _token_hash(token), label.strip() or "大屏")
    return token


@dataclass(frozen=True)
class KioskToken:
    """A live meeting-screen token: what it is for, and the units it shows (None: all)."""

    label: str
    units: tuple[str, ...] | None

    @property
    def actor(self) -> Actor:
        return Actor("screen", "大屏", None, self.units)


def kiosk_token(store: Database, token: str | None) -> KioskToken | None:
    """The live token a meeting screen was opened with (None: unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    rows = store.current_rows(  # as committed this moment, like a session (a revoked screen goes dark at once)
        "SELECT label, units FROM kiosk_tokens WHERE token_hash = ? AND revoked_at IS NULL", [_token_hash(token)]
    )
    return KioskToken(str(rows[0][0]), _units(rows[0][1])) if rows else None


def kiosk_token_valid(store: Database, token: str | None) -> bool:
    """Whether a token opens the meeting screen."""
    return kiosk_token(store, token) is not None


def _params_text() -> str:
    return f"m={ARGON2['memory_cost']} KiB, t={ARGON2['time_cost']}, p={ARGON2['parallelism']}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountWrites(SignInWrites):
    """Accounts, sign-in attempts (perfdash.ops.throttle), sessions and meeting-screen tokens (part
    of perfdash.store.Store)."""

    def insert_account(
        self: Database,
        actor: Actor,
        username: str,
        display_name: str,
        role: str,
        scope: str | None,
        password_hash: str | None,
        email: str | None = None,
        units: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Insert a new local account row (register_account checks a typed password and hashes it;
        here it arrives already hashed, or None for an OIDC-only account). A section
        or leader account belongs to units (by default those of the office creating it); an office
        account may be bound to units too, and only an office bound to none creates one that is not."""
        if actor.role != "system":
            require_role(actor, {"office"}, "管理账户")
        units = _account_units(self, actor, role, units)
        display_name = bounded("姓名", display_name, "name", required=True)
        email = bounded("邮箱", email, "name") or None
        with self.write(actor) as w:
            if w.execute("SELECT 1 FROM accounts WHERE username = ?", [username]):
                raise StoreError(f"账户“{username}”已存在")
            w.execute(
                "INSERT INTO accounts (username, display_name, role, scope, email, password_hash, units) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [username, display_name, role, scope, email, password_hash, None if units is None else list(units)],
            )
            w.audit(
                "创建账户",
                "account",
                username,
                None,
                {"display_name": display_name, "role": role, "scope": scope, "email": email, "units": units},
            )

    def update_account(
        self: Database, actor: Actor, username: str, *, keep_session: str | None = None, **changes: object
    ) -> None:
        """Change an account: password_hash (office, or the account itself), or display_name,
        role, scope, email, disabled, units (office only). A new password or a disabled account
        ends the account's sessions everywhere, except ``keep_session`` (the hash of the session
        that changed its own password). The audit log never holds a password hash."""
        allowed = {"password_hash", "display_name", "role", "scope", "email", "disabled", "units"}
        if not changes or set(changes) - allowed:
            raise StoreError("无效的账户修改")
        own_password = set(changes) == {"password_hash"} and actor.username == username
        if not own_password:
            require_role(actor, {"office"}, "管理账户")
        target = self.query("SELECT role, units FROM accounts WHERE username = $u", {"u": username})
        if target.empty:
            raise StoreError(f"没有账户“{username}”")
        if not own_password:
            theirs = target.iloc[0]["units"]
            _within(actor, None if theirs is None or not hasattr(theirs, "__len__") else list(theirs), username)
        if "units" in changes:
            role = str(changes.get("role", target.iloc[0]["role"]))
            changes["units"] = _account_units(self, actor, role, changes["units"])  # type: ignore[arg-type]
        for key, label in (("display_name", "姓名"), ("email", "邮箱")):
            if isinstance(changes.get(key), str):
                changes[key] = bounded(label, changes[key], "name")  # type: ignore[arg-type]
        columns = sorted(changes)
        with self.write(actor) as w:
            row = w.execute(
                "SELECT display_name, role, scope, email, disabled, units FROM accounts WHERE username = ?", [username]
            )
            old = dict(zip(("display_name", "role", "scope", "email", "disabled", "units"), row[0], strict=True))
            assignments = ", ".join(f"{c} = ?" for c in columns)  # column names from the allow-list above
            w.execute(
                f"UPDATE accounts SET {assignments} WHERE username = ?",  # noqa: S608
                [list(changes[c]) if c == "units" and changes[c] is not None else changes[c] for c in columns]
                + [username],
            )
            if "password_hash" in changes or changes.get("disabled"):
                w.execute(
                    "UPDATE sessions SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL "
                    "AND token_hash IS DISTINCT FROM ?",
                    [datetime.now(), username, keep_session],
                )
            shown = {c: ("（已修改）" if c == "password_hash" else changes[c]) for c in columns}
            w.audit("修改账户", "account", username, {c: old.get(c) for c in columns if c in old} or None, shown)

    def require_new_password(self: Database, actor: Actor, username: str, required: bool) -> None:
        """Mark that an account must choose a new password before anything else (a printed first
        password, a reset by the office), or clear the mark once it has; audited when it changes.
        Setting it is the office's (or the system's at the first start); clearing it, the
        account's own."""
        if actor.role != "system" and not (actor.username == username and not required):
            require_role(actor, {"office"}, "管理账户")
            theirs = self.query("SELECT units FROM accounts WHERE username = $u", {"u": username})
            units = None if theirs.empty else theirs.iloc[0]["units"]
            _within(actor, None if units is None or not hasattr(units, "__len__") else list(units), username)
        with self.write(actor, changes_data=False) as w:  # no page's cached read shows the mark
            row = w.execute("SELECT coalesce(must_change_password, FALSE) FROM accounts WHERE username = ?", [username])
            if not row or bool(row[0][0]) == required:
                w.without_audit()  # nothing to change
                return
            w.execute("UPDATE accounts SET must_change_password = ? WHERE username = ?", [required, username])
            if required:
                w.audit("要求设置新密码", "account", username, None, "下次登录须先设置新密码")
            else:
                w.audit("已设置新密码", "account", username, "须设置新密码", "已设置")

    def record_refused_sign_in(self: Database, username: str, source: str) -> None:
        """A disabled account signed in with its right password and was refused with the same
        answer as any failure: the audit log keeps the real cause for the office."""
        with self.write(Actor.system(), changes_data=False) as w:
            w.audit("已停用账户尝试登录", "account", username, None, {"source": source})

    def rehash_password(self: Database, username: str, old_hash: str, new_hash: str) -> None:
        """The same password hashed with today's parameters (at a sign-in that proved it), unless
        the password was changed meanwhile. Sessions stay: the password did not change."""
        with self.write(Actor.system(), changes_data=False) as w:
            w.execute(
                "UPDATE accounts SET password_hash = ? WHERE username = ? AND password_hash = ?",
                [new_hash, username, old_hash],
            )
            w.audit("更新密码哈希参数", "account", username, None, "argon2id " + _params_text())

    def add_session(
        self: Database, token_hash: str, username: str, source: str, created: datetime, expires: datetime
    ) -> None:
        """A session begins (its token's hash only)."""
        with self.write(Actor.system(), live_only=True) as w:
            w.without_audit()  # a sign-in is recorded in sign_in_attempts
            w.execute(
                "INSERT INTO sessions (token_hash, username, source, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [token_hash, username, source, created, expires],
            )

    def revoke_sessions(self: Database, *, token_hash: str | None = None, username: str | None = None) -> None:
        """End one session (sign-out) or every session of an account."""
        with self.write(Actor.system(), live_only=True) as w:
            w.without_audit()
            w.execute(
                "UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL AND (token_hash = ? OR username = ?)",
                [datetime.now(), token_hash, username],
            )

    def add_kiosk_token(self: Database, actor: Actor, token_hash: str, label: str) -> None:
        """A meeting-screen token (only its hash is kept); it shows the units its maker sees."""
        require_role(actor, {"office"}, "管理大屏令牌")
        label = bounded("令牌用途", label, "title")
        with self.write(actor) as w:
            w.execute(
                "INSERT INTO kiosk_tokens (token_hash, label, created_by, units) VALUES (?, ?, ?, ?)",
                [token_hash, label, actor.name, None if actor.units is None else list(actor.units)],
            )
            w.audit("创建大屏令牌", "kiosk_token", label, None, {"label": label, "units": actor.units})

    def revoke_kiosk_token(self: Database, actor: Actor, token_hash: str) -> None:
        """Stop a meeting-screen token from working."""
        require_role(actor, {"office"}, "管理大屏令牌")
        found = self.query("SELECT label, units FROM kiosk_tokens WHERE token_hash = $h", {"h": token_hash})
        if not found.empty:
            theirs = found.iloc[0]["units"]
            _within(actor, None if theirs is None or not hasattr(theirs, "__len__") else list(theirs), "该令牌")
        with self.write(actor) as w:
            w.execute("UPDATE kiosk_tokens SET revoked_at = current_timestamp WHERE token_hash = ?", [token_hash])
            w.audit(
                "吊销大屏令牌",
                "kiosk_token",
                str(found.iloc[0]["label"]) if not found.empty else "?",
                {"revoked": False},
                {"revoked": True},
            )


def _within(actor: Actor, units: list[str] | None, what: str) -> None:
    """An office bound to units manages only what lies within them."""
    if actor.units is None:
        return
    if units is None or not set(units) <= set(actor.units):
        raise StoreError(f"{what}不只属于{'、'.join(actor.units)}，只有不限单位的绩效办账户可以管理")


def _account_units(
    store: Database, actor: Actor, role: str, units: list[str] | tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The units an account will belong to: as given, else its creator's; a section or leader
    account must have at least one, and an office bound to units gives only its own. A city
    account (市直绩效办) belongs to none: it reads every unit, so only an office bound to none
    creates one (units given for it are not kept)."""
    if role == "city":
        if actor.units is not None:
            raise StoreError(f"只有不限单位的绩效办账户可以创建{ACCOUNT_ROLES['city']}账户")
        return None
    chosen = tuple(dict.fromkeys(u.strip() for u in units if u.strip())) if units is not None else actor.units
    if chosen is None and role != "office":
        chosen = tuple(store.query("SELECT DISTINCT unit FROM plans ORDER BY unit")["unit"])
        if len(chosen) > 1:
            raise StoreError("库中有多个单位：请为科室和领导账户指定所属单位")
    if chosen is not None and not chosen and role != "office":
        raise StoreError("科室和领导账户须属于至少一个单位")
    if actor.units is not None and (chosen is None or not set(chosen) <= set(actor.units)):
        raise StoreError(f"只能把账户分配给本账户所属的单位（{'、'.join(actor.units)}）")
    return chosen
