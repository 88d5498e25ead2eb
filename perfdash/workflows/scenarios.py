"""The office's what-if work and official entries: scenarios (情景) and 加分 / 扣分 / 一票否决 entries
(writes; a plan's scoring rules: perfdash.workflows.official)."""

from __future__ import annotations

import json
from datetime import date

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role


class ScenarioWrites:
    """Scenarios and adjustments (part of perfdash.store.Store)."""

    def save_scenario(
        self: Database,
        plan_id: int,
        name: str,
        note: str,
        base: str,
        as_of: date,
        rules_json: str,
        values: dict[str, float],
        actor: Actor,
        replace: bool = False,
        adjustments_json: str | None = None,
    ) -> int:
        """Save a what-if scenario (office only): one completion per target, and its hypothetical
        加分 / 扣分 / 一票否决 entries (JSON list of {kind, points, note}; they stay in the
        scenario). A name already used is refused unless ``replace``."""
        require_role(actor, {"office"}, "保存情景")
        self.require_unit(plan_id, actor)
        name = bounded("情景名称", name, "title")
        note = bounded("情景说明", note, "note")
        if not name:
            raise StoreError("情景名称不能为空")
        _, owners = self.progress_rules(plan_id)
        unknown = sorted(set(values) - set(owners))
        if unknown:
            raise StoreError(f"情景中有方案里没有的目标编号：{'、'.join(unknown)}")
        bad = [c for c, v in values.items() if not 0 <= float(v) <= 100]
        if bad:
            raise StoreError(f"完成率超出 0–100：{'、'.join(bad)}")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute(
                "SELECT scenario_id, note, base, rules_json FROM scenarios WHERE plan_id = ? AND name = ?",
                [plan_id, name],
            )
            if old and not replace:
                raise StoreError(f"已有名为“{name}”的情景")
            old_values = None
            if old:
                old_values = dict(
                    w.execute(
                        "SELECT code, completion_pct::DOUBLE FROM scenario_values WHERE scenario_id = ?", [old[0][0]]
                    )
                )
                w.execute("DELETE FROM scenario_values WHERE scenario_id = ?", [old[0][0]])
                w.execute("DELETE FROM scenarios WHERE scenario_id = ?", [old[0][0]])
            sid = w.execute(
                "INSERT INTO scenarios (plan_id, name, note, base, as_of, rules_json, created_by, adjustments_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING scenario_id",
                [plan_id, name, note.strip(), base, as_of, rules_json, actor.name, adjustments_json],
            )[0][0]
            w.insert(
                "scenario_values",
                ("scenario_id", "code", "completion_pct"),
                [(sid, c, round(float(v), 1)) for c, v in values.items()],
            )
            w.audit(
                "保存情景",
                "scenario",
                name,
                {"note": old[0][1], "base": old[0][2], "values": old_values} if old else None,
                {"note": note.strip(), "base": base, "rules": json.loads(rules_json), "values": values},
            )
        return int(sid)

    def delete_scenario(self: Database, scenario_id: int, actor: Actor) -> None:
        """Delete a scenario and its values (office only)."""
        require_role(actor, {"office"}, "删除情景")
        plan_id = self.scalar("SELECT plan_id FROM scenarios WHERE scenario_id = ?", [scenario_id])
        with self.write(actor, plan_id=None if plan_id is None else int(plan_id)) as w:
            old = w.execute("SELECT name, note FROM scenarios WHERE scenario_id = ?", [scenario_id])
            values = dict(
                w.execute(
                    "SELECT code, completion_pct::DOUBLE FROM scenario_values WHERE scenario_id = ?", [scenario_id]
                )
            )
            w.execute("DELETE FROM scenario_values WHERE scenario_id = ?", [scenario_id])
            w.execute("DELETE FROM scenarios WHERE scenario_id = ?", [scenario_id])
            if old:
                w.audit("删除情景", "scenario", old[0][0], {"note": old[0][1], "values": values}, None)
            else:
                w.without_audit()  # nothing by that number: nothing changed

    def add_adjustment(
        self: Database,
        plan_id: int,
        kind: str,
        points: float,
        note: str,
        actor: Actor,
        group: str | None = None,
        basis: str = "",
    ) -> int:
        """Record an official 加分 / 扣分 / 一票否决 entry with its reason and, where there is one, the
        document it rests on (office only). It counts in the official score at once."""
        require_role(actor, {"office"}, "录入加减分")
        if kind not in ("bonus", "deduction", "veto"):
            raise StoreError(f"未知的类型“{kind}”")
        note = bounded("加减分的事由", note, "text", required=True)
        basis = bounded("加减分的依据", basis, "title").strip()
        self.require_unit(plan_id, actor)
        if not 0 <= float(points) <= 100:
            raise StoreError("分值应在 0 到 100 之间")
        value = 0.0 if kind == "veto" else float(points)
        with self.write(actor, plan_id=plan_id) as w:
            aid = w.execute(
                "INSERT INTO adjustments (plan_id, kind, points, grp, note, created_by, basis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING adjustment_id",
                [plan_id, kind, value, group, note.strip(), actor.name, basis or None],
            )[0][0]
            w.audit(
                "录入加减分",
                "adjustment",
                str(aid),
                None,
                {"kind": kind, "points": value, "group": group, "note": note.strip(), "basis": basis},
            )
        return int(aid)

    def withdraw_adjustment(self: Database, adjustment_id: int, actor: Actor) -> None:
        """Withdraw an entry (office only): it stays on record with the time it was withdrawn."""
        require_role(actor, {"office"}, "撤销加减分")
        plan_id = self.scalar("SELECT plan_id FROM adjustments WHERE adjustment_id = ?", [adjustment_id])
        with self.write(actor, plan_id=None if plan_id is None else int(plan_id)) as w:
            old = w.execute(
                "SELECT kind, points::DOUBLE, note FROM adjustments WHERE adjustment_id = ? AND deleted_at IS NULL",
                [adjustment_id],
            )
            if not old:
                raise StoreError(f"没有编号为 {adjustment_id} 的有效加减分记录")
            w.execute("UPDATE adjustments SET deleted_at = current_timestamp WHERE adjustment_id = ?", [adjustment_id])
            w.audit(
                "撤销加减分",
                "adjustment",
                str(adjustment_id),
                {"kind": old[0][0], "points": old[0][1], "note": old[0][2]},
                {"withdrawn": True},
            )
