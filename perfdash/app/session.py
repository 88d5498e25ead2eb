"""Who is using the app: the shared store (built on the first start), signing in and out, sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from perfdash.core import fmt, net, settings
from perfdash.db.postgres import is_unavailable
from perfdash.ops import auth, cookies
from perfdash.server import logs, startup
from perfdash.server.upload_gate import SESSION_KEY
from perfdash.store import Store, StoreError

log = logging.getLogger("perfdash")
_UNTRUSTED_WARNED: list[str] = []


@st.cache_resource(show_spinner="正在准备数据库…")
def get_store(path: str) -> Store:
    """One shared connection per database file: the one ``python -m perfdash serve`` prepared
    before the server started, or (under a plain ``streamlit run``) prepared now, on the first
    visit: plan and demo data, and the first admin account, its password printed on the console."""
    logs.install()  # a plain ``streamlit run`` too: no password in the server's log
    return startup.shared_store(path)


def database_down(exc: BaseException) -> None:
    """When ``exc`` says the database server cannot be reached: a plain page saying so (one log
    line, no traceback: nothing is broken here), then the page stops. Otherwise nothing."""
    if not is_unavailable(exc):
        return
    log.warning("perfdash: 数据库暂时不可用：%s", exc)
    st.error("数据库暂时不可用，请稍后刷新。")
    st.caption("数据库服务器没有响应。已填写但未保存的内容请先另行记下；如长时间如此，请联系绩效办。")
    st.stop()


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
    except Exception as exc:
        database_down(exc)  # the database server down at the first visit (a plain streamlit run)
        raise
    st.stop()


def _peer() -> str:
    """The address of the direct connection ('' under AppTest). st.context.ip_address hides
    loopback (None for 127.0.0.1 and ::1), which is exactly where a proxy on this machine connects
    from: Streamlit's client context has it (a test fails if a Streamlit upgrade moves it)."""
    from streamlit.runtime.context import _get_client_context

    try:
        context = _get_client_context()
    except Exception:  # no Streamlit runtime behind this run (a bare script, a test)
        context = None
    ip = getattr(context, "remote_ip", None) if context is not None else None
    return ip if isinstance(ip, str) else ""


def client_address() -> str:
    """Where a visitor connects from (for the per-source sign-in limit): the connection's address,
    or, when that is a configured reverse proxy (PERFDASH_TRUSTED_PROXIES), the address the proxy
    chain names in X-Forwarded-For (perfdash.core.net.visitor_address: the rightmost untrusted)."""
    try:
        forwarded = [str(v) for v in st.context.headers.get_all("X-Forwarded-For")]
    except (AttributeError, TypeError, RuntimeError):
        forwarded = []
    try:
        proxies = net.networks(settings.trusted_proxies())
    except ValueError as exc:  # checked when the server starts; here never fatal
        log.warning("perfdash: %s", exc)
        proxies = ()
    peer = _peer()
    if forwarded and peer and not net.is_proxy(peer, proxies) and not _UNTRUSTED_WARNED:
        _UNTRUSTED_WARNED.append(peer)  # once per process: a hint for whoever reads the log
        log.warning(
            "perfdash: 收到来自 %s 的 X-Forwarded-For，但它不在 PERFDASH_TRUSTED_PROXIES 中：登录限制按 %s 计数。"
            "经本机反向代理访问时请设 PERFDASH_TRUSTED_PROXIES=127.0.0.1",
            peer,
            peer,
        )
    return net.visitor_address(peer, forwarded, proxies)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def session_token() -> str | None:
    """This browser session's sign-in token, if it has one."""
    session = st.session_state.get(SESSION_KEY)
    return session.get("token") if isinstance(session, dict) else None


def _cookie(name: str) -> str | None:
    """One of this browser's cookies, as sent with the websocket's handshake."""
    try:
        value = st.context.cookies.get(name)
    except (AttributeError, RuntimeError):  # no browser behind this run (a test)
        return None
    return str(value) if value else None


def _cookie_token() -> str | None:
    """The token in this browser's sign-in cookie, if its signature holds."""
    value = _cookie(cookies.COOKIE_NAME)
    return cookies.unsign(value, cookies.secret()) if value else None


def current_account(store: Store) -> auth.Account | None:
    """Who is signed in, drawing nothing: this tab's session, else the one its cookie names (F5,
    a bookmark, a link opened in a new tab), while the server says the session holds. With the
    database server down, a page saying so instead (then the page stops)."""
    try:
        token = session_token()
        if token:
            return auth.session_account(store, token)
        token = _cookie_token()
        account = auth.session_account(store, token) if token else None
    except Exception as exc:
        database_down(exc)
        raise
    if account is not None:
        st.session_state[SESSION_KEY] = {"token": token}
    return account


def require_login(store: Store, on_sign_in: Callable[[auth.Account], None] | None = None) -> auth.Account:
    """The signed-in account, or a login form (then the page stops). Every run asks the store
    whether the session still holds: it ends when it expires, on sign-out, when the password
    changes elsewhere or the account is disabled. With an OIDC provider in secrets.toml, st.login
    is used. ``on_sign_in``: where a sign-in on this page goes (the start page switches straight to
    the person's first page, so a sign-in costs one run, not a rerun of the start page first)."""
    had_session = session_token() is not None
    account = current_account(store)
    if account:
        _signed_in_sidebar(store, account)
        return _with_own_password(store, account)
    if had_session:
        st.session_state.pop(SESSION_KEY, None)
        st.warning("登录已过期或账户已停用，请重新登录。")
    if _oidc_configured():
        if st.user.get("is_logged_in", False):
            account = auth.account_by_email(store, str(st.user.get("email", "")))
            if account:
                _signed_in(auth.start_session(store, account, client_address()), account)
                _signed_in_sidebar(store, account)
                return _with_own_password(store, account)
            st.error("该身份尚未开通 perfdash 账户，请联系绩效办。")
            st.button("退出", on_click=st.logout, key="oidc_logout")
            st.stop()
        st.title("登录")
        st.button("使用单位统一身份登录", on_click=st.login, type="primary", key="oidc_login")
        st.stop()
    _login_form(store, on_sign_in)
    st.stop()


def _signed_in(token: str, account: auth.Account) -> None:
    """Keep a new session in this tab, and (where the server can) in a cookie for the next visit;
    the same route marks the browser as one this account signs in on (perfdash.ops.throttle)."""
    st.session_state[SESSION_KEY] = {"token": token}
    if cookies.cookie_routes_enabled():
        st.session_state["_cookie_ticket"] = cookies.TICKETS.issue(token, account.username)


def _browser_call(path: str, body: str = "") -> None:
    """POST to one of the server's cookie routes from the page (the response sets or clears the
    cookie; the page's JavaScript never sees it). ``body`` is a ticket: URL-safe characters."""
    st.html(
        f"<script>fetch({path!r}, {{method: 'POST', body: {body!r}, credentials: 'same-origin'}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _login_form(store: Store, on_sign_in: Callable[[auth.Account], None] | None = None) -> None:
    if cookies.cookie_routes_enabled() and (st.session_state.pop("_clear_cookie", False) or _cookie_token()):
        _browser_call(cookies.SIGN_OUT_ROUTE)  # a cookie of an ended session: no use keeping it
    st.title("登录 · 绩效管理")
    with st.form("login"):
        username = st.text_input("用户名", key="login_username", max_chars=64)
        password = st.text_input("密码", type="password", key="login_password", max_chars=settings.MAX_PASSWORD_LENGTH)
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        source = client_address()
        try:
            browser = _cookie(cookies.KNOWN_BROWSER_COOKIE)
            account = auth.authenticate(store, username, password, source=source, browser=browser)
        except auth.AuthError as exc:
            st.error(fmt.md(str(exc)))
        except Exception as exc:
            database_down(exc)
            raise
        else:
            _signed_in(auth.start_session(store, account, source), account)
            if on_sign_in is not None:
                on_sign_in(account)
            st.rerun()
    st.caption(
        "首次启动时，管理员账户 admin 的初始密码显示在启动看板的控制台中，用它登录后须先设置新密码"
        "（或由环境变量 PERFDASH_ADMIN_PASSWORD 指定）。"
    )


def _with_own_password(store: Store, account: auth.Account) -> auth.Account:
    """The account, once its password is its own. Signed in with a printed or reset password, the
    page shows only the form for a new one (then stops), whichever page was asked for; once set,
    the page asked for opens (the start page goes on to the person's first page: no message, which
    that switch would drop)."""
    if not account.must_change_password:
        return account
    _new_password_form(store, account)
    st.stop()


def _new_password_form(store: Store, account: auth.Account) -> None:
    """请设置新密码: a new password typed twice, under the rules of every password. On a problem
    the typed fields stay and the message names the field."""
    st.title("请设置新密码")
    st.info(
        "您是用初始密码或绩效办重置的密码登录的，别人也可能知道它。请先设置只有您自己知道的新密码，"
        "之后才能使用看板；原来的密码随即失效。"
    )
    with st.form("new_password"):
        new = st.text_input(
            "新密码",
            type="password",
            key="first_new_password",
            max_chars=settings.MAX_PASSWORD_LENGTH,
            help=f"至少 {settings.MIN_PASSWORD_LENGTH} 位，不能与原来的密码相同",
        )
        again = st.text_input(
            "再次输入新密码", type="password", key="first_new_password_again", max_chars=settings.MAX_PASSWORD_LENGTH
        )
        submitted = st.form_submit_button("设置新密码", type="primary")
    if not submitted:
        return
    problems = auth.new_password_problems(new, again)
    if problems:
        for problem in problems:
            st.error(problem)
        return
    try:
        auth.set_new_password(store, account, new, session_token())
    except auth.AuthError as exc:
        st.error(fmt.md(str(exc)))
    except Exception as exc:
        database_down(exc)
        raise
    else:
        for key in ("first_new_password", "first_new_password_again"):
            st.session_state.pop(key, None)  # not kept in the session once used
        st.rerun()


def _signed_in_sidebar(store: Store, account: auth.Account) -> None:
    with st.sidebar:
        _hand_over_cookie(account)
        st.caption(f"当前用户：{fmt.md(account.label)}")
        if st.button("退出登录", key="logout"):
            auth.end_session(store, session_token())  # ends it for every tab and device that holds it
            st.session_state.pop(SESSION_KEY, None)
            st.session_state.pop("_cookie_ticket", None)
            st.session_state["_clear_cookie"] = True
            st.rerun()


def _hand_over_cookie(account: auth.Account) -> None:
    """Ask the browser to trade this session's ticket for its cookie, on every run until it has:
    a run cut short (a page switch, a click) may never have delivered the request, and a script
    already on the page is not run twice (the same element). A ticket that expired unredeemed is
    replaced by a new one for the same session."""
    ticket = st.session_state.get("_cookie_ticket")
    if not ticket:
        return
    state = cookies.TICKETS.state(ticket)
    if state == "spent":
        st.session_state.pop("_cookie_ticket", None)
        return
    token = session_token()
    if state == "gone":
        if not token:
            st.session_state.pop("_cookie_ticket", None)
            return
        ticket = st.session_state["_cookie_ticket"] = cookies.TICKETS.issue(token, account.username)
    _browser_call(cookies.SESSION_ROUTE, ticket)
