"""Assessing sections and people (内设科室绩效考评) from what perfdash already holds.

The plan asks the bureau to assess its sections by class (分类考评) and use the results for
评先评优. A ranking by completion alone rewards easy targets, so a section's result has parts the
office weighs per plan (and per group, when groups differ):

- 目标完成 (60): the section's targets, weighted by points and by role — a lead target counts in
  full, a co-operated one by ``co_factor`` — at their counted completion (workflows.claims).
- 过程管理 (20): reporting periods closed by the as-of day in which the section reported on time
  while it had unfinished lead targets; 督办 orders due that it answered by their due day;
  milestones of its lead targets due that the reports met. A measure with nothing due to a section
  counts at its group's average rate (1 when nobody in the group had it due).
- 年终评估 (10): its lead targets self-assessed by the plan's deadline, signed by the leader, with
  every checklist item evidenced, and completion claims accepted.
- 创新与加减分 (10): the office's selected innovations of the section by level, capped at the weight.
- 领导评价 (0 unless set): the 分管领导's scores (0–100), averaged by the office's rule.

On top, the office's adjustments (points with a reason). Ranks and grades are within the group
(分类考评): the grade is the total's share of the scheme's full marks. Locked results are a
snapshot: nothing changes them until the office unlocks, with a reason (both audited)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.db.database import Database, StoreError, bounded, require_role
from perfdash.workflows import assessment_measures as measures
from perfdash.workflows import claims, evaluation

DEFAULT_GROUP = "全部科室"
PART_LABELS = {
    "completion": "目标完成",
    "process": "过程管理",
    "year_end": "年终评估",
    "innovation": "创新与加减分",
    "leader": "领导评价",
}
PROCESS_LABELS = {"on_time": "按时填报", "supervision": "督办按时答复", "milestones": "节点按时完成"}
YEAR_END_LABELS = {"self_assessed": "按时自评", "signed": "领导审签", "evidence": "佐证齐全", "claims": "核验通过"}
LEADER_RULES = {"mean": "平均", "median": "中位数", "trimmed": "去掉一个最高分和一个最低分后平均（不足 3 人时平均）"}
PROVISIONAL = "预估"


@dataclass(frozen=True)
class Scheme:
    """How a group's sections are assessed: each part's weight (points), the weights inside the
    process and year-end parts (shares of their part), the co-operating factor, the points per
    innovation level, the leader rule and the grade cut-offs (share of full marks, high to low)."""

    completion: float = 60.0
    process: float = 20.0
    year_end: float = 10.0
    innovation: float = 10.0
    leader: float = 0.0
    co_factor: float = 0.3
    process_split: dict[str, float] = field(default_factory=lambda: {"on_time": 10, "supervision": 5, "milestones": 5})
    year_end_split: dict[str, float] = field(
        default_factory=lambda: {"self_assessed": 3, "signed": 2, "evidence": 3, "claims": 2}
    )
    innovation_levels: dict[str, float] = field(default_factory=lambda: {"国家级": 10, "省级": 6, "市级": 4, "局级": 2})
    leader_rule: str = "mean"
    grades: tuple[tuple[str, float], ...] = (("优秀", 90.0), ("良好", 75.0), ("合格", 60.0), ("不合格", 0.0))

    @property
    def full_marks(self) -> float:
        return self.completion + self.process + self.year_end + self.innovation + self.leader

    def to_json(self) -> str:
        data = asdict(self)
        data["grades"] = [list(g) for g in self.grades]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Scheme:
        """A scheme from its JSON (as stored or typed by the office), checked: one Chinese line per
        problem in a StoreError."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StoreError(f"考评方案不是有效的 JSON：{exc}") from None
        if not isinstance(data, dict):
            raise StoreError("考评方案应为一个 JSON 对象")
        known = set(Scheme.__dataclass_fields__)
        if unknown := sorted(set(data) - known):
            raise StoreError(f"考评方案中有无法识别的项：{'、'.join(unknown)}")
        if "grades" in data:
            data["grades"] = tuple((str(n), float(c)) for n, c in data["grades"])
        try:
            scheme = replace(Scheme(), **data)
        except TypeError as exc:
            raise StoreError(f"考评方案的格式不对：{exc}") from None
        _check(scheme)
        return scheme

    def describe(self) -> list[str]:
        """Each part's weight and formula, as the page explains them."""
        split = "、".join(f"{PROCESS_LABELS[k]} {v:g}" for k, v in self.process_split.items())
        year = "、".join(f"{YEAR_END_LABELS[k]} {v:g}" for k, v in self.year_end_split.items())
        levels = "、".join(f"{k} {v:g} 分" for k, v in self.innovation_levels.items())
        lines = [
            f"**目标完成（{self.completion:g} 分）**：牵头目标按分值全额、协作目标按分值的 {self.co_factor:g} 倍加权，"
            "按计分完成率（报完成的须经核验）计算加权完成率，乘以本项分值。",
            f"**过程管理（{self.process:g} 分）**：各分项占比为 {split}；按时填报 = 统计日前已截止的填报周期中，"
            "本科室有未完成的牵头目标时按时报送的期数占比；督办按时答复 = 已到期的督办事项中在期限内答复的占比；"
            "节点按时完成 = 已到期的节点中，到期日前填报的完成率达到节点要求的占比。",
            f"**年终评估（{self.year_end:g} 分）**：各分项占比为 {year}；"
            "分别为牵头目标中按期提交自评、经分管领导审签、"
            "佐证清单每项都有材料的占比，以及报完成的填报中核验通过的占比。本科室没有应做事项的分项（不牵头目标、没有督办、没有节点），按同组其他科室的平均比例计，全组都没有的按满分：无事可做既不得分也不失分。",
            f"**创新与加减分（{self.innovation:g} 分）**：绩效办遴选的本科室创新成果按级别计分（{levels}），"
            "不超过本项分值。",
        ]
        if self.leader:
            lines.append(
                f"**领导评价（{self.leader:g} 分）**：各分管领导打分（0–100），"
                f"按{LEADER_RULES[self.leader_rule]}，乘以本项分值 ÷ 100。"
            )
        cuts = "、".join(f"{n} ≥ {c:g}%" for n, c in self.grades[:-1])
        lines.append(
            f"**合计**：各部分之和加绩效办的调整分（须写明理由）；组内按合计排名，等次按合计占满分（{self.full_marks:g}）的比例：{cuts}，其余为{self.grades[-1][0]}。"
        )
        return lines


def _check(s: Scheme) -> None:
    problems = []
    for name in PART_LABELS:
        value = getattr(s, name)
        if not isinstance(value, int | float) or not 0 <= value <= 100:
            problems.append(f"{PART_LABELS[name]}的分值应在 0 到 100 之间")
    if s.full_marks <= 0:
        problems.append("各部分分值之和应大于 0")
    if not 0 <= s.co_factor <= 1:
        problems.append("协作目标的系数应在 0 到 1 之间")
    for split, labels, what in (
        (s.process_split, PROCESS_LABELS, "过程管理"),
        (s.year_end_split, YEAR_END_LABELS, "年终评估"),
    ):
        if set(split) != set(labels) or any(float(v) < 0 for v in split.values()) or sum(split.values()) <= 0:
            problems.append(f"{what}的分项应为 {'、'.join(labels.values())}，各不小于 0，合计大于 0")
    if s.leader_rule not in LEADER_RULES:
        problems.append(f"领导评价的计算方式应为 {'、'.join(LEADER_RULES.values())} 之一")
    cuts = [c for _, c in s.grades]
    if len(cuts) < 2 or cuts != sorted(cuts, reverse=True) or cuts[-1] != 0 or len(set(cuts)) != len(cuts):
        problems.append("等次分界应从高到低排列、互不相同，最低一档为 0")
    if problems:
        raise StoreError("\n".join(problems))


# ---------------------------------------------------------------------------
# Reading the settings


def schemes(store: Database, plan_id: int) -> dict[str, Scheme]:
    """The plan's stored schemes by group ('' = the default for every group without its own)."""
    df = store.query("SELECT grp, scheme_json FROM assessment_schemes WHERE plan_id = $p", {"p": plan_id})
    out = {str(g): Scheme.from_json(j) for g, j in zip(df["grp"], df["scheme_json"], strict=True)}
    out.setdefault("", Scheme())
    return out


def collective(name: str) -> bool:
    """A name for every section at once (各科室, 各处室): not a section to assess."""
    return name.startswith("各")


def sections_of(store: Database, plan_id: int) -> list[str]:
    """Every section named by the plan (lead or co-operating), in first-seen order, leaving out
    collective names (各科室)."""
    df = store.query(
        "SELECT s.section FROM target_sections s JOIN targets t USING (plan_id, code) "
        "WHERE s.plan_id = $p ORDER BY t.seq, s.seq",
        {"p": plan_id},
    )
    return [s for s in dict.fromkeys(df["section"]) if not collective(str(s))]


def groups(store: Database, plan_id: int) -> dict[str, str]:
    """Each section's group (分类考评): the office's setting, else 全部科室."""
    df = store.query("SELECT section, grp FROM section_groups WHERE plan_id = $p", {"p": plan_id})
    set_ = dict(zip(df["section"], df["grp"], strict=True))
    return {s: set_.get(s, DEFAULT_GROUP) for s in sections_of(store, plan_id)}


def adjustments(store: Database, plan_id: int) -> pd.DataFrame:
    """The office's adjustments in force (not withdrawn), oldest first."""
    return store.query(
        "SELECT adjustment_id, section, points::DOUBLE AS points, reason, created_by, created_at "
        "FROM section_adjustments WHERE plan_id = $p AND withdrawn_at IS NULL ORDER BY adjustment_id",
        {"p": plan_id},
    )


def leader_ratings(store: Database, plan_id: int) -> pd.DataFrame:
    """Each 分管领导's score of each section, as the office entered them."""
    return store.query(
        "SELECT section, leader, score::DOUBLE AS score, rated_by, rated_at FROM leader_ratings "
        "WHERE plan_id = $p ORDER BY section, leader",
        {"p": plan_id},
    )


def lock_of(store: Database, plan_id: int) -> pd.Series | None:
    """The plan's locked results (as_of, snapshot, who, when), or None while they are provisional."""
    df = store.query("SELECT * FROM assessment_locks WHERE plan_id = $p", {"p": plan_id})
    return None if df.empty else df.iloc[0]


# ---------------------------------------------------------------------------
# The result


@dataclass
class Result:
    """Each section's assessment: ``table`` (one row per section: group, each part's points, the
    adjustments, the leader average, total, rank and grade within the group) and ``details`` (the
    measures behind each part, and what would raise it, per section)."""

    table: pd.DataFrame
    details: dict[str, dict]
    as_of: date
    locked: bool = False
    locked_by: str | None = None
    locked_at: datetime | None = None

    @property
    def provisional(self) -> bool:
        return not self.locked

    def as_json(self) -> dict:
        rows = []
        for r in self.table.itertuples():
            rows.append(
                {
                    "section": r.section,
                    "group": r.group,
                    "parts": {k: round(float(getattr(r, k)), 2) for k in PART_LABELS},
                    "adjustments": round(float(r.adjustment), 2),
                    "total": round(float(r.total), 2),
                    "rank": int(r.rank),
                    "grade": r.grade,
                }
            )
        return {"as_of": self.as_of.isoformat(), "locked": self.locked, "sections": rows}


COLUMNS = ["section", "group", *PART_LABELS, "adjustment", "leader_avg", "total", "full_marks", "rank", "grade"]


def assess(store: Database, plan_id: int, as_of: date, year: int) -> Result:
    """Every section's result on ``as_of``: the locked snapshot when the office locked the
    results, else computed now (provisional, 预估)."""
    locked = lock_of(store, plan_id)
    if locked is not None:
        data = json.loads(locked["results_json"])
        return Result(
            pd.DataFrame(data["table"], columns=COLUMNS),
            data["details"],
            pd.Timestamp(locked["as_of"]).date(),
            True,
            str(locked["locked_by"]),
            pd.Timestamp(locked["locked_at"]).to_pydatetime(),
        )
    return compute(store, plan_id, as_of, year)


def compute(store: Database, plan_id: int, as_of: date, year: int) -> Result:
    """The assessment computed from the data as of ``as_of`` (ignores a lock)."""
    state = claims.counted(queries.target_state(store, plan_id, as_of, year))
    by_group = schemes(store, plan_id)
    group_of = groups(store, plan_id)
    on_time = measures.on_time(store, plan_id, state, as_of)
    answered = measures.supervision(store, plan_id, as_of)
    marks = measures.milestones(store, plan_id, state, as_of)
    year_end = measures.year_end(store, plan_id, state, year)
    innov = evaluation.innovations(store, plan_id)
    innov = innov[innov["selected"]] if not innov.empty else innov
    adjust = adjustments(store, plan_id).groupby("section")["points"].sum()
    ratings = leader_ratings(store, plan_id)
    rows, details = [], {}
    weights = {g: measures.role_weights(state, s.co_factor) for g, s in by_group.items()}
    completions = {g: measures.completion(w) for g, w in weights.items()}
    found = {
        section: (
            {
                "on_time": on_time.get(section, (0, 0)),
                "supervision": answered.get(section, (0, 0)),
                "milestones": marks.get(section, (0, 0)),
            },
            year_end.get(section, {k: (0, 0) for k in YEAR_END_LABELS}),
        )
        for section in group_of
    }
    neutral = _neutral_rates(found, group_of)
    for section, group in group_of.items():
        scheme = by_group.get(group, by_group[""])
        rate = completions[group if group in by_group else ""].get(section, 0.0)
        process, ends = found[section]
        mine = innov[innov["section"] == section] if not innov.empty else innov
        levels = [(str(t), str(lv)) for t, lv in zip(mine.get("title", []), mine.get("level", []), strict=True)]
        scores = list(ratings.loc[ratings["section"] == section, "score"].astype(float))
        leader_avg = _average(scores, scheme.leader_rule)
        parts = {
            "completion": scheme.completion * rate,
            "process": scheme.process * _weighted(process, scheme.process_split, neutral[group]),
            "year_end": scheme.year_end * _weighted(ends, scheme.year_end_split, neutral[group]),
            "innovation": float(min(scheme.innovation, sum(scheme.innovation_levels.get(lv, 0) for _, lv in levels))),
            "leader": scheme.leader * (leader_avg or 0) / 100,
        }
        adjustment = float(adjust.get(section, 0.0))
        total = sum(parts.values()) + adjustment
        rows.append(
            [
                section,
                group,
                *(round(v, 2) for v in parts.values()),
                round(adjustment, 2),
                leader_avg,
                round(total, 2),
                scheme.full_marks,
                0,
                "",
            ]
        )
        details[section] = {
            "completion_rate": round(rate * 100, 1),
            "process": {k: list(v) for k, v in process.items()},
            "year_end": {k: list(v) for k, v in ends.items()},
            "innovations": levels,
            "leader_scores": scores,
            "neutral": neutral[group],  # the rate of a measure with nothing due to this section
            "raise": _what_would_raise(section, weights[group if group in by_group else ""], scheme, process, ends),
        }
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["rank"] = table.groupby("group")["total"].rank(method="min", ascending=False).astype(int)
    table["grade"] = [
        _grade(by_group.get(g, by_group[""]), t) for g, t in zip(table["group"], table["total"], strict=True)
    ]
    table = table.sort_values(["group", "rank", "section"], kind="stable").reset_index(drop=True)
    return Result(table, details, as_of)


def _neutral_rates(
    found: dict[str, tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]], group_of: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Per group, the rate a section gets for a measure with nothing due to it (it leads no
    target, no 督办 was issued to it): the average rate of the group's sections that had it due,
    so that having nothing to do neither wins nor loses points; 1 when no section of the group had
    it due (nothing was missed)."""
    out: dict[str, dict[str, float]] = {}
    for group in set(group_of.values()):
        members = [found[s] for s, g in group_of.items() if g == group]
        rates: dict[str, list[float]] = {}
        for process, ends in members:
            for key, (met, due) in {**process, **ends}.items():
                if due:
                    rates.setdefault(key, []).append(met / due)
        out[group] = {k: sum(v) / len(v) for k, v in rates.items()}
    return out


def _weighted(values: dict[str, tuple[int, int]], split: dict[str, float], neutral: dict[str, float]) -> float:
    total = sum(split.values())
    rates = {k: met / due if due else neutral.get(k, 1.0) for k, (met, due) in values.items()}
    return sum(rates[k] * w for k, w in split.items()) / total if total else 0.0


def _average(scores: list[float], rule: str) -> float | None:
    if not scores:
        return None
    if rule == "median":
        return round(float(statistics.median(scores)), 2)
    if rule == "trimmed" and len(scores) >= 3:
        scores = sorted(scores)[1:-1]
    return round(sum(scores) / len(scores), 2)


def _grade(scheme: Scheme, total: float) -> str:
    share = total / scheme.full_marks * 100 if scheme.full_marks else 0
    # Below the lowest cut-off (0) only with negative adjustments: still the lowest grade.
    return next((name for name, cut in scheme.grades if share >= cut - 1e-9), scheme.grades[-1][0])


def _what_would_raise(
    section: str,
    weights: pd.DataFrame,
    scheme: Scheme,
    process: dict[str, tuple[int, int]],
    ends: dict[str, tuple[int, int]],
) -> list[str]:
    """Up to five plain sentences: where this section's points are, largest first."""
    hints: list[tuple[float, str]] = []
    mine = weights[weights["section"] == section]
    total = mine["weight"].sum()
    if total:
        gains = (mine["weight"] * (100 - mine["pct"]) / 100 / total * scheme.completion).round(2)
        for (_, r), gain in sorted(zip(mine.iterrows(), gains, strict=True), key=lambda x: -x[1])[:3]:
            if gain >= 0.05:
                role = "牵头" if r["lead"] else "协作"
                hints.append(
                    (
                        gain,
                        f"把{role}目标 {r['code']} 从 {r['pct']:g}% 推进到完成（经核验），"
                        f"目标完成一项可增加约 {gain:.2f} 分",
                    )
                )
    psum = sum(scheme.process_split.values()) or 1
    for key, (met, due) in process.items():
        if due and met < due:
            gain = scheme.process * scheme.process_split[key] / psum * (due - met) / due
            hints.append(
                (gain, f"{PROCESS_LABELS[key]}：{due} 次中有 {due - met} 次未做到，补上的部分约占 {gain:.2f} 分")
            )
    ysum = sum(scheme.year_end_split.values()) or 1
    for key, (met, due) in ends.items():
        if due and met < due:
            gain = scheme.year_end * scheme.year_end_split[key] / ysum * (due - met) / due
            hints.append((gain, f"{YEAR_END_LABELS[key]}：{due} 项中还有 {due - met} 项，约 {gain:.2f} 分"))
    return [text for _, text in sorted(hints, key=lambda h: -h[0])[:5]]


# ---------------------------------------------------------------------------
# Writes


class AssessmentWrites:
    """The assessment's settings, the office's judgement and the lock (part of perfdash.store.Store)."""

    def _office(self: Database, plan_id: int, actor: Actor, what: str, unlocked: bool = True) -> None:
        require_role(actor, {"office"}, what)
        self.require_unit(plan_id, actor)
        if unlocked and lock_of(self, plan_id) is not None:
            raise StoreError("内设科室考评结果已锁定：请先解除锁定（须写明理由）再修改")

    def set_scheme(self: Database, plan_id: int, group: str, scheme_json: str, actor: Actor) -> Scheme:
        """A group's scheme ('' = every group without its own), checked; the old one to the audit."""
        self._office(plan_id, actor, "设置考评方案")
        scheme = Scheme.from_json(scheme_json)
        group = bounded("分组", group, "name")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute(
                "SELECT scheme_json FROM assessment_schemes WHERE plan_id = ? AND grp = ?", [plan_id, group]
            )
            w.execute("DELETE FROM assessment_schemes WHERE plan_id = ? AND grp = ?", [plan_id, group])
            w.execute(
                "INSERT INTO assessment_schemes (plan_id, grp, scheme_json, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [plan_id, group, scheme.to_json(), actor.name, datetime.now()],
            )
            w.audit(
                "设置考评方案",
                "assessment_scheme",
                group or "默认",
                json.loads(old[0][0]) if old else None,
                json.loads(scheme.to_json()),
            )
        return scheme

    def clear_scheme(self: Database, plan_id: int, group: str, actor: Actor) -> None:
        """A group's own scheme removed (the group follows the default again); the default itself
        is changed, not removed."""
        self._office(plan_id, actor, "恢复默认考评方案")
        if not group:
            raise StoreError("默认考评方案不能删除，只能修改")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute(
                "SELECT scheme_json FROM assessment_schemes WHERE plan_id = ? AND grp = ?", [plan_id, group]
            )
            if not old:
                raise StoreError(f"“{group}”没有单独的考评方案")
            w.execute("DELETE FROM assessment_schemes WHERE plan_id = ? AND grp = ?", [plan_id, group])
            w.audit("恢复默认考评方案", "assessment_scheme", group, json.loads(old[0][0]), None)

    def set_groups(self: Database, plan_id: int, mapping: dict[str, str], actor: Actor) -> None:
        """Each section's group (分类考评); a section left out keeps 全部科室."""
        self._office(plan_id, actor, "设置考评分组")
        known = set(sections_of(self, plan_id))
        if unknown := sorted(set(mapping) - known):
            raise StoreError(f"本方案没有这些科室：{'、'.join(unknown)}")
        clean = {s: bounded(f"{s}的分组", g, "name", required=True) for s, g in mapping.items()}
        with self.write(actor, plan_id=plan_id) as w:
            old = dict(w.execute("SELECT section, grp FROM section_groups WHERE plan_id = ?", [plan_id]))
            w.execute("DELETE FROM section_groups WHERE plan_id = ?", [plan_id])
            w.insert(
                "section_groups",
                ("plan_id", "section", "grp", "updated_by", "updated_at"),
                [(plan_id, s, g, actor.name, datetime.now()) for s, g in clean.items()],
            )
            w.audit("设置考评分组", "section_groups", str(plan_id), old or None, clean)

    def add_section_adjustment(
        self: Database, plan_id: int, section: str, points: float, reason: str, actor: Actor
    ) -> int:
        """The office adjusts a section's result by ``points`` (±) with a reason."""
        self._office(plan_id, actor, "调整科室考评结果")
        if section not in set(sections_of(self, plan_id)):
            raise StoreError(f"本方案没有科室“{section}”")
        if not -100 <= float(points) <= 100 or float(points) == 0:
            raise StoreError("调整分应在 -100 到 100 之间，且不为 0")
        reason = bounded("调整理由", reason, "text", required=True)
        with self.write(actor, plan_id=plan_id) as w:
            aid = w.execute(
                "INSERT INTO section_adjustments (plan_id, section, points, reason, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING adjustment_id",
                [plan_id, section, round(float(points), 2), reason, actor.name, datetime.now()],
            )[0][0]
            w.audit("调整科室考评结果", "section_adjustment", section, None, {"points": float(points), "note": reason})
        return int(aid)

    def withdraw_section_adjustment(self: Database, plan_id: int, adjustment_id: int, actor: Actor) -> None:
        """Withdraw an adjustment (the row stays, marked withdrawn, for the audit)."""
        self._office(plan_id, actor, "撤销科室考评调整")
        with self.write(actor, plan_id=plan_id) as w:
            found = w.execute(
                "SELECT section, points::DOUBLE, reason FROM section_adjustments "
                "WHERE adjustment_id = ? AND plan_id = ? "
                "AND withdrawn_at IS NULL",
                [adjustment_id, plan_id],
            )
            if not found:
                raise StoreError(f"没有编号为 {adjustment_id} 的有效调整")
            w.execute(
                "UPDATE section_adjustments SET withdrawn_by = ?, withdrawn_at = ? WHERE adjustment_id = ?",
                [actor.name, datetime.now(), adjustment_id],
            )
            section, points, reason = found[0]
            w.audit(
                "撤销科室考评调整",
                "section_adjustment",
                section,
                {"points": points, "note": reason},
                {"withdrawn": True},
            )

    def rate_section(
        self: Database, plan_id: int, section: str, leader: str, score: float | None, actor: Actor
    ) -> None:
        """A 分管领导's score (0–100) of a section (领导评价), entered by the office; None clears it."""
        self._office(plan_id, actor, "录入领导评价")
        if section not in set(sections_of(self, plan_id)):
            raise StoreError(f"本方案没有科室“{section}”")
        leader = bounded("领导姓名", leader, "name", required=True)
        if score is not None and not 0 <= float(score) <= 100:
            raise StoreError("领导评价应在 0 到 100 之间")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute(
                "SELECT score::DOUBLE FROM leader_ratings WHERE plan_id = ? AND section = ? AND leader = ?",
                [plan_id, section, leader],
            )
            w.execute(
                "DELETE FROM leader_ratings WHERE plan_id = ? AND section = ? AND leader = ?",
                [plan_id, section, leader],
            )
            if score is not None:
                w.execute(
                    "INSERT INTO leader_ratings (plan_id, section, leader, score, rated_by, rated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [plan_id, section, leader, round(float(score), 1), actor.name, datetime.now()],
                )
            w.audit("录入领导评价", "leader_rating", f"{section}·{leader}", old[0][0] if old else None, score)

    def lock_assessment(self: Database, plan_id: int, as_of: date, year: int, actor: Actor) -> Result:
        """Fix the results as computed on ``as_of``: from now on they are this snapshot."""
        self._office(plan_id, actor, "锁定科室考评结果")
        result = compute(self, plan_id, as_of, year)
        snapshot = json.dumps(
            {"table": result.table.to_dict("records"), "details": result.details}, ensure_ascii=False, default=str
        )
        with self.write(actor, plan_id=plan_id) as w:
            w.execute(
                "INSERT INTO assessment_locks (plan_id, as_of, results_json, locked_by, locked_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [plan_id, as_of, snapshot, actor.name, datetime.now()],
            )
            w.audit("锁定科室考评结果", "assessment_lock", str(plan_id), None, result.as_json())
        return assess(self, plan_id, as_of, year)

    def unlock_assessment(self: Database, plan_id: int, reason: str, actor: Actor) -> None:
        """Unlock the results (a reason is required): they are computed from the data again."""
        self._office(plan_id, actor, "解除科室考评锁定", unlocked=False)
        reason = bounded("解除理由", reason, "text", required=True)
        with self.write(actor, plan_id=plan_id) as w:
            found = w.execute("SELECT as_of, locked_by FROM assessment_locks WHERE plan_id = ?", [plan_id])
            if not found:
                raise StoreError("内设科室考评结果没有锁定")
            w.execute("DELETE FROM assessment_locks WHERE plan_id = ?", [plan_id])
            w.audit(
                "解除科室考评锁定",
                "assessment_lock",
                str(plan_id),
                {"as_of": str(found[0][0]), "locked_by": found[0][1]},
                {"note": reason},
            )
