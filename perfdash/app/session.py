"""Who is using the app: the shared store (built on the first start), signing in and out, sessions."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from perfdash.app.demo import bootstrap
from perfdash.core import settings
from perfdash.ops import auth
from perfdash.store import Store


@st.cache_resource(show_spinner="正在准备数据库…")
def get_store(path: str) -> Store:
    """One shared connection per database file; a new database gets the plan and demo data, and
    a first admin account (its generated password printed once, here, on the server's console)."""
    store = Store(path)
    bootstrap(store, settings.plan_path(), settings.demo_seed())
    password = auth.ensure_admin(store)
    if password:
        print(
            f"\n[perfdash] 已创建管理员账户 admin（绩效办），初始密码：{password}\n"
            "[perfdash] 请登录后在“账户管理”中修改密码；此密码不会再次显示。\n",
            flush=True,
        )
    return store


@st.cache_data(max_entries=64, show_spinner=False)
def _account(path: str, version: int, username: str) -> auth.Account | None:
    # Every account change is a write, so a disabled account is signed out on its next run.
    return auth.load(get_store(path), username)


SESSION_KEY = "auth"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def require_login(store: Store) -> auth.Account:
    """The signed-in account, or a login form (then the page stops). Sessions expire; a disabled
    account is signed out at once. With an OIDC provider in secrets.toml, st.login is used."""
    session = st.session_state.get(SESSION_KEY)
    if session:
        account = _account(store.path, store.version(), session["username"])
        if account and auth.session_valid(session["at"]):
            _signed_in_sidebar(account)
            return account
        st.session_state.pop(SESSION_KEY, None)
        st.warning("登录已过期或账户已停用，请重新登录。")
    if _oidc_configured():
        if st.user.get("is_logged_in", False):
            account = auth.account_by_email(store, str(st.user.get("email", "")))
            if account:
                st.session_state[SESSION_KEY] = {"username": account.username, "at": datetime.now()}
                _signed_in_sidebar(account)
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
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            account = auth.authenticate(store, username, password)
        except auth.AuthError as exc:
            st.error(str(exc))
        else:
            st.session_state[SESSION_KEY] = {"username": account.username, "at": datetime.now()}
            st.rerun()
    st.caption(
        "首次启动时，管理员账户 admin 的初始密码显示在启动看板的控制台中（或由环境变量 PERFDASH_ADMIN_PASSWORD 指定）。"
    )


def _signed_in_sidebar(account: auth.Account) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{account.label}")
        if st.button("退出登录", key="logout"):
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
