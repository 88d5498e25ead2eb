"""量化指标 kept by the office: its review of each target's commitments, the actuals reported against
them, and whether a target's completion comes from them (writes; the reads are perfdash.db.kpi_tracking)."""

from __future__ import annotations

from datetime import date, datetime

from perfdash.core.access import Actor, may_write
from perfdash.db.database import Database, StoreError, bounded, require_role


class KpiWrites:
    """The 量化指标 writes (part of perfdash.store.Store)."""

    def review_kpis(self: Database, plan_id: int, code: str, kpis: list[dict], actor: Actor) -> None:
        """The office's reviewed commitments of a target (value, unit, comparator, subject,
        phrase), replacing the extracted ones; an empty list means the target has none."""
        require_role(actor, {"office"}, "审核量化指标")
        self.target_people(plan_id, code)
        for n, k in enumerate(kpis, start=1):
            if k.get("comparator") not in (">=", "<=", "="):
                raise StoreError(f"第{n}项：比较符应为 >=、<= 或 =")
            if not float(k.get("value", -1)) >= 0:
                raise StoreError(f"第{n}项：数值应不小于 0")
            if not str(k.get("phrase", "")).strip():
                raise StoreError(f"第{n}项：请填写原文短语（用于对应实际值）")
            for key, label, kind in (
                ("phrase", "原文短语", "text"),
                ("unit", "单位", "name"),
                ("subject", "对象", "text"),
            ):
                bounded(f"第{n}项的{label}", str(k.get(key, "")), kind)
        phrases = [str(k["phrase"]).strip() for k in kpis]
        if len(set(phrases)) != len(phrases):
            raise StoreError("同一目标的量化指标原文短语不能重复")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute(
                "SELECT value, unit, comparator, phrase FROM kpi_reviews WHERE plan_id = ? AND code = ? ORDER BY seq",
                [plan_id, code],
            )
            w.execute("DELETE FROM kpi_reviews WHERE plan_id = ? AND code = ?", [plan_id, code])
            now = datetime.now()
            w.insert(
                "kpi_reviews",
                (
                    "plan_id",
                    "code",
                    "seq",
                    "value",
                    "unit",
                    "comparator",
                    "subject",
                    "phrase",
                    "reviewed_by",
                    "reviewed_at",
                ),
                [
                    (
                        plan_id,
                        code,
                        n,
                        float(k["value"]),
                        str(k.get("unit", "")),
                        k["comparator"],
                        str(k.get("subject", "")),
                        str(k["phrase"]).strip(),
                        actor.name,
                        now,
                    )
                    for n, k in enumerate(kpis, start=1)
                ],
            )
            w.audit(
                "审核量化指标",
                "kpis",
                code,
                [list(r) for r in old] or None,
                [{k2: k[k2] for k2 in ("value", "unit", "comparator", "phrase") if k2 in k} for k in kpis],
            )

    def report_kpi_actuals(
        self: Database,
        plan_id: int,
        code: str,
        actuals: dict[str, float],
        report_date: date,
        actor: Actor,
        today: date | None = None,
    ) -> int:
        """Actual values against a target's commitments (by phrase): its sections, or the office."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        sections, _, _ = self.target_people(plan_id, code)
        if not may_write(actor, sections):
            raise StoreError(f"“{actor.name}”不是 {code} 的责任科室，无权填报")
        year = self.plan_year(plan_id)
        if report_date.year != year or report_date > (today or date.today()):
            raise StoreError(f"填报日期 {report_date} 应在方案年度 {year} 年内且不晚于今天")
        bad = [p for p, v in actuals.items() if not float(v) >= 0]
        if bad:
            raise StoreError(f"实际值应不小于 0：{'、'.join(bad)}")
        for phrase in actuals:
            bounded("原文短语", phrase, "text")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            now = datetime.now()
            w.insert(
                "kpi_actuals",
                ("plan_id", "code", "phrase", "report_date", "actual", "reporter", "recorded_at"),
                [(plan_id, code, p, report_date, float(v), actor.name, now) for p, v in actuals.items()],
            )
            w.audit("填报量化指标", "kpi_actuals", code, None, {"report_date": report_date, "actuals": actuals})
        return len(actuals)

    def set_completion_mode(self: Database, plan_id: int, code: str, mode: str, actor: Actor) -> None:
        """Whether a target's completion is entered directly or computed from its commitments."""
        require_role(actor, {"office"}, "设置完成率来源")
        if mode not in ("direct", "kpi"):
            raise StoreError(f"未知的完成率来源“{mode}”")
        self.target_people(plan_id, code)
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute("SELECT mode FROM completion_modes WHERE plan_id = ? AND code = ?", [plan_id, code])
            w.execute("DELETE FROM completion_modes WHERE plan_id = ? AND code = ?", [plan_id, code])
            w.execute("INSERT INTO completion_modes VALUES (?, ?, ?)", [plan_id, code, mode])
            w.audit("设置完成率来源", "completion_mode", code, old[0][0] if old else "direct", mode)
