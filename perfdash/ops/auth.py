"""Login: local accounts with argon2-hashed passwords, failed-login limits, session expiry,
the first admin account, and the meeting screen's kiosk tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from perfdash.core import settings
from perfdash.core.access import ACCOUNT_ROLES, Actor
from perfdash.core.settings import OFFICE
from perfdash.db.database import Database, StoreError, require_role

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_hasher = PasswordHasher()
_dummy: list[str] = []  # a hash to verify against when the account does not exist (timing tells nothing)


def _dummy_hash() -> str:
    # Made on the first unknown-user login, not at import: argon2 takes 64 MiB and a fraction of
    # a second, which every page's start would otherwise pay.
    if not _dummy:
        _dummy.append(_hasher.hash("perfdash-no-such-account"))
    return _dummy[0]


class AuthError(ValueError):
    """A refused login or account change (message in Chinese)."""


@dataclass(frozen=True)
class Account:
    """A signed-in person: who they are and what they act as."""

    username: str
    display_name: str
    role: str
    scope: str | None

    @property
    def actor(self) -> Actor:
        if self.role == "office":
            return Actor("office", OFFICE, self.username)
        return Actor(self.role, str(self.scope), self.username)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        where = f" · {self.scope}" if self.scope else ""
        return f"{self.display_name}（{ACCOUNT_ROLES.get(self.role, self.role)}{where}）"


def hash_password(password: str) -> str:
    """An argon2 hash of a password that meets the length rule."""
    if len(password) < settings.MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少 {settings.MIN_PASSWORD_LENGTH} 位")
    return _hasher.hash(password)


def _account(store: Database, username: str) -> tuple[Account, str | None, bool] | None:
    df = store.query(
        "SELECT username, display_name, role, scope, password_hash, disabled FROM accounts WHERE username = $u",
        {"u": username},
    )
    if df.empty:
        return None
    r = df.iloc[0]
    scope = None if r["scope"] is None or r["scope"] != r["scope"] else str(r["scope"])
    account = Account(str(r["username"]), str(r["display_name"]), str(r["role"]), scope)
    return account, (None if r["password_hash"] is None else str(r["password_hash"])), bool(r["disabled"])


def locked_until(store: Database, username: str, now: datetime | None = None) -> datetime | None:
    """When a rate-limited account may try again (None when it may try now): too many failures
    within the lock window lock it until the window after the last failure has passed."""
    now = now or datetime.now()
    failures, minutes = settings.login_limits()
    window = timedelta(minutes=minutes)
    df = store.query(
        "SELECT attempted_at, ok FROM login_attempts WHERE username = $u AND attempted_at > $since "
        "ORDER BY attempted_at",
        {"u": username, "since": now - window},
    )
    recent: list[datetime] = []
    for at, ok in zip(df["attempted_at"], df["ok"], strict=True):
        recent = [] if ok else [*recent, at.to_pydatetime() if hasattr(at, "to_pydatetime") else at]
    if len(recent) >= failures:
        return recent[-1] + window
    return None


def authenticate(store: Database, username: str, password: str, now: datetime | None = None) -> Account:
    """Check a username and password. Refused: unknown account or wrong password (one message
    for both), a disabled account, or too many recent failures."""
    now = now or datetime.now()
    username = username.strip()
    until = locked_until(store, username, now)
    if until is not None:
        raise AuthError(f"登录失败次数过多，请于 {until:%H:%M} 后再试")
    found = _account(store, username) if USERNAME_RE.match(username) else None
    stored = found[1] if found else None
    try:
        _hasher.verify(stored or _dummy_hash(), password)
        ok = stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if found and ok and found[2]:
        store.record_login(username, False, now)
        raise AuthError("该账户已停用，请联系绩效办")
    store.record_login(username, ok, now)
    if not ok:
        raise AuthError("用户名或密码不正确")
    return found[0]  # type: ignore[index]


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


def ensure_admin(store: Database) -> str | None:
    """The first start: with no account at all, create 'admin' (绩效办). Its password comes from
    PERFDASH_ADMIN_PASSWORD or is generated; a generated one is returned to be shown once.
    No default password ships."""
    if int(store.scalar("SELECT count(*) FROM accounts")) > 0:
        return None
    given = settings.admin_password()
    password = given or secrets.token_urlsafe(12)
    try:
        store.create_account(Actor.system(), "admin", "管理员", "office", None, hash_password(password))
    except StoreError:
        return None  # created meanwhile by another process
    return None if given else password


def create_account(
    store: Database,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    scope: str | None,
    password: str,
    email: str | None = None,
) -> None:
    """A new account (绩效办 only): checks the name, the role's scope and the password rule."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AuthError("用户名只能由 2–64 位字母、数字或 _ . @ - 组成")
    if role not in ACCOUNT_ROLES:
        raise AuthError(f"未知的角色“{role}”")
    if role != "office" and not (scope or "").strip():
        raise AuthError("科室账户须指定科室，领导账户须指定分管领导姓名")
    store.create_account(
        actor,
        username,
        display_name.strip() or username,
        role,
        None if role == "office" else scope.strip(),
        hash_password(password),
        email,
    )


def change_password(store: Database, actor: Actor, username: str, old_password: str | None, new_password: str) -> None:
    """A new password: the account itself, knowing its old one; or 绩效办 resetting another's
    (``old_password`` None)."""
    if actor.username == username:
        if not old_password:
            raise AuthError("请输入原密码")
        authenticate(store, username, old_password)
    elif actor.role != "office":
        raise AuthError("只能修改自己的密码")
    store.update_account(actor, username, password_hash=hash_password(new_password))


def new_kiosk_token(store: Database, actor: Actor, label: str) -> str:
    """A meeting-screen token (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    store.add_kiosk_token(actor, _token_hash(token), label.strip() or "大屏")
    return token


def kiosk_token_valid(store: Database, token: str | None) -> bool:
    """Whether a token opens the meeting screen."""
    if not token:
        return False
    return bool(
        store.scalar(
            "SELECT count(*) FROM kiosk_tokens WHERE token_hash = $h AND revoked_at IS NULL", {"h": _token_hash(token)}
        )
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountWrites:
    """Accounts, login attempts and meeting-screen tokens (part of perfdash.store.Store)."""

    def create_account(
        self: Database,
        actor: Actor,
        username: str,
        display_name: str,
        role: str,
        scope: str | None,
        password_hash: str | None,
        email: str | None = None,
    ) -> None:
        """A new local account. Its password arrives already hashed (hash_password above)."""
        if actor.role != "system":
            require_role(actor, {"office"}, "管理账户")
        with self.write(actor) as w:
            if w.execute("SELECT 1 FROM accounts WHERE username = ?", [username]):
                raise StoreError(f"账户“{username}”已存在")
            w.execute(
                "INSERT INTO accounts (username, display_name, role, scope, email, password_hash) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [username, display_name, role, scope, email, password_hash],
            )
            w.audit(
                "创建账户",
                "account",
                username,
                None,
                {"display_name": display_name, "role": role, "scope": scope, "email": email},
            )

    def update_account(self: Database, actor: Actor, username: str, **changes: object) -> None:
        """Change an account: password_hash (office, or the account itself), or display_name,
        role, scope, email, disabled (office only). The audit log never holds a password hash."""
        allowed = {"password_hash", "display_name", "role", "scope", "email", "disabled"}
        if not changes or set(changes) - allowed:
            raise StoreError("无效的账户修改")
        own_password = set(changes) == {"password_hash"} and actor.username == username
        if not own_password:
            require_role(actor, {"office"}, "管理账户")
        columns = sorted(changes)
        with self.write(actor) as w:
            row = w.execute(
                "SELECT display_name, role, scope, email, disabled FROM accounts WHERE username = ?", [username]
            )
            if not row:
                raise StoreError(f"没有账户“{username}”")
            old = dict(zip(("display_name", "role", "scope", "email", "disabled"), row[0], strict=True))
            assignments = ", ".join(f"{c} = ?" for c in columns)  # column names from the allow-list above
            w.execute(
                f"UPDATE accounts SET {assignments} WHERE username = ?",  # noqa: S608
                [changes[c] for c in columns] + [username],
            )
            shown = {c: ("（已修改）" if c == "password_hash" else changes[c]) for c in columns}
            w.audit("修改账户", "account", username, {c: old.get(c) for c in columns if c in old} or None, shown)

    def record_login(self: Database, username: str, ok: bool, at: datetime | None = None) -> None:
        """One login attempt (for rate limiting and the audit trail)."""
        with self.write(Actor.system()) as w:
            w.without_audit()  # the attempts table is its own record
            w.execute(
                "INSERT INTO login_attempts (username, attempted_at, ok) VALUES (?, ?, ?)",
                [username, at or datetime.now(), ok],
            )

    def add_kiosk_token(self: Database, actor: Actor, token_hash: str, label: str) -> None:
        """A meeting-screen token (only its hash is kept)."""
        require_role(actor, {"office"}, "管理大屏令牌")
        with self.write(actor) as w:
            w.execute(
                "INSERT INTO kiosk_tokens (token_hash, label, created_by) VALUES (?, ?, ?)",
                [token_hash, label, actor.name],
            )
            w.audit("创建大屏令牌", "kiosk_token", label, None, {"label": label})

    def revoke_kiosk_token(self: Database, actor: Actor, token_hash: str) -> None:
        """Stop a meeting-screen token from working."""
        require_role(actor, {"office"}, "管理大屏令牌")
        with self.write(actor) as w:
            label = w.execute("SELECT label FROM kiosk_tokens WHERE token_hash = ?", [token_hash])
            w.execute("UPDATE kiosk_tokens SET revoked_at = current_timestamp WHERE token_hash = ?", [token_hash])
            w.audit(
                "吊销大屏令牌",
                "kiosk_token",
                label[0][0] if label else "?",
                {"revoked": False},
                {"revoked": True},
            )
