"""Several years side by side: the same unit's previous year — its final (or last recorded) score
and grade beside this year's — and the targets that carry over from it, matched by indicator and
text and confirmed by the office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from perfdash.core import textmatch
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.db.database import Database, StoreError, require_role
from perfdash.workflows import official, periods, scoring

CARRY_AT = 0.35  # share of shared character pairs from which last year's target is offered as the same


@dataclass(frozen=True)
class YearResult:
    """One plan year's score: final when the year is locked or every target evaluated, else as
    last recorded (its latest report)."""

    plan_id: int
    year: int
    as_of: date
    total: float
    possible: float
    grade: str
    final: bool
    provisional: bool = False  # graded by default bands (the office stored no rules for that plan)

    @property
    def grade_label(self) -> str:
        """The grade as pages show it: 暂定 when that plan's bands are not the office's."""
        return official.grade_label(self.grade, self.provisional)

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "total": round(self.total, 2),
            "possible": round(self.possible, 2),
            "grade": self.grade,
            "final": self.final,
        }


def previous_plan(store: Database, unit: str, year: int) -> pd.Series | None:
    """The same unit's latest plan before ``year`` (None when there is none)."""
    rows = queries.plans(store)
    rows = rows[(rows["unit"] == unit) & (rows["year"] < year)]
    return None if rows.empty else rows.sort_values("year").iloc[-1]


def year_result(store: Database, plan: pd.Series, rules: scoring.Rules | None = None) -> YearResult:
    """A plan year's score as the 绩效评估报告 counts it (evaluated, self-assessed or computed), at
    its 统计日期 (the last closed reporting period; the calendar's last period when none is),
    under that plan's own stored rules unless ``rules`` are given."""
    plan_id, year = int(plan["plan_id"]), int(plan["year"])
    as_of = periods.default_as_of(store, plan_id)
    state = queries.target_state(store, plan_id, as_of, year)
    stored = official.stored(store, plan_id) if rules is None else None  # that plan's own rules
    provisional = stored is not None and stored.provisional
    sheet = official.score_sheet(store, plan_id, state, as_of, rules or stored.rules)
    final = store.locked(plan_id) or (bool(len(sheet.rows)) and bool(sheet.rows["final_score"].notna().all()))
    r = sheet.result
    return YearResult(plan_id, year, as_of, r.total, r.possible, r.grade, final, provisional)


def carryover(state: pd.DataFrame, previous: pd.DataFrame, at_least: float = CARRY_AT) -> pd.DataFrame:
    """For each target of this year, last year's target most like it (same indicator title first,
    then text), where one is alike enough: code, target, prev_code, prev_target, similarity,
    same_indicator."""
    columns = ["code", "target", "prev_code", "prev_target", "similarity", "same_indicator"]
    if previous.empty:
        return pd.DataFrame(columns=columns)
    theirs = [(r.code, r.target, str(r.indicator), textmatch.pairs(r.target)) for r in previous.itertuples()]
    rows = []
    for r in state.itertuples():
        mine = textmatch.pairs(r.target)
        scored = [
            (str(r.indicator) == ind, textmatch.similarity(mine, pairs), code, text)
            for code, text, ind, pairs in theirs
        ]
        same, score, code, text = max(scored, key=lambda s: (s[1] + (0.2 if s[0] else 0.0), s[1]))
        if score >= at_least:
            rows.append(
                {
                    "code": r.code,
                    "target": r.target,
                    "prev_code": code,
                    "prev_target": text,
                    "similarity": round(score, 2),
                    "same_indicator": same,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def confirmed(store: Database, plan_id: int) -> pd.DataFrame:
    """The carry-overs the office confirmed: code, prev_plan_id, prev_code."""
    return store.query(
        "SELECT code, prev_plan_id, prev_code, confirmed_by, confirmed_at FROM carryovers WHERE plan_id = $p "
        "ORDER BY code",
        {"p": plan_id},
    )


class YearWrites:
    """The office's confirmation of carried-over targets (part of perfdash.store.Store)."""

    def confirm_carryovers(
        self: Database, plan_id: int, prev_plan_id: int, pairs: list[tuple[str, str]], actor: Actor
    ) -> None:
        """Record which of this year's targets continue which of last year's (replacing earlier
        confirmations); office only."""
        require_role(actor, {"office"}, "确认延续目标")
        codes = {str(c) for (c,) in self.rows("SELECT code FROM targets WHERE plan_id = ?", [plan_id])}
        before = {str(c) for (c,) in self.rows("SELECT code FROM targets WHERE plan_id = ?", [prev_plan_id])}
        bad = [f"{c}→{p}" for c, p in pairs if c not in codes or p not in before]
        if bad:
            raise StoreError(f"没有这些目标：{'、'.join(bad[:10])}")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute("SELECT code, prev_code FROM carryovers WHERE plan_id = ? ORDER BY code", [plan_id])
            w.execute("DELETE FROM carryovers WHERE plan_id = ?", [plan_id])
            now = datetime.now()
            w.insert(
                "carryovers",
                ("plan_id", "code", "prev_plan_id", "prev_code", "confirmed_by", "confirmed_at"),
                [(plan_id, c, prev_plan_id, p, actor.name, now) for c, p in pairs],
            )
            w.audit("确认延续目标", "carryover", str(plan_id), dict(old) or None, dict(pairs) or None)
