"""Display tables: DataFrame in, DataFrame with Chinese headers and formatted values out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from perfdash.core import fmt
from perfdash.core.access import ACCOUNT_ROLES
from perfdash.plan.kpis import COMPARATOR_LABELS
from perfdash.present import audit_text
from perfdash.workflows.claims import GAP_KINDS, STATES
from perfdash.workflows.scoring import ADJUSTMENT_KINDS, BASES


def upload_errors(errors: Sequence[object]) -> pd.DataFrame:
    """Upload problems as rows: file, worksheet (an .xlsx's), row, column, problem."""
    table = pd.DataFrame(
        {
            "文件": [e.file for e in errors],
            "工作表": [getattr(e, "sheet", None) or "" for e in errors],
            "行": [e.row if e.row is not None else "" for e in errors],
            "列": [e.column or "" for e in errors],
            "问题": [e.message for e in errors],
        }
    ).astype({"行": str})
    return table if table["工作表"].any() else table.drop(columns="工作表")  # a CSV has no worksheet


def changes(diff: pd.DataFrame) -> pd.DataFrame:
    """A batch's changes: target, from → to."""
    return pd.DataFrame(
        {
            "编号": diff["code"],
            "年度工作目标": diff["target"].str.slice(0, 40),
            "填报日期": [fmt.day(d) for d in diff["report_date"]],
            "完成率变化": [
                f"{fmt.pct(a)} → {fmt.pct(b)}" for a, b in zip(diff["old_pct"], diff["new_pct"], strict=True)
            ],
            "状态变化": [
                f"{a} → {b}" if a != b else b for a, b in zip(diff["old_status"], diff["new_status"], strict=True)
            ],
            "说明": diff["note"],
            "需协调": [flag_change(a, b) for a, b in zip(diff["old_coordinate"], diff["coordinate"], strict=True)]
            if "coordinate" in diff
            else "",
            "有变化": diff["changed"],
        }
    )


COORDINATE_MARK = "需协调"  # a report that asks the leaders to coordinate, in the logs and histories


def _on(flag: object) -> bool:
    """A stored flag (a bool, a numpy bool, or None/NaN from an older row) as True or False."""
    return flag is not None and flag == flag and bool(flag)


def flag_change(before: object, after: object) -> str:
    """The 需协调 flag of a batch row against the target's latest report: 需协调, 取消需协调, or blank."""
    if _on(after):
        return COORDINATE_MARK
    return f"取消{COORDINATE_MARK}" if _on(before) else ""


def report_log(log: pd.DataFrame) -> pd.DataFrame:
    """Progress reports, newest first."""
    return pd.DataFrame(
        {
            "编号": log["code"],
            "填报日期": [fmt.day(d) for d in log["report_date"]],
            "完成率": [fmt.pct(x) for x in log["completion_pct"]],
            "状态": log["status"],
            "说明": log["note"],
            "需协调": [COORDINATE_MARK if _on(flag) else "" for flag in log.get("coordinate", [False] * len(log))],
            "填报人": log["reporter"],
            "记录时间": [str(t)[:19] for t in log["recorded_at"]],
        }
    )


def target_history(history: pd.DataFrame) -> pd.DataFrame:
    """One target's timeline as a table, oldest first."""
    return pd.DataFrame(
        {
            "填报日期": [fmt.day(d) for d in history["report_date"]],
            "完成率": [fmt.pct(x) for x in history["completion_pct"]],
            "序时进度": [fmt.pct(x) for x in history["expected_pct"]],
            "状态": history["status"],
            "说明": history["note"],
            "需协调": [
                COORDINATE_MARK if _on(flag) else "" for flag in history.get("coordinate", [False] * len(history))
            ],
            "填报人": history["reporter"],
            "记录时间": [str(t)[:19] for t in history["recorded_at"]],
            "迟报": ["迟报" if late else "" for late in history.get("late", [False] * len(history))],
            "演示数据": history["is_demo"],
        }
    )


def indicators(df: pd.DataFrame) -> pd.DataFrame:
    """The indicator roll-up (rollups.by_indicator) for display."""
    return pd.DataFrame(
        {
            "编号": df["indicator_code"],
            "目标组": df["group"],
            "一级指标": df["indicator"],
            "分值": df["indicator_points"],
            "目标数": df["targets"],
            "加权完成率": df["completion_pct"].round(1),
            "序时进度": df["expected_pct"].round(1),
            "已完成": df["已完成"],
            "正常": df["正常"],
            "黄色滞后": df["黄色滞后"],
            "红色滞后": df["红色滞后"],
            "逾期": df["逾期未完成"],
        }
    )


def target_list(state: pd.DataFrame) -> pd.DataFrame:
    """Targets with their state, for drill-down lists (完成率来源 only where some completion is
    not the reported one: a 量化指标 or an office score)."""
    table = pd.DataFrame(
        {
            "编号": state["code"],
            "年度工作目标": state["target"],
            "分值": state["points"],
            "牵头科室": state["lead_section"],
            "责任人": state["lead_person"],
            "完成时限": [fmt.day(d) for d in state["deadline"]],
            "完成率": state["completion_pct"].round(1),
            "完成率来源": state.get("completion_source", "填报"),
            "序时进度": state["expected_pct"].round(1),
            "滞后状态": state["lag_status"],
            "最近填报": [fmt.day(d) if pd.notna(d) else "—" for d in state["last_report"]],
        }
    )
    table = table if (table["完成率来源"] != "填报").any() else table.drop(columns=["完成率来源"])
    marks = check_marks(state)
    if marks.str.len().any():  # 核验 beside the status, only when some target waits for a check
        table.insert(table.columns.get_loc("滞后状态") + 1, "核验", marks.to_numpy())
    return table


# The claim states a list marks (workflows.claims): the ones where the counted completion is not
# the reported one yet.
OPEN_CLAIMS = {"pending": STATES["pending"], "returned": STATES["returned"]}


def check_marks(state: pd.DataFrame) -> pd.Series:
    """Each target's 核验 mark: 待核验 or 已退回 while its latest report waits for the office or was
    returned, else ''."""
    claim = state["claim_state"] if "claim_state" in state.columns else pd.Series("", index=state.index)
    return claim.map(lambda s: OPEN_CLAIMS.get(str(s), "")).astype(str)


def sections(df: pd.DataFrame) -> pd.DataFrame:
    """The section roll-up (rollups.by_section) for display."""
    return pd.DataFrame(
        {
            "科室": df["section"],
            "牵头目标": df["targets"],
            "牵头分值": df["points"],
            "牵头完成率": df["completion_pct"].round(1),
            "序时进度": df["expected_pct"].round(1),
            "滞后": df["late"],
            "红色/逾期": df["at_risk"],
            "协作目标": df["co_targets"],
            "协作分值": df["co_points"],
            "协作完成率": df["co_completion_pct"].astype(float).round(1),
            "协作滞后": df["co_late"],
        }
    )


def leaders(df: pd.DataFrame) -> pd.DataFrame:
    """The leader roll-up (rollups.by_leader) for display."""
    return pd.DataFrame(
        {
            "分管领导": df["leader"],
            "分管目标": df["targets"],
            "分管分值": df["points"],
            "加权完成率": df["completion_pct"].round(1),
            "序时进度": df["expected_pct"].round(1),
            "已完成": df["done"],
            "滞后": df["late"],
            "红色/逾期": df["at_risk"],
        }
    )


def persons(df: pd.DataFrame) -> pd.DataFrame:
    """The person roll-up (rollups.by_person) for display."""
    return pd.DataFrame(
        {
            "责任人": df["person"],
            "科室": df["section"],
            "牵头目标": df["targets"],
            "牵头分值": df["points"],
            "牵头完成率": df["completion_pct"].round(1),
            "滞后": df["late"],
            "协作目标": df["co_targets"],
            "协作滞后": df["co_late"],
        }
    )


def group_scores(groups: pd.DataFrame) -> pd.DataFrame:
    """Group subtotals (scoring.group_table) for display."""
    return pd.DataFrame(
        {
            "目标组": groups["group"],
            "应有分值": groups["structure_points"],
            "得分": groups["score"].round(2),
            "失分": groups["lost"].round(2),
        }
    )


def scenarios(saved: pd.DataFrame) -> pd.DataFrame:
    """Saved scenarios for display."""
    return pd.DataFrame(
        {
            "情景": saved["name"],
            "说明": saved["note"],
            "起点": saved["base"].map(lambda b: BASES.get(b, b)),
            "统计日期": [fmt.day(d) for d in saved["as_of"]],
            "保存人": saved["created_by"],
            "保存时间": [str(t)[:19] for t in saved["created_at"]],
        }
    )


def scenario_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Scenario totals side by side."""
    return summary.rename(columns={"scenario": "情景", "total": "总分", "grade": "等次"}).round(2)


def adjustments(frame: pd.DataFrame) -> pd.DataFrame:
    """加分 / 扣分 entries for display."""
    return pd.DataFrame(
        {
            "编号": frame["adjustment_id"],
            "类型": frame["kind"].map(ADJUSTMENT_KINDS),
            "分值": frame["points"],
            "事由": frame["note"],
            "依据": [v if isinstance(v, str) and v else "—" for v in frame["basis"]],
            "录入人": frame["created_by"],
            "录入时间": [str(t)[:19] for t in frame["created_at"]],
        }
    )


def hypothetical_entries(entries: list) -> pd.DataFrame:
    """A simulation's hypothetical 加分 / 扣分 / 一票否决 (scoring.Adjustment) for display."""
    return pd.DataFrame(
        {
            "类型": [ADJUSTMENT_KINDS[e.kind] for e in entries],
            "分值": [e.points for e in entries],
            "假设": [e.note for e in entries],
        }
    )


def points_at_risk(risk: pd.DataFrame) -> pd.DataFrame:
    """The points-at-risk list (forecast.points_at_risk) for display."""
    top = risk.attrs.get("top_grade", "优秀")
    return pd.DataFrame(
        {
            "编号": risk["code"],
            "目标组": risk["group"],
            "分值": risk["points"],
            "当前完成率": risk["completion_pct"],
            "预测完成率": risk["forecast_pct"],
            "不确定性(±)": risk["forecast_sd"],
            "预计失分": risk["expected_lost"],
            f"{top}概率提升": [f"{x * 100:+.1f} 个百分点" for x in risk["top_grade_lift"]],
        }
    )


def backtest_weeks(weeks: pd.DataFrame) -> pd.DataFrame:
    """The backtest's weeks (forecast.backtest) for display, newest first."""
    return pd.DataFrame(
        {
            "统计日期": [d.isoformat() for d in weeks["as_of"]],
            "距结果(周)": weeks["weeks_left"].round(0).astype(int),
            "预测总分": weeks["forecast"].round(2),
            "80%区间": [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(weeks["low"], weeks["high"], strict=True)],
            "实际总分": weeks["actual"].round(2),
            "总分在区间内": ["是" if c else "否" for c in weeks["covered"]],
            "目标在区间内": [f"{c:.0%}" for c in weeks["target_coverage"]],
            "Brier": weeks["brier"].round(3),
        }
    ).iloc[::-1]


def accounts(frame: pd.DataFrame) -> pd.DataFrame:
    """Accounts for display."""
    return pd.DataFrame(
        {
            "用户名": frame["username"],
            "姓名": frame["display_name"],
            "角色": frame["role"].map(ACCOUNT_ROLES),
            "科室/领导": frame["scope"].fillna(""),
            "所属单位": ["、".join(u) if u is not None and hasattr(u, "__len__") else "不限" for u in frame["units"]],
            "邮箱（统一身份）": frame["email"].fillna(""),
            "已设密码": frame["has_password"],
            "已停用": frame["disabled"],
        }
    )


def audit(frame: pd.DataFrame) -> pd.DataFrame:
    """The audit trail for display (old and new values as sentences, not the stored JSON)."""
    return pd.DataFrame(
        {
            "时间": [str(t)[:19] for t in frame["logged_at"]],
            "操作人": frame["actor"],
            "操作": frame["action"],
            "对象": frame["entity_key"].fillna(""),
            "原值": [audit_text.sentence(v) for v in frame["old_value"].fillna("")],
            "新值": [audit_text.sentence(v) for v in frame["new_value"].fillna("")],
        }
    )


def kiosk_tokens(frame: pd.DataFrame) -> pd.DataFrame:
    """Meeting-screen tokens for display (never the token itself)."""
    return pd.DataFrame(
        {
            "用途": frame["label"],
            "创建人": frame["created_by"],
            "创建时间": [str(t)[:19] for t in frame["created_at"]],
            "状态": ["已吊销" if pd.notna(r) else "有效" for r in frame["revoked_at"]],
        }
    )


def evaluation_board(frame: pd.DataFrame) -> pd.DataFrame:
    """The self-assessment progress board (evaluation.board) for display."""
    return pd.DataFrame(
        {
            "科室": frame["section"],
            "牵头目标": frame["targets"],
            "已自评": frame["assessed"],
            "有材料": frame["evidenced"],
            "已审签": frame["signed"],
            "完成": ["✓" if c else "" for c in frame["complete"]],
        }
    )


def evaluation_sheet(rows: pd.DataFrame) -> pd.DataFrame:
    """The office's scoring sheet (official.score_sheet's rows) for display. 填报完成率 is what the
    sections reported; where some target's counted completion differs (a claim waiting for the
    office or returned), 计分完成率 and its 核验 state stand beside it."""
    table = pd.DataFrame(
        {
            "编号": rows["code"],
            "分值": rows["points"],
            "牵头科室": rows["lead_section"],
            "填报完成率": rows["reported_pct"].round(1),
            "计算得分": rows["computed_score"],
            "自评完成率": rows["self_pct"],
            "自评得分": rows["proposed_score"],
            "材料": rows["evidence"],
            "审签": [s if isinstance(s, str) else "" for s in rows["signed_by"]],
            "评定得分": rows["final_score"],
        }
    )
    if sheet_differs(rows).any():
        table.insert(4, "计分完成率", rows["completion_pct"].round(1).to_numpy())
        table.insert(5, "核验", rows["claim_state"].fillna("").astype(str).to_numpy())
    return table


def sheet_differs(rows: pd.DataFrame) -> pd.Series:
    """Rows of a score sheet whose counted completion is not the reported one."""
    return (rows["reported_pct"].astype(float) - rows["completion_pct"].astype(float)).abs() > 1e-9


def gaps_by_section(frame: pd.DataFrame) -> pd.DataFrame:
    """Evidence gaps counted per lead section (牵头科室) and kind, most first: section, one column
    per kind (claims.GAP_KINDS), the targets concerned."""
    rows = []
    for section, part in frame.groupby("lead_section", sort=False):
        counts = part["kind"].value_counts()
        rows.append(
            {
                "科室": str(section) or "—",
                **{kind: int(counts.get(kind, 0)) for kind in GAP_KINDS},
                "涉及目标": int(part["code"].nunique()),
                "合计": len(part),
            }
        )
    table = pd.DataFrame(rows, columns=["科室", *GAP_KINDS, "涉及目标", "合计"])
    return table.sort_values(["合计", "科室"], ascending=[False, True], kind="stable").reset_index(drop=True)


def evidence(frame: pd.DataFrame) -> pd.DataFrame:
    """Evidence files for display."""
    return pd.DataFrame(
        {
            "编号": frame["evidence_id"],
            "目标": frame["code"].fillna(""),
            "文件": frame["file_name"],
            "大小(KB)": (frame["size_bytes"] / 1024).round(1),
            "上传人": frame["uploaded_by"],
            "上传时间": [str(t)[:19] for t in frame["uploaded_at"]],
        }
    )


def survey_samples(frame: pd.DataFrame) -> pd.DataFrame:
    """The public-evaluation sample list for display and export."""
    return pd.DataFrame(
        {
            "序号": range(1, len(frame) + 1),
            "姓名": frame["name"],
            "单位": frame["organization"],
            "类别": frame["category"],
            "联系电话": frame["phone"],
            "联系科室": frame["section"],
            "备注": frame["note"],
        }
    )


def orders(frame: pd.DataFrame) -> pd.DataFrame:
    """Supervision orders (supervision.orders) for display."""
    return pd.DataFrame(
        {
            "编号": frame["order_id"],
            "等级": frame["level"],
            "目标": frame["code"],
            "责任科室": frame["section"],
            "督办事项": frame["what"],
            "办理时限": [fmt.day(d) for d in frame["due_date"]],
            "答复": [str(r) if isinstance(r, str) else "" for r in frame["last_response"]],
            "办结": [fmt.day(d) if pd.notna(d) else "" for d in frame["closed_at"]],
        }
    )


def not_reported(frame: pd.DataFrame) -> pd.DataFrame:
    """Sections that have not reported (supervision.not_reported) for display."""
    return pd.DataFrame(
        {
            "科室": frame["section"],
            "未报送目标": ["、".join(m) for m in frame["missing"]],
            "未报送数": [len(m) for m in frame["missing"]],
            "最近一次填报": [fmt.day(d) if pd.notna(d) else "从未填报" for d in frame["last_report"]],
        }
    )


def kpi_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Commitments with their actuals (kpi_tracking.with_actuals) for display."""
    return pd.DataFrame(
        {
            "编号": frame["code"],
            "原文": frame["phrase"],
            "目标值": [
                f"{COMPARATOR_LABELS.get(c, c)} {v:g}{u}"
                for c, v, u in zip(frame["comparator"], frame["value"], frame["unit"], strict=True)
            ],
            "实际值": ["" if pd.isna(a) else f"{a:g}{u}" for a, u in zip(frame["actual"], frame["unit"], strict=True)],
            "达成率": [None if m is None or pd.isna(m) else float(m) for m in frame["met"]],
            "已审核": frame["reviewed"],
        }
    )


# What the main tables of a backup hold, for the office's preview (others show their own name).
TABLE_LABELS = {
    "plans": "方案",
    "plan_groups": "方案的目标组和分值",
    "indicators": "一级指标",
    "targets": "年度工作目标",
    "carryovers": "上年延续的目标",
    "progress": "进度记录",
    "scenarios": "评分情景",
    "accounts": "账户",
    "sessions": "登录会话",
    "audit_log": "审计日志",
    "self_assessments": "科室自评",
    "evidence": "迎评材料",
    "evaluations": "综合评估",
    "supervision_orders": "督办单",
    "milestones": "节点",
    "reminders": "催报记录",
    "section_contacts": "科室联系方式",
    "adjustments": "加分扣分",
    "kpi_actuals": "量化指标实际值",
}


def backup_contents(tables: dict) -> pd.DataFrame:
    """A backup's tables (name → its rows, as the manifest gives them): what, table, rows."""
    names = [t for t in TABLE_LABELS if t in tables] + sorted(t for t in tables if t not in TABLE_LABELS)
    return pd.DataFrame(
        {
            "内容": [TABLE_LABELS.get(t, "—") for t in names],
            "表": names,
            "行数": [int(tables[t].rows) for t in names],
        }
    )


MISSING = "—"


def without_gaps(frame: pd.DataFrame, percent: Sequence[str] = ()) -> pd.DataFrame:
    """A display table in which no cell is missing (Streamlit draws a missing one as "None"): each
    column with a gap becomes text, "—" in the gap, percents (``percent``) as 86%, other numbers
    as written (2.5, 11)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not column.map(is_missing).any():
            continue
        if name in percent:
            out[name] = [MISSING if is_missing(v) else fmt.pct(v) for v in column]
        else:
            out[name] = [MISSING if is_missing(v) else (f"{v:g}" if isinstance(v, float) else str(v)) for v in column]
    return out


def is_missing(value: object) -> bool:
    """Whether a cell holds nothing (None, NaN, NaT, pd.NA)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell: not missing
        return False


# --- 科室考评 (#35) -----------------------------------------------------------------------------
from perfdash.workflows.assessment import PART_LABELS  # noqa: E402  (this block's own import)


def assessment_results(table: pd.DataFrame, group: bool = False, leader: bool = True) -> pd.DataFrame:
    """Sections' assessment (workflows.assessment.Result.table) for display: rank within the group,
    section, [group], each part's points, the office's adjustment, total and grade. ``leader``: the
    领导评价 column (left out while no scheme weighs it)."""
    parts = [k for k in PART_LABELS if leader or k != "leader"]
    out = {"排名": table["rank"].astype(int), "科室": table["section"]}
    if group:
        out["分组"] = table["group"]
    out |= {PART_LABELS[k]: table[k].astype(float).round(2) for k in parts}
    out |= {
        "调整": table["adjustment"].astype(float).round(2),
        "合计": table["total"].astype(float).round(2),
        "等次": table["grade"],
    }
    return pd.DataFrame(out).reset_index(drop=True)


def person_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """The 责任人 reference sheet (workflows.assessment_measures.person_sheet) for display."""
    return pd.DataFrame(
        {
            "责任人": frame["person"],
            "科室": frame["sections"],
            "牵头目标": frame["targets"].astype(int),
            "分值": frame["points"].astype(float),
            "加权完成率": frame["completion_pct"].astype(float),
            "滞后": frame["lagging"].astype(int),
            "逾期": frame["overdue"].astype(int),
            "迟报/填报（条）": [f"{a}/{b}" for a, b in zip(frame["late_reports"], frame["reports"], strict=True)],
            "最滞后目标的最新说明": [n if str(n).strip() else "—" for n in frame["note"]],
        }
    )
