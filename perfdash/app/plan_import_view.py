"""方案管理 → 导入方案: the office uploads a plan, sees the table as read and which column each field
comes from (and may change a column's meaning or a row's role, seeing the effect at once), checks
every value beside the phrase it was read from, gives a reason for each flagged reading, and
imports. The page's other tabs are in pages/plans.py."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui
from perfdash.app.ui import PageContext
from perfdash.core import fmt
from perfdash.plan import Mapping, Plan
from perfdash.plan.mapping import FIELDS, ROLES
from perfdash.plan.model import TableView
from perfdash.workflows import plans

AUTO = "（按读取结果）"
ROLE_LABELS = {"header": "表头", "": "无法识别", **ROLES}
FIELD_BY_LABEL = {label: key for key, label in FIELDS.items()}
ROLE_BY_LABEL = {label: key for key, label in ROLES.items()}


def render(ctx: PageContext) -> None:
    """The import tab."""
    st.caption(
        "上传本单位印发的《绩效工作方案》Word 文件（.docx，附件中含“××××年度绩效目标考评表”），"
        "也可以上传其另存的文本（.txt）或本页下载的 Excel 模板（.xlsx）。其他单位、其他格式的考评表也可以："
        "上传后核对“列的对应”，每个值旁边列出它取自的原文；有提示的读数须逐项填写确认理由后才能导入。"
    )
    imported = st.session_state.get("plans_imported", 0)  # a fresh uploader after each import
    uploaded = st.file_uploader(
        "方案文件",
        type=["docx", "txt", "xlsx", "doc", "wps", "pdf"],
        key=f"plan_upload_{imported}" if imported else "plan_upload",
        max_upload_size=10,
    )
    if uploaded is None:
        return
    mapping_key = f"plan_mapping_{uploaded.file_id}"
    mapping: Mapping | None = st.session_state.get(mapping_key)
    plan, problem = _read(ctx, uploaded, mapping)
    if problem:
        st.error(fmt.md(problem))
        if mapping is not None and st.button("恢复读取时猜测的列对应", key="plan_mapping_reset"):
            del st.session_state[mapping_key]
            st.rerun()
        return
    _summary(plan)
    if plan.table is not None:
        _mapping_step(plan, mapping_key, mapping is None and reads.remembered_mapping(ctx, plan.unit) is not None)
    _targets(plan)
    reviews = _reviews(plan)
    diff = reads.plan_diff(ctx, plan)
    st.subheader("导入后会怎样")
    for line in diff.consequences():
        st.markdown(f"- {fmt.md(line)}")
    if diff.changes:
        st.dataframe(
            pd.DataFrame(diff.changes, columns=["编号", "内容", "原来", "现在"]),
            hide_index=True,
            width="stretch",
            key="plan_changes",
        )
    marks = False
    if plan.suggested_milestones:
        marks = st.checkbox(
            f"把 {len(plan.suggested_milestones)} 项目标完成时限中列出的较早时点设为节点"
            f"（{'、'.join(plan.suggested_milestones)}）",
            value=True,
            key="plan_marks",
        )
    remember = plan.table is not None and not plan.table.positional
    if remember:
        remember = st.checkbox("记住本次的列对应，下次上传本单位的方案时沿用", value=True, key="plan_remember")
    missing = [c for c in plan.warnings if not reviews.get(plans.review_key(c), "").strip()]
    if diff.same:
        st.info("与库中的方案完全一致，无需导入。")
        return
    if missing:
        st.warning(f"还有 {len(missing)} 项提示没有填写确认理由，填写后才能导入。")
    if st.button("确认导入", type="primary", key="plan_import", disabled=not plan.unit or bool(missing)):
        try:
            result = actions.import_plan(ctx, plan, marks, reviews, remember)
        except actions.StoreError as exc:
            st.error(fmt.md(str(exc)))
            return
        ui.show_plan(result.plan_id)  # the plan just brought in is the one shown next
        st.session_state["plans_imported"] = imported + 1
        st.session_state.pop(mapping_key, None)
        ui.flash(f"{plan.unit}{plan.year}年度：{result.describe()}")
        st.rerun()


def _read(ctx: PageContext, uploaded: object, mapping: Mapping | None) -> tuple[Plan | None, str | None]:
    """The upload read (once per file and mapping): by the office's mapping, else guessed with the
    mapping last confirmed for the file's unit — known only once the file is read, so a file of
    another unit than the one shown is read a second time with that unit's mapping."""
    variant = mapping.as_json() if mapping is not None else ""

    def read(remembered: Mapping | None, tag: str) -> tuple[Plan | None, str | None]:
        return ui.parse_once(
            uploaded, lambda name, data: plans.read_upload(name, data, mapping, remembered), variant=variant + tag
        )

    plan, problem = read(reads.remembered_mapping(ctx, ctx.unit) if mapping is None else None, ctx.unit)
    if plan is not None and mapping is None and plan.unit != ctx.unit:
        theirs = reads.remembered_mapping(ctx, plan.unit)
        if theirs is not None:
            plan, problem = read(theirs, plan.unit)
    return plan, problem


def _summary(plan: Plan) -> None:
    st.subheader(f"{fmt.md(plan.unit or '（单位缺失）')} {plan.year}年度", anchor=False)
    m = st.columns(3)
    m[0].metric("年度工作目标", f"{len(plan.targets)} 项")
    m[1].metric("一级指标", f"{len(plan.indicators())} 个")
    m[2].metric("总分", fmt.points(plan.total_points))
    names = plan.group_names()
    stated = {g.name: g.stated_points for g in plan.groups}
    groups = pd.DataFrame(
        {
            "目标组": names,
            "考评表标注": [fmt.points(stated.get(n)) for n in names],
            "目标合计": [fmt.points(sum(t.points for t in plan.targets if t.group == n)) for n in names],
        }
    )
    st.dataframe(groups, hide_index=True, width="content", key="plan_groups")


def _mapping_step(plan: Plan, mapping_key: str, from_memory: bool) -> None:
    """The table as read and the meaning of each column; a change re-reads the file at once."""
    table = plan.table
    assert table is not None
    current = Mapping.from_json(table.mapping_json) if not table.positional else Mapping()
    changed = mapping_key in st.session_state
    with st.expander("列的对应：表格按什么读" + ("（已按您的修改重新读取）" if changed else ""), expanded=True):
        if table.positional:
            st.markdown(fmt.md(table.mapping_lines[0]))
            _by_hand(table, mapping_key)
        else:
            if from_memory:
                st.caption("表头与本单位上次确认的列对应相同的列，沿用上次的含义。")
            cols = pd.DataFrame(
                {
                    "列": [f"第{c + 1}列" for c, *_ in table.columns],
                    "表头": [h for _, h, _, _ in table.columns],
                    "读作": [FIELDS.get(f, FIELDS[""]) for _, _, f, _ in table.columns],
                    "依据": [why for *_, why in table.columns],
                }
            )
            edited = st.data_editor(
                cols,
                hide_index=True,
                width="stretch",
                disabled=["列", "表头", "依据"],
                column_config={
                    "读作": st.column_config.SelectboxColumn("读作", options=list(FIELDS.values()), required=True)
                },
                key=f"plan_columns_{_digest(table.mapping_json)}",
            )
            for (c, _, key, _), label in zip(table.columns, edited["读作"], strict=True):
                chosen = FIELD_BY_LABEL.get(str(label), "")
                if chosen != key:
                    st.session_state[mapping_key] = current.with_column(c, chosen)
                    st.rerun()
        width = min(max((len(r) for r in table.rows), default=0), 8)
        rows = pd.DataFrame(
            {
                "行": [n for n in range(1, len(table.rows) + 1)],
                "位置": table.where,
                "读作": [ROLE_LABELS.get(r, r) for r in table.roles],
                "改为": [ROLES.get(current.rows.get(n, ""), AUTO) for n in range(1, len(table.rows) + 1)],
                # each cell's start: the whole row fits the page, the text is in the targets' table below
                **{f"第{c + 1}列": [r[c][:14] if c < len(r) else "" for r in table.rows] for c in range(width)},
            }
        )
        st.caption("每一行读成了什么。某行读错（如把标题读成目标），在“改为”中指定，预览随即更新。")
        edited_rows = st.data_editor(
            rows,
            hide_index=True,
            width="stretch",
            height=min(420, 38 + 35 * len(rows)),
            disabled=[c for c in rows.columns if c != "改为"],
            # together under the expander's width at 1366 px: the cells' start is enough to tell a row
            column_config={
                "行": st.column_config.Column(width=40),
                "位置": st.column_config.Column(width=90),
                "读作": st.column_config.Column(width=110),
                "改为": st.column_config.SelectboxColumn(
                    "改为", options=[AUTO, *ROLES.values()], required=True, width=120
                ),
                **{f"第{c + 1}列": st.column_config.Column(width=max(56, 480 // max(width, 1))) for c in range(width)},
            },
            key=f"plan_rows_{_digest(table.mapping_json)}",
        )
        for n, label in zip(rows["行"], edited_rows["改为"], strict=True):
            role = ROLE_BY_LABEL.get(str(label))
            if role != current.rows.get(int(n)):
                st.session_state[mapping_key] = current.with_row(int(n), role)
                st.rerun()
        if changed and st.button("恢复读取时猜测的列对应", key="plan_mapping_reset"):
            del st.session_state[mapping_key]
            st.rerun()


def _by_hand(table: TableView, mapping_key: str) -> None:
    """A table without a header row: the office may give every column's meaning at once (a
    partial mapping would not read), then the file is read by those columns."""
    with st.popover("改为按列读取"):
        st.caption("为每一列指定含义（至少年度工作目标和分值），然后按此读取；表格的所有行都按数据行读。")
        cols = pd.DataFrame(
            {
                "列": [f"第{c + 1}列" for c, *_ in table.columns],
                "示例": [next((r[c] for r in table.rows if c < len(r) and r[c]), "") for c, *_ in table.columns],
                "读作": [FIELDS[""] for _ in table.columns],
            }
        )
        edited = st.data_editor(
            cols,
            hide_index=True,
            disabled=["列", "示例"],
            column_config={
                "读作": st.column_config.SelectboxColumn("读作", options=list(FIELDS.values()), required=True)
            },
            key="plan_columns_by_hand",
        )
        chosen = {c: FIELD_BY_LABEL.get(str(v), "") for (c, *_), v in zip(table.columns, edited["读作"], strict=True)}
        ready = {"target", "points"} <= set(chosen.values()) or {"standard", "points"} <= set(chosen.values())
        if st.button("按此读取", key="plan_columns_apply", disabled=not ready):
            st.session_state[mapping_key] = Mapping({c: f for c, f in chosen.items() if f}, confirmed=True)
            st.rerun()


def _targets(plan: Plan) -> None:
    """Every target with each value beside the phrase it was read from; its place in the structure
    and its 评分标准 on a second tab (one table of all fifteen would not fit the page)."""
    flagged = {c.subject for c in plan.warnings}
    ts = plan.targets

    def read_from(value: str, phrase: str) -> str:
        return value if not phrase or phrase == value else f"{value}（{phrase}）"

    with st.expander(f"读出的 {len(ts)} 项目标（每个值旁边括号里是它取自的原文）"):
        values, structure = st.tabs(["值与原文", "结构与评分标准"])
        with values:
            st.dataframe(
                pd.DataFrame(
                    {
                        "编号": [t.code for t in ts],
                        "核对": ["⚠" if t.code in flagged else "" for t in ts],
                        "年度工作目标": [t.target for t in ts],
                        "分值": [t.points for t in ts],
                        "完成时限": [read_from(fmt.day(t.deadline), t.source("deadline")) for t in ts],
                        "责任科室": [read_from("、".join(t.sections), t.source("sections")) for t in ts],
                        "责任人": ["、".join(t.persons) for t in ts],
                        "分管领导": ["、".join(t.leaders) for t in ts],
                        "位置": [t.source("row") for t in ts],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "编号": st.column_config.Column(width=56),
                    "核对": st.column_config.Column(width=40),
                    "年度工作目标": st.column_config.Column(width=190),
                    "分值": st.column_config.Column(width=44),
                    "完成时限": st.column_config.Column(width=150),
                    "责任科室": st.column_config.Column(width=140),
                    "责任人": st.column_config.Column(width=80),
                    "分管领导": st.column_config.Column(width=64),
                    "位置": st.column_config.Column(width=90),
                },
                key="plan_targets",
            )
        with structure:
            st.dataframe(
                pd.DataFrame(
                    {
                        "编号": [t.code for t in ts],
                        "原编号": [t.source("code") for t in ts],
                        "目标组": [t.group for t in ts],
                        "一级指标": [t.indicator for t in ts],
                        "指标分值": [t.indicator_points for t in ts],
                        "评分标准": [t.standard for t in ts],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="plan_structure",
            )


def _reviews(plan: Plan) -> dict[str, str]:
    """The office's reason for each flagged reading (every warning), typed beside it."""
    warnings = plan.warnings
    if not warnings:
        st.success(f"{len(plan.checks)} 项校验全部一致。")
        return {}
    st.markdown(
        f"**{len(plan.checks)} 项校验中有 {len(warnings)} 项提示**：请逐项核对原文，填写确认理由（记入审计日志）。"
    )
    same = st.text_input("对尚未填写的提示使用同一理由（可选）", key="plan_review_all")
    table = pd.DataFrame({"提示": [c.message for c in warnings], "确认理由": ["" for _ in warnings]})
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["提示"],
        column_config={
            "提示": st.column_config.TextColumn("提示", width="large"),
            "确认理由": st.column_config.TextColumn("确认理由", max_chars=200),
        },
        key=f"plan_reviews_{_digest(''.join(c.message for c in warnings))}",
    )
    return {
        plans.review_key(c): (str(reason or "").strip() or same.strip())
        for c, reason in zip(warnings, edited["确认理由"], strict=True)
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
