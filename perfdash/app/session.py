"""Who is using the app: the shared store (built on the first start), signing in and out, sessions."""

from __future__ import annotations

import ipaddress
import logging

import streamlit as st

from perfdash.app import startup
from perfdash.core import fmt, settings
from perfdash.ops import auth
from perfdash.store import Store, StoreError

SESSION_KEY = "auth"
log = logging.getLogger("perfdash")


@st.cache_resource(show_spinner="正在准备数据库…")
def get_store(path: str) -> Store:
    """One shared connection per database file: the one ``python -m perfdash serve`` prepared
    before the server started, or (under a plain ``streamlit run``) prepared now, on the first
    visit: plan and demo data, and the first admin account, its password printed on the console."""
    return startup.shared_store(path)


def open_store() -> Store:
    """The shared store, or a plain message for the visitor when it cannot be opened (the details,
    which name files and processes, go to the server's log only); then the page stops."""
    try:
        return get_store(str(settings.db_path()))
    except auth.AuthError as exc:
        log.error("perfdash 无法完成首次启动：%s", exc)
        st.error("系统尚未完成初始设置（管理员初始密码不符合要求）。请管理员查看服务器日志后重新启动。")
    except StoreError as exc:
        log.error("perfdash 无法打开数据库：%s", exc)
        st.error("系统暂时无法打开数据库，请稍后再试；如一直如此，请联系绩效办。")
    st.stop()


def client_address() -> str:
    """Where a visitor connects from (for the per-source sign-in limit). Behind a reverse proxy on
    this machine, the proxy's X-Forwarded-For names the visitor."""
    ip = st.context.ip_address
    ip = ip if isinstance(ip, str) else ""  # none under AppTest
    try:
        forwarded = str(st.context.headers.get("X-Forwarded-For", "") or "")
    except (AttributeError, TypeError):
        forwarded = ""
    try:
        local = ipaddress.ip_address(ip).is_loopback if ip else True
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.split(",")[0].strip()[:64]
    return ip[:64]


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def session_token() -> str | None:
    """This browser session's sign-in token, if it has one."""
    session = st.session_state.get(SESSION_KEY)
    return session.get("token") if isinstance(session, dict) else None


def require_login(store: Store) -> auth.Account:
    """The signed-in account, or a login form (then the page stops). Every run asks the store
    whether the session still holds: it ends when it expires, on sign-out, when the password
    changes elsewhere or the account is disabled. With an OIDC provider in secrets.toml, st.login
    is used."""
    token = session_token()
    if token:
        account = auth.session_account(store, token)
        if account:
            _signed_in_sidebar(store, account)
            return account
        st.session_state.pop(SESSION_KEY, None)
        st.warning("登录已过期或账户已停用，请重新登录。")
    if _oidc_configured():
        if st.user.get("is_logged_in", False):
            account = auth.account_by_email(store, str(st.user.get("email", "")))
            if account:
                st.session_state[SESSION_KEY] = {"token": auth.start_session(store, account, client_address())}
                _signed_in_sidebar(store, account)
                return account
            st.error("该身份尚未开通 perfdash 账户，请联系绩效办。")
            st.button("退出", on_click=st.logout, key="oidc_logout")
            st.stop()
        st.title("登录")
        st.button("使用单位统一身份登录", on_click=st.login, type="primary", key="oidc_login")
        st.stop()
    _login_form(store)
    st.stop()


def _login_form(store: Store) -> None:
    st.title("登录 · 绩效管理")
    with st.form("login"):
        username = st.text_input("用户名", key="login_username", max_chars=64)
        password = st.text_input("密码", type="password", key="login_password", max_chars=settings.MAX_PASSWORD_LENGTH)
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        source = client_address()
        try:
            account = auth.authenticate(store, username, password, source=source)
        except auth.AuthError as exc:
            st.error(fmt.md(str(exc)))
        else:
            st.session_state[SESSION_KEY] = {"token": auth.start_session(store, account, source)}
            st.rerun()
    st.caption(
        "首次启动时，管理员账户 admin 的初始密码显示在启动看板的控制台中（或由环境变量 PERFDASH_ADMIN_PASSWORD 指定）。"
    )


def _signed_in_sidebar(store: Store, account: auth.Account) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{fmt.md(account.label)}")
        if st.button("退出登录", key="logout"):
            auth.end_session(store, session_token())
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
