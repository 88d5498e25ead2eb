"""The official score: the scoring rules the office stores for a plan, and the one score sheet that
every official figure reads (总览, 我的分管, the meeting screen, 综合评估, the report, the exports,
``python -m perfdash score``). A plan whose office has stored no rules is scored by the defaults
(scoring.Rules()), and its grade is labelled 暂定 wherever it appears. A simulation (评分模拟,
``score --rule``) starts from the stored rules and is labelled as one when it differs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.db.database import Database, StoreError, require_role
from perfdash.workflows import claims, evaluation, scoring

PROVISIONAL = "暂定"


@dataclass(frozen=True)
class OfficialRules:
    """A plan's scoring rules, who stored them and when (None, None: nobody yet — the defaults)."""

    rules: scoring.Rules
    set_by: str | None = None
    set_at: datetime | None = None

    @property
    def provisional(self) -> bool:
        """True while the office has not stored the plan's rules: its grade bands are not official."""
        return self.set_by is None

    def grade_label(self, grade: str) -> str:
        """A grade as every page shows it: '良好', or '良好（暂定）' under rules nobody set."""
        return grade_label(grade, self.provisional)

    def source(self) -> str:
        """One line on where the rules come from, for the pages and the report."""
        if self.provisional:
            return "计分规则：默认规则（绩效办尚未设定，等次分界为暂定）"
        who = self.set_by if self.set_by in ("绩效办", "系统") else f"绩效办（{self.set_by}）"
        when = f" 于 {fmt.day(self.set_at)}" if self.set_at else ""
        return f"计分规则：{who}{when}设定"


def grade_label(grade: str, provisional: bool) -> str:
    """'良好', or '良好（暂定）' when the bands that gave it are not the office's."""
    return f"{grade}（{PROVISIONAL}）" if provisional else grade


def describe(rules: scoring.Rules) -> str:
    """The rules in one Chinese line: rule, steps, lateness, bands, what a veto caps."""
    parts = [scoring.RULE_LABELS[rules.rule]]
    if rules.rule == "stepped":
        steps = "、".join(f"≥{t:g}% 得{s:.0%}" for t, s in sorted(rules.steps, reverse=True) if t >= rules.floor)
        parts.append(f"档位 {steps}，低于 {rules.floor:g}% 不得分")
    if rules.late_share_per_month:
        parts.append(f"逾期每月扣该目标分值的 {rules.late_share_per_month:.0%}，最多 {rules.late_cap:.0%}")
    else:
        parts.append("逾期不扣分")
    parts.append("等次 " + "、".join(f"{n} ≥{c:g}%" if c > 0 else f"{n} 以下" for n, c in rules.bands))
    parts.append(f"一票否决时等次至多为{rules.veto_grade}")
    return "；".join(parts)


def stored(store: Database, plan_id: int) -> OfficialRules:
    """The plan's official rules: what the office stored, else the defaults (provisional)."""
    row = store.query(
        "SELECT rules_json, updated_by, updated_at FROM plan_rules WHERE plan_id = $p", {"p": int(plan_id)}
    )
    if row.empty:
        return OfficialRules(scoring.Rules())
    at = row.iloc[0]["updated_at"]
    return OfficialRules(
        scoring.Rules.from_json(str(row.iloc[0]["rules_json"])),
        str(row.iloc[0]["updated_by"]),
        None if pd.isna(at) else pd.Timestamp(at).to_pydatetime(),
    )


def parse(text: str) -> scoring.Rules:
    """Rules from their JSON (``Rules.to_json()``); StoreError with a Chinese line when invalid."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise StoreError(f"计分规则不是有效的 JSON：{exc}") from None
    if not isinstance(raw, dict):
        raise StoreError('计分规则应是一个 JSON 对象，如 {"rule": "stepped"}')
    unknown = sorted(set(raw) - set(scoring.Rules.__dataclass_fields__))
    if unknown:
        raise StoreError(f"计分规则中有未知的项：{'、'.join(unknown)}")
    try:
        rules = scoring.Rules.from_json(json.dumps(raw))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"计分规则无效：{exc}") from None
    _check(rules)
    return rules


def from_form(
    rule: str,
    steps: str,
    floor: float,
    late_pct: float,
    cap_pct: float,
    bands: list[tuple[str, float]],
    veto_grade: str,
) -> scoring.Rules:
    """Rules from the 计分规则 form: steps typed as '90:0.9，80:0.8' (完成率:得分比例), percentages
    as percent. StoreError with a Chinese line for anything that does not parse or hold."""
    parsed = []
    for part in re.split(r"[,，;；\s]+", steps.strip()):
        if not part:
            continue
        pieces = re.split(r"[:：]", part)
        try:
            threshold, portion = (float(x) for x in pieces)
        except ValueError:
            raise StoreError(f"档位“{part}”应写成 完成率:得分比例，如 90:0.9") from None
        parsed.append((threshold, portion))
    try:
        rules = scoring.Rules(
            rule=rule,
            steps=tuple(sorted(parsed, reverse=True)),
            floor=float(floor),
            late_share_per_month=float(late_pct) / 100,
            late_cap=float(cap_pct) / 100,
            bands=tuple((str(n), float(c)) for n, c in bands),
            veto_grade=veto_grade,
        )
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    _check(rules)
    return rules


def _check(rules: scoring.Rules) -> None:
    if rules.rule == "stepped":
        if not rules.steps or any(not (0 < t <= 100 and 0 <= s <= 1) for t, s in rules.steps):
            raise StoreError("分档计分的档位应为（完成率 0–100，得分比例 0–1）")
        if not 0 <= rules.floor <= 100:
            raise StoreError("分档计分的最低档应在 0 到 100 之间")
    cuts = [c for _, c in rules.bands]
    if len(rules.bands) < 2 or cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts):
        raise StoreError("等次分界应从高到低排列、互不相同，至少两个等次")
    if cuts[-1] != 0:
        raise StoreError("最低一个等次的分界应为 0（低于其上一档即为该等次）")


@dataclass
class ScoreSheet:
    """The office's scoring sheet: one row per target, and the evaluated total."""

    rows: pd.DataFrame
    result: scoring.Score


@dataclass(frozen=True)
class SheetInputs:
    """What the score sheet reads of a plan beside its target state: 6-5's completion from the
    selected innovations (evaluation.innovation_completion), the self-assessments
    (evaluation.assessments), the office's scores (evaluation.final_scores) and the 加分 / 扣分 /
    一票否决 entries in force (queries.adjustments)."""

    innovation: float | None
    assessed: pd.DataFrame
    finals: dict[str, float]
    adjustments: list[scoring.Adjustment]


def sheet_inputs(store: Database, plan_id: int) -> SheetInputs:
    """A plan's SheetInputs as stored now."""
    return SheetInputs(
        evaluation.innovation_completion(store, plan_id),
        evaluation.assessments(store, plan_id),
        evaluation.final_scores(store, plan_id),
        scoring.adjustments_of(queries.adjustments(store, plan_id)),
    )


def score_sheet(
    store: Database,
    plan_id: int,
    state: pd.DataFrame,
    as_of: date,
    rules: scoring.Rules | None = None,
    inputs: SheetInputs | None = None,
) -> ScoreSheet:
    """Per target: points, reported completion and the score it earns under the rules (the plan's
    stored rules unless a simulation passes others), the self-assessment (completion, proposed
    score, evidence, sign-off), and the final score (the office's where set, else the proposed one,
    else the computed one). 6-5 counts the selected innovations. The total takes the office's
    加分 / 扣分 / 一票否决 entries. Completion is the counted one (workflows.claims: a report that
    completes its target counts once the office accepted it; so does a self-assessed score —
    ``proposed_held`` marks one waiting for the check); ``reported_pct`` and ``claim_state`` beside
    it say what the section reported and where its check stands. ``inputs``: the plan's
    SheetInputs when already read (the city's table reads every plan's at once)."""
    rules = rules if rules is not None else stored(store, plan_id).rules
    inputs = inputs if inputs is not None else sheet_inputs(store, plan_id)
    reported = state
    state = claims.counted(state)
    completion = {}
    innov = inputs.innovation
    if innov is not None and evaluation.INNOVATION_TARGET in set(state["code"]):
        completion[evaluation.INNOVATION_TARGET] = innov
    computed = scoring.score(state, rules, completion, as_of=as_of).targets.set_index("code")["score"]
    done = inputs.assessed.set_index("code")
    finals = inputs.finals
    rows = state[["code", "group", "indicator", "target", "points", "completion_pct", "lead_section"]].copy()
    rows["reported_pct"] = reported["completion_pct"].astype(float).to_numpy()
    rows["claim_state"] = reported["claim_state"].map(claims.STATES).fillna("").to_numpy()
    rows["computed_score"] = rows["code"].map(computed).round(2)
    rows["self_pct"] = rows["code"].map(done["self_pct"]).astype(float)
    rows["proposed_score"] = rows["code"].map(done["proposed_score"]).astype(float)
    rows["evidence"] = rows["code"].map(done["evidence"]).fillna(0).astype(int)
    rows["signed_by"] = rows["code"].map(done["signed_by"])
    rows["final_score"] = rows["code"].map(finals).astype(float)
    summaries = dict(zip(done.index, done["summary"], strict=True))
    rows["note"] = [str(summaries.get(c, "")) for c in rows["code"]]
    # A self-assessed score waits for the check like the completion it rests on: while a claim is
    # pending or returned the computed (counted) score stands, unless the office scored it itself.
    held = reported["claim_state"].isin(["pending", "returned"]).to_numpy()
    rows["proposed_held"] = held & rows["proposed_score"].notna().to_numpy()
    settled = rows["final_score"].fillna(rows["proposed_score"].mask(held)).fillna(rows["computed_score"])
    rows["settled_score"] = settled.astype(float)  # what the total counts: the 综合评估 editor starts from it
    fixed = dict(zip(rows["code"], settled.astype(float), strict=True))
    result = scoring.score(state, rules, completion, inputs.adjustments, as_of, fixed=fixed)
    return ScoreSheet(rows=rows, result=result)


def what_if(
    sheet: ScoreSheet,
    state: pd.DataFrame,
    rules: scoring.Rules,
    completion: dict[str, float],
    adjustments: list[scoring.Adjustment],
    as_of: date,
) -> scoring.Score:
    """A simulation from the one score (``score_sheet``): a target whose simulated completion is
    its current one keeps the sheet's score (evaluated, self-assessed or computed); one changed by
    hand, in bulk or by the forecast is scored by the rules at the simulated completion. Nothing
    changed: the sheet's own total."""
    moved = scoring.changed_codes(state, completion)
    kept = sheet.result.targets.set_index("code")["score"]
    fixed = {c: float(v) for c, v in kept.items() if c not in moved}
    return scoring.score(state, rules, completion, adjustments, as_of, fixed=fixed)


class RuleWrites:
    """A plan's official scoring rules (part of perfdash.store.Store)."""

    def set_rules(self: Database, plan_id: int, rules_json: str, actor: Actor) -> scoring.Rules:
        """Store the plan's scoring rules (office only; the CLI as the system); the previous ones go
        to the audit log. Returns the rules as stored."""
        if actor.role != "system":  # the CLI without --as
            require_role(actor, {"office"}, "修改计分规则")
        self.require_unit(plan_id, actor)
        rules = parse(rules_json)
        text = rules.to_json()
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute("SELECT rules_json FROM plan_rules WHERE plan_id = ?", [plan_id])
            if old and json.loads(old[0][0]) == json.loads(text):
                w.without_audit()
                return rules
            w.execute("DELETE FROM plan_rules WHERE plan_id = ?", [plan_id])
            w.execute(
                "INSERT INTO plan_rules (plan_id, rules_json, updated_by) VALUES (?, ?, ?)",
                [plan_id, text, actor.username or actor.name],
            )
            w.audit("修改计分规则", "rules", str(plan_id), json.loads(old[0][0]) if old else None, json.loads(text))
        return rules
