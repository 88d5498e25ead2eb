"""Deleting a wrongly imported plan (删除方案): the office only, with a reason, never once the plan
has an official evaluation (综合评估) or its year is locked. The plan goes with every row that
names it, and the audit log keeps the unit, year, reason and how many rows of each kind went.

Callers take a backup first (perfdash.app.actions.delete_plan, python -m perfdash delete-plan);
evidence files stay in the evidence folder (they are kept by content hash, and another plan may
hold the same file), so restoring that backup brings the plan back whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, Write, bounded, require_role

# Every table with rows of a plan, each with the condition that finds them (parameters: the plan
# id, as often as the condition names it) and what one of its rows is called. Rows that name a
# plan only through another row (a scenario's values, an order's answers) come before that row;
# the plan itself (the plans row) comes last, see PlanDeletes.delete_plan. tests/test_plan_delete.py
# fails when a table of the schema with a plan_id column is missing here.
OWN = "plan_id = ?"
PLAN_ROWS: tuple[tuple[str, str, str], ...] = (
    ("scenario_values", "scenario_id IN (SELECT scenario_id FROM scenarios WHERE plan_id = ?)", "情景取值"),
    ("order_responses", "order_id IN (SELECT order_id FROM supervision_orders WHERE plan_id = ?)", "督办回复"),
    ("order_reviews", "order_id IN (SELECT order_id FROM supervision_orders WHERE plan_id = ?)", "督办复核"),
    ("order_files", "order_id IN (SELECT order_id FROM supervision_orders WHERE plan_id = ?)", "督办答复附件"),
    ("claims", OWN, "核验记录"),
    ("progress", OWN, "进度记录"),
    ("milestones", OWN, "节点"),
    ("supervision_orders", OWN, "督办事项"),
    ("reminders", OWN, "催报记录"),
    ("evidence", OWN, "迎评材料"),
    ("evidence_items", OWN, "佐证清单"),
    ("claim_settings", OWN, "核验设置"),
    ("supervision_settings", OWN, "督办设置"),
    ("bulletins", OWN, "督查通报"),
    ("section_groups", OWN, "考评分组"),
    ("assessment_schemes", OWN, "考评方案"),
    ("section_adjustments", OWN, "科室考评调整"),
    ("leader_ratings", OWN, "领导评价"),
    ("assessment_locks", OWN, "科室考评锁定"),
    ("self_assessments", OWN, "自评"),
    ("evaluations", OWN, "综合评估"),
    ("innovations", OWN, "创新成果"),
    ("survey_samples", OWN, "评议样本"),
    ("report_notes", OWN, "报告问题与措施"),
    ("scenarios", OWN, "情景"),
    ("adjustments", OWN, "加减分"),
    ("kpi_reviews", OWN, "量化指标"),
    ("kpi_actuals", OWN, "量化指标实际值"),
    ("completion_modes", OWN, "完成率来源"),
    ("plan_rules", OWN, "计分规则"),
    ("reporting_settings", OWN, "填报周期设置"),
    ("plan_locks", OWN, "年度锁定"),
    # Both directions: this plan's targets continuing last year's, and next year's continuing these.
    ("carryovers", "plan_id = ? OR prev_plan_id = ?", "延续目标确认"),
    ("target_sources", OWN, "目标原文出处"),
    ("target_sections", OWN, "责任科室"),
    ("target_leaders", OWN, "分管领导"),
    ("targets", OWN, "目标"),
    ("indicators", OWN, "一级指标"),
    ("plan_groups", OWN, "目标组"),
    ("plan_calendar", OWN, "考评时间表"),
    ("plan_checks", OWN, "方案校验"),
    ("plan_reviews", OWN, "导入提示确认"),
    ("plan_imports", OWN, "导入记录"),
)


@dataclass(frozen=True)
class DeletedPlan:
    """What deleting a plan removed: rows per table (those that had none left out)."""

    plan_id: int
    unit: str
    year: int
    reason: str
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One sentence: 已删除泉州市教育局2025年度方案：目标 61 项、进度记录 2280 条，其他记录 12 条."""
        targets, progress = self.rows.get("targets", 0), self.rows.get("progress", 0)
        rest = sum(n for t, n in self.rows.items() if t not in ("targets", "progress"))
        return (
            f"已删除{self.unit}{self.year}年度方案：目标 {targets} 项、进度记录 {progress} 条，"
            f"其他记录 {rest} 条（科室、指标、节点、督办、自评等）"
        )

    def lines(self) -> list[str]:
        """Rows deleted per kind, one line each (the kinds that had none left out)."""
        return [f"{label}：{n} 条" for label, n in _shown(self.rows).items()]


def _blockers(run: Callable[[str, list], list[tuple]], plan_id: int) -> str | None:
    """Why the plan may not be deleted, from rows read by ``run`` (a read or the write's own)."""
    reasons = []
    if run("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id])[0][0]:
        reasons.append("该年度已锁定（请先在“综合评估”页面解除锁定）")
    evaluated = int(run("SELECT count(*) FROM evaluations WHERE plan_id = ?", [plan_id])[0][0])
    if evaluated:
        reasons.append(f"已有 {evaluated} 项目标的综合评估（正式评定得分）")
    if not reasons:
        return None
    return "该方案不能删除：" + "，".join(reasons) + "。已正式评定的方案须保留。"


def delete_blocker(store: Database, plan_id: int) -> str | None:
    """Why ``plan_id`` cannot be deleted (its year locked, an official evaluation on record), in
    Chinese; None when it can (the page shows this instead of the button)."""
    return _blockers(store.rows, plan_id)


def check_delete(store: Database, plan_id: int, actor: Actor, reason: str | None) -> str:
    """Everything that refuses a delete, checked before a backup is taken for it: the office only,
    a reason (stripped, required), the plan in the actor's units, not evaluated, not locked.
    Returns the reason as it will be recorded; raises StoreError (in Chinese) otherwise."""
    require_role(actor, {"office"}, "删除方案")
    why = bounded("删除理由", reason, "note", required=True)
    store.require_unit(plan_id, actor)  # also: no such plan
    blocker = delete_blocker(store, plan_id)
    if blocker:
        raise StoreError(blocker)
    return why


class PlanDeletes:
    """Deleting a plan (part of perfdash.store.Store)."""

    def delete_plan(self: Database, plan_id: int, actor: Actor, reason: str) -> DeletedPlan:
        """Delete a wrongly imported plan and every row that names it (see PLAN_ROWS), with one
        audit entry holding the unit, year, reason and rows deleted per table. Refused (StoreError)
        unless ``check_delete`` passes, checked again inside the transaction.

        DuckDB checks a foreign key against rows deleted earlier in the same transaction (see
        schema.sql on scenario_values), so the plans row, which every table references, cannot
        go in the transaction that deletes those rows: one write deletes them all (with the audit
        entry), a second deletes the plans row, then unreferenced. The first rolls back whole if
        any table still holds a row of the plan (one added to the schema but not to PLAN_ROWS), so
        the second has nothing to trip on; should it fail all the same, the plan is left as an
        empty shell (no targets, nothing reported), and deleting it again completes the job."""
        why = check_delete(self, plan_id, actor, reason)
        with self.write(actor, roles={"office"}, what="删除方案", plan_id=plan_id) as w:
            blocker = _blockers(w.execute, plan_id)  # an evaluation saved since the check
            if blocker:
                raise StoreError(blocker)
            unit, year, title = w.execute("SELECT unit, year, title FROM plans WHERE plan_id = ?", [plan_id])[0]
            rows = {}
            for table, where, _ in PLAN_ROWS:
                params = [plan_id] * where.count("?")
                found = int(w.execute(f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0])  # noqa: S608 (constants)
                if found:
                    w.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 (constants)
                rows[table] = found
            left = _left_behind(w, plan_id)
            if left:  # a table this version does not know: delete nothing rather than half
                raise StoreError(
                    f"方案未删除：{'、'.join(left)} 中还有该方案的记录，本程序不知道如何删除，请联系维护人员"
                )
            done = DeletedPlan(plan_id, str(unit), int(year), why, rows)
            w.audit(
                "删除方案",
                "plan",
                f"{unit}{year}年度",
                {"方案编号": plan_id, "单位": unit, "年度": int(year), "标题": title, "删除的记录": _shown(rows)},
                {"删除理由": why},
            )
        try:
            with self.write(actor, roles={"office"}, what="删除方案", plan_id=plan_id) as w:
                w.execute("DELETE FROM plans WHERE plan_id = ?", [plan_id])
                w.without_audit()  # the entry of the write above records this delete
        except Exception as exc:  # the rows are gone already: say so, and how to finish
            raise StoreError(
                f"{unit}{year}年度方案的全部记录已删除（已记入审计日志），但方案本身未能删除：{exc}。请再次删除该方案。"
            ) from exc
        return done


def _left_behind(w: Write, plan_id: int) -> list[str]:
    """The tables that still hold rows of the plan after PLAN_ROWS went: any column named like
    plan_id (a table added to the schema and not to PLAN_ROWS), read from the schema itself."""
    columns = w.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY table_name, column_name"
    )
    left = []
    for table, column in columns:
        if table == "plans" or not str(column).endswith("plan_id"):
            continue
        sql = f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?'  # noqa: S608 (names from the schema)
        if w.execute(sql, [plan_id])[0][0]:
            left.append(str(table))
    return sorted(set(left))


def _shown(rows: dict[str, int]) -> dict[str, int]:
    """Rows deleted per table, by the table's Chinese name, those with none left out (the audit
    log shows keys as they are)."""
    labels = {table: label for table, _, label in PLAN_ROWS}
    return {labels[t]: n for t, n in rows.items() if n}
