"""账户与审计: the office manages accounts and meeting-screen tokens, reads the audit log, and takes,
downloads and previews backups while the app serves."""

import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt, settings
from perfdash.core.access import ACCOUNT_ROLES
from perfdash.ops import backup_folder
from perfdash.present import tables

ctx = ui.page_setup("账户与审计")
st.title("账户与审计")
ui.flash()
if ctx.actor.role != "office":
    st.info("只有绩效办可以管理账户和查看审计日志。修改自己的密码请到“我的账户”。")
    st.stop()

sections, leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
CHECKING = "正在核对备份文件…"
tab_accounts, tab_tokens, tab_audit, tab_backup = st.tabs(["账户", "大屏令牌", "审计日志", "备份"])

with tab_accounts:
    accounts = reads.accounts(ctx, ctx.actor.units)
    st.dataframe(tables.accounts(accounts), hide_index=True, width="stretch")
    units = list(ctx.actor.units) if ctx.actor.units is not None else sorted(set(reads.plans(ctx)["unit"]))
    # Values a successful write empties (the new-account form, a confirmation): set before the widgets
    # exist, so the browser shows them too. A refused write leaves every field as typed.
    for key, value in st.session_state.pop("_accounts_reset", {}).items():
        st.session_state[key] = value
    st.session_state.setdefault("new_units", [ctx.unit])
    st.subheader("新建账户")
    role = st.radio("角色", list(ACCOUNT_ROLES), format_func=ACCOUNT_ROLES.get, horizontal=True, key="new_role")
    with st.form("new_account", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("用户名（字母、数字）", key="new_username")
        name = c2.text_input("姓名", key="new_display")
        scope = None
        # No section or leader is picked for the office: a form sent as it stands must not
        # create an account for whichever comes first.
        if role == "section":
            scope = c3.selectbox("科室", sections, index=None, placeholder="请选择科室", key="new_scope_section")
        elif role == "leader":
            scope = c3.selectbox("分管领导", leaders, index=None, placeholder="请选择分管领导", key="new_scope_leader")
        email = c1.text_input("邮箱（使用统一身份登录时填写）", key="new_email")
        password = c2.text_input("初始密码", type="password", key="new_password")
        chosen_units = c3.multiselect(
            "所属单位",
            units,
            key="new_units",
            help="账户只能查看和修改所属单位的方案。绩效办账户不选则不限单位（仅不限单位的绩效办可以这样创建）。",
        )
        if st.form_submit_button("创建账户", type="primary"):
            account_units = chosen_units or (None if role == "office" else [])

            def create() -> None:
                actions.register_account(ctx, username, name, role, scope, password, email or None, account_units)
                st.session_state["_accounts_reset"] = {
                    **dict.fromkeys(["new_username", "new_display", "new_email", "new_password"], ""),
                    **dict.fromkeys(["new_scope_section", "new_scope_leader"]),
                    "new_units": [ctx.unit],
                }

            actions.save(create, f"已创建账户 {username}。", errors=(actions.AuthError, actions.StoreError))

    st.subheader("修改账户")
    who = st.selectbox("账户", accounts["username"].tolist(), key="manage_user")
    current = accounts.set_index("username").loc[who]
    mine = who == ctx.account.username
    theirs = list(current["units"]) if current["units"] is not None and hasattr(current["units"], "__len__") else []
    # Keyed by the account: switching accounts shows that account's values, not the last one's picks.
    c1, c2, c3 = st.columns(3)
    edit_role = c1.radio(
        "角色",
        list(ACCOUNT_ROLES),
        index=list(ACCOUNT_ROLES).index(current["role"]),
        format_func=ACCOUNT_ROLES.get,
        horizontal=True,
        key=f"edit_role_{who}",
        disabled=mine,
    )
    edit_scope = None
    if edit_role in ("section", "leader"):
        label, names = ("科室", sections) if edit_role == "section" else ("分管领导", leaders)
        had = current["scope"] if current["role"] == edit_role and isinstance(current["scope"], str) else None
        options = names if had is None or had in names else [had, *names]
        edit_scope = c2.selectbox(
            label,
            options,
            index=None if had is None else options.index(had),
            placeholder=f"请选择{label}",
            key=f"edit_scope_{edit_role}_{who}",
        )
    else:
        c2.caption("绩效办账户不绑定科室或分管领导。")
    edit_units = c3.multiselect(
        "所属单位",
        sorted(set(units) | set(theirs)),
        default=theirs,
        key=f"edit_units_{who}",
        disabled=mine,
        help="绩效办账户不选则不限单位（仅不限单位的绩效办可以这样修改）。",
    )
    if st.button(
        "保存修改",
        key="edit_account_save",
        disabled=mine,
        help="不能修改自己账户的角色和所属单位：请由另一个绩效办账户修改。" if mine else None,
    ):
        actions.save(
            lambda: actions.edit_account(
                ctx, who, edit_role, edit_scope, edit_units or (None if edit_role == "office" else [])
            ),
            f"已修改账户 {who}。",
        )

    st.subheader("重置密码 / 停用")
    with st.form("reset_password", clear_on_submit=True):
        new = st.text_input(f"{who} 的新密码", type="password", key="reset_password_value")
        if st.form_submit_button("重置密码"):
            actions.save(
                lambda: actions.reset_password(ctx, who, new),
                f"已重置 {who} 的密码。",
                errors=(actions.AuthError, actions.StoreError),
            )
    disabled = bool(current["disabled"])
    verb = "启用" if disabled else "停用"
    sure = st.checkbox(
        f"确认{verb} {who}",
        key=f"confirm_toggle_{who}",
        disabled=mine,
        help=None if disabled else "停用后该账户不能登录，已登录的页面在下一次操作时退出。",
    )
    if st.button(f"{verb}账户", key="toggle_account", disabled=mine or not sure):

        def toggle() -> None:
            actions.set_account_disabled(ctx, who, not disabled)
            st.session_state["_accounts_reset"] = {f"confirm_toggle_{who}": False}

        actions.save(toggle, f"已{verb}账户 {who}。")
    if who in reads.refused_accounts(ctx):
        st.warning(
            f"{fmt.md(who)} 近 {settings.login_limits()[1]:g} 分钟内从各处登录失败的次数已达上限："
            "除其登录过的浏览器外，暂时不能登录。确认是本人后可解除。"
        )
        if st.button("解除登录限制", key="unlock_account"):
            actions.save(lambda: actions.unlock_sign_in(ctx, who), f"已解除 {who} 的登录限制。")

with tab_tokens:
    st.caption("会议室电脑用带令牌的网址打开大屏，无需登录，只能查看：/meeting?token=令牌")
    with st.form("new_token", clear_on_submit=True):
        label = st.text_input("用途（如：三楼会议室）", key="token_label")
        follow = st.radio(
            "大屏显示的方案",
            ["current", "fixed"],
            format_func={
                "current": "跟随当前方案（有数据的本年度方案，否则最近有数据的方案）",
                "fixed": f"固定为 {ctx.unit} {ctx.year}年度",
            }.get,
            key="token_plan",
        )
        if st.form_submit_button("生成令牌"):
            try:
                token = actions.new_kiosk_token(ctx, label)
                plan = f"&plan={ctx.plan_id}" if follow == "fixed" else ""
                st.session_state["_new_token"] = f"{ui.app_url('meeting')}?token={token}{plan}"
            except actions.StoreError as exc:
                st.error(fmt.md(str(exc)))
            else:
                st.rerun()
    if "_new_token" in st.session_state:
        st.success("令牌只显示这一次，请复制大屏网址：")
        st.code(st.session_state.pop("_new_token"), language=None, wrap_lines=True)
        st.caption(
            "可在网址后加参数：&every=每页秒数（5–600，默认 20）、&theme=dark 或 light、&week=2025-11-21（某一周）。"
        )
    tokens = reads.kiosk_tokens(ctx, ctx.actor.units)
    live = tokens[tokens["revoked_at"].isna()]
    widgets.table(tables.kiosk_tokens(tokens), "还没有大屏令牌。", width="stretch")
    if not live.empty:
        pick = st.selectbox(
            "吊销令牌",
            list(live["token_hash"]),
            format_func=dict(zip(live["token_hash"], live["label"], strict=True)).get,
            key="revoke_pick",
        )
        if st.button("吊销", key="revoke_token"):
            actions.save(lambda: actions.revoke_kiosk_token(ctx, pick), "已吊销该令牌。")

with tab_audit:
    log = reads.audit_log(ctx, units=ctx.actor.units)
    actors = sorted(set(log["actor"]))
    who = st.selectbox("操作人", ["全部", *actors], key="audit_actor")
    shown = log if who == "全部" else log[log["actor"] == who]
    st.caption(f"最近 {len(shown)} 条记录（每次写入一条：谁、何时、改了什么、原值和新值）")
    st.dataframe(tables.audit(shown), hide_index=True, width="stretch")


def show_preview(preview: backup_folder.Preview, source: str) -> None:
    """What a backup holds, from its manifest, and whether its files match it; how to restore it."""
    m = preview.manifest
    st.markdown(
        f"**备份时间** {m.created_at.replace('T', ' ')}　·　**表结构版本** {m.schema_version}"
        f"（当前程序为 {reads.SCHEMA_VERSION}{'，恢复后自动升级' if m.schema_version != reads.SCHEMA_VERSION else ''}）"
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("表", f"{len(m.tables)} 张")
    c2.metric("数据", f"{m.total_rows} 行")
    c3.metric("迎评材料文件", f"{preview.evidence_files} 个")
    if preview.problem:
        st.error(f"这份备份不能使用：{fmt.md(preview.problem)}")
    else:
        st.success(f"已核对：备份中的 {len(m.files)} 个文件与备份清单一致（SHA-256），备份清单由本安装签名。")
    if preview.missing_evidence:
        st.warning(fmt.md(preview.missing_evidence))
    st.dataframe(tables.backup_contents(m.tables), hide_index=True, width="stretch", height=300)
    restored = settings.db_path().with_name(f"{settings.db_path().stem}-restored.duckdb")
    st.info(
        "恢复不在网页上进行：请先停止看板，再在服务器上运行下面的命令。它把备份恢复到一个新的数据库文件，"
        "核对每张表的行数和校验和，并放回迎评材料文件；确认无误后，把 PERFDASH_DB 指向新文件"
        "（或停止看板后加 --force 恢复到原文件）再启动看板。"
    )
    st.code(f'python -m perfdash restore "{source}" --db "{restored}"', language="bash")


with tab_backup:
    folder = ctx.backup_dir
    every = settings.backup_every_hours()
    st.caption(
        (
            f"定时备份：看板运行时每 {every:g} 小时自动备份一次，保存在服务器的 {folder}，"
            f"定时备份和页面备份各保留最近 {settings.backup_keep()} 份。"
            if every > 0
            else f"定时备份未开启（PERFDASH_BACKUP_EVERY=0）；页面备份保存在服务器的 {folder}。"
        )
        + "备份时看板照常使用：备份是同一时刻的完整副本（含迎评材料文件），写入的内容要么全部在内、要么全部不在。"
    )
    whole = backup_folder.may_back_up(ctx.actor)
    if st.button(
        "立即备份",
        type="primary",
        key="backup_now",
        disabled=not whole,
        help=None if whole else "备份包含全部单位的数据，只有不限单位的绩效办账户可以备份",
    ):
        try:
            made = actions.backup_now(ctx, folder)
        except actions.StoreError as exc:
            st.error(fmt.md(str(exc)))
        else:
            st.session_state["_backup_made"] = str(made.path)
            st.session_state.pop("backup_pick", None)  # the preview below shows the new backup
    made_path = st.session_state.get("_backup_made")
    backups = backup_folder.list_backups(folder)
    made = next((b for b in backups if str(b.path) == made_path), None)
    if made is not None:
        with st.spinner(CHECKING):
            made_preview = reads.backup_preview(ctx, made.path, made.size_bytes)
        st.success(
            f"已备份：{len(made_preview.manifest.tables)} 张表、{made_preview.manifest.total_rows} 行、"
            f"{made_preview.evidence_files} 个迎评材料文件，备份清单已核对。请下载并另行保存："
        )
        if made_preview.missing_evidence:
            st.warning(fmt.md(made_preview.missing_evidence))
        st.download_button(
            f"下载备份文件 {made.path.name}",
            data=lambda: made.path.read_bytes(),  # read when asked for, not on every rerun
            file_name=made.path.name,
            mime="application/zip",
            key="backup_download",
            on_click="ignore",  # a download needs no rerun
            type="primary",
        )
    st.subheader("查看备份")
    source = st.radio("备份来源", ["服务器上的备份", "上传下载过的备份文件"], horizontal=True, key="backup_source")
    if source == "服务器上的备份":
        if not backups:
            st.info("备份目录中还没有备份。")
        else:
            pick = st.selectbox("备份", backups, format_func=lambda b: b.label, key="backup_pick", disabled=not whole)
            if whole:
                try:
                    with st.spinner(CHECKING):
                        preview = reads.backup_preview(ctx, pick.path, pick.size_bytes)
                    show_preview(preview, str(pick.path))
                except reads.StoreError as exc:
                    st.error(fmt.md(str(exc)))
                st.download_button(
                    "下载这份备份",
                    data=lambda: pick.path.read_bytes(),
                    file_name=pick.path.name,
                    mime="application/zip",
                    key="backup_pick_download",
                    on_click="ignore",
                )
    else:
        uploaded = st.file_uploader(
            f"备份文件（.zip，不超过 {backup_folder.UPLOAD_MAX_MB} MB；更大的备份请在服务器上用命令行恢复）",
            type=["zip"],
            key="backup_upload",
            max_upload_size=backup_folder.UPLOAD_MAX_MB,
        )
        if uploaded is not None:
            try:
                preview = ui.parse_once(uploaded, lambda _name, data: backup_folder.inspect_upload(data))
            except reads.StoreError as exc:
                st.error(fmt.md(str(exc)))
            else:
                show_preview(preview, uploaded.name)
