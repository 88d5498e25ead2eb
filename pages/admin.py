"""账户与审计: the office manages accounts and meeting-screen tokens and reads the audit log."""

import streamlit as st

from perfdash.app import ui
from perfdash.core import fmt
from perfdash.core.access import ACCOUNT_ROLES
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.present import tables
from perfdash.store import StoreError

ctx = ui.page_setup("账户与审计")
st.title("账户与审计")
ui.flash()
if ctx.actor.role != "office":
    st.info("只有绩效办可以管理账户和查看审计日志。修改自己的密码请到“我的账户”。")
    st.stop()

sections, leaders = ui.sections_and_leaders(ctx.store, ctx.plan_id)
tab_accounts, tab_tokens, tab_audit = st.tabs(["账户", "大屏令牌", "审计日志"])

with tab_accounts:
    accounts = queries.accounts(ctx.store, ctx.actor.units)
    st.dataframe(tables.accounts(accounts), hide_index=True, width="stretch")
    units = list(ctx.actor.units) if ctx.actor.units is not None else sorted(set(ui.plans(ctx.store)["unit"]))
    st.subheader("新建账户")
    role = st.radio("角色", list(ACCOUNT_ROLES), format_func=ACCOUNT_ROLES.get, horizontal=True, key="new_role")
    with st.form("new_account", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("用户名（字母、数字）", key="new_username")
        name = c2.text_input("姓名", key="new_display")
        scope = None
        if role == "section":
            scope = c3.selectbox("科室", sections, key="new_scope_section")
        elif role == "leader":
            scope = c3.selectbox("分管领导", leaders, key="new_scope_leader")
        email = c1.text_input("邮箱（使用统一身份登录时填写）", key="new_email")
        password = c2.text_input("初始密码", type="password", key="new_password")
        chosen_units = c3.multiselect(
            "所属单位",
            units,
            default=[ctx.unit],
            key="new_units",
            help="账户只能查看和修改所属单位的方案。绩效办账户不选则不限单位（仅不限单位的绩效办可以这样创建）。",
        )
        if st.form_submit_button("创建账户", type="primary"):
            account_units = chosen_units or (None if role == "office" else [])
            ui.save(
                lambda: auth.create_account(
                    ctx.store, ctx.actor, username, name, role, scope, password, email or None, account_units
                ),
                f"已创建账户 {username}。",
                errors=(auth.AuthError, StoreError),
            )
    st.subheader("重置密码 / 停用")
    who = st.selectbox("账户", accounts["username"].tolist(), key="manage_user")
    with st.form("reset_password", clear_on_submit=True):
        new = st.text_input("新密码", type="password", key="reset_password_value")
        if st.form_submit_button("重置密码"):
            ui.save(
                lambda: auth.change_password(ctx.store, ctx.actor, who, None, new),
                f"已重置 {who} 的密码。",
                errors=(auth.AuthError, StoreError),
            )
    disabled = bool(accounts.set_index("username").loc[who, "disabled"])
    if st.button("启用账户" if disabled else "停用账户", key="toggle_account", disabled=who == ctx.account.username):
        ui.save(
            lambda: ctx.store.update_account(ctx.actor, who, disabled=not disabled),
            f"已{'启用' if disabled else '停用'}账户 {who}。",
        )

with tab_tokens:
    st.caption("会议室电脑用带令牌的网址打开大屏，无需登录，只能查看：/meeting?token=令牌")
    with st.form("new_token", clear_on_submit=True):
        label = st.text_input("用途（如：三楼会议室）", key="token_label")
        if st.form_submit_button("生成令牌"):
            try:
                st.session_state["_new_token"] = auth.new_kiosk_token(ctx.store, ctx.actor, label)
            except StoreError as exc:
                st.error(fmt.md(str(exc)))
            else:
                st.rerun()
    if "_new_token" in st.session_state:
        st.success("令牌只显示这一次，请复制大屏网址：")
        st.code(f"/meeting?token={st.session_state.pop('_new_token')}", language=None)
    tokens = queries.kiosk_tokens(ctx.store, ctx.actor.units)
    live = tokens[tokens["revoked_at"].isna()]
    st.dataframe(tables.kiosk_tokens(tokens), hide_index=True, width="stretch")
    if not live.empty:
        pick = st.selectbox(
            "吊销令牌",
            list(live["token_hash"]),
            format_func=dict(zip(live["token_hash"], live["label"], strict=True)).get,
            key="revoke_pick",
        )
        if st.button("吊销", key="revoke_token"):
            ui.save(lambda: ctx.store.revoke_kiosk_token(ctx.actor, pick), "已吊销该令牌。")

with tab_audit:
    log = queries.audit_log(ctx.store, units=ctx.actor.units)
    actors = sorted(set(log["actor"]))
    who = st.selectbox("操作人", ["全部", *actors], key="audit_actor")
    shown = log if who == "全部" else log[log["actor"] == who]
    st.caption(f"最近 {len(shown)} 条记录（每次写入一条：谁、何时、改了什么、原值和新值）")
    st.dataframe(tables.audit(shown), hide_index=True, width="stretch")
