"""Scoring: the rules that turn completion into points, 加分/扣分 and 一票否决, the grade,
and totals per group against the plan's own structure (70/20/4/4/1/1 = 100 in the Quanzhou
system; whatever the document states otherwise, such as 1000 points).

Rules the office chooses and tunes (all in ``Rules``):

- ``proportional`` (default): a target scores points × min(completion, 100 %).
- ``stepped``: full points at 100 %; otherwise the share of the highest step reached
  (default ≥ 90 % → 0.9, ≥ 80 % → 0.8, ≥ 70 % → 0.7, ≥ 60 % → 0.6), and 0 below the floor (60 %).
- lateness: a share of the target's points deducted per month (or part month) late, capped;
  off by default (0 per month).
- 加分 / 扣分 entries recorded by the office are added to / taken from the total; a 一票否决
  entry caps the grade (default: no better than 一般) whatever the total.
- grade bands: 优秀 ≥ 90 %, 良好 ≥ 80 %, 一般 ≥ 60 %, 较差 below — of the plan's total points
  (90 of 100; 900 of a 1000-point plan). These are provisional defaults, not official cut-offs:
  the office sets its own.
- rounding: the total is rounded to two decimals, halves up (``fmt.round_score``), and graded as
  rounded; every page, export and the CLI show scores so (``fmt.score``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from perfdash.core import fmt

RULE_LABELS = {"proportional": "按比例计分", "stepped": "分档计分"}
DEFAULT_STEPS: tuple[tuple[float, float], ...] = ((90.0, 0.9), (80.0, 0.8), (70.0, 0.7), (60.0, 0.6))
DEFAULT_BANDS: tuple[tuple[str, float], ...] = (("优秀", 90.0), ("良好", 80.0), ("一般", 60.0), ("较差", 0.0))
DAYS_PER_MONTH = 30  # a month late = each started 30 days after the deadline
ADJUSTMENT_KINDS = {"bonus": "加分", "deduction": "扣分", "veto": "一票否决"}


@dataclass(frozen=True)
class Rules:
    """The office's scoring settings. Every field has a default; see the module docstring."""

    rule: str = "proportional"
    steps: tuple[tuple[float, float], ...] = DEFAULT_STEPS
    floor: float = 60.0
    late_share_per_month: float = 0.0
    late_cap: float = 0.5
    bands: tuple[tuple[str, float], ...] = DEFAULT_BANDS
    veto_grade: str = "一般"

    def __post_init__(self) -> None:
        if self.rule not in RULE_LABELS:
            raise ValueError(f"未知的计分规则“{self.rule}”（可选：{'、'.join(RULE_LABELS)}）")
        if not 0 <= self.late_share_per_month <= 1 or not 0 <= self.late_cap <= 1:
            raise ValueError("逾期扣分比例和上限应在 0 到 1 之间")
        names = [b[0] for b in self.bands]
        if self.veto_grade not in names:
            raise ValueError(f"一票否决封顶等次“{self.veto_grade}”不在等次（{'、'.join(names)}）中")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Rules:
        raw = json.loads(text)
        raw["steps"] = tuple(tuple(s) for s in raw.get("steps", DEFAULT_STEPS))
        raw["bands"] = tuple(tuple(b) for b in raw.get("bands", DEFAULT_BANDS))
        return cls(**raw)

    def with_rule(self, rule: str) -> Rules:
        return replace(self, rule=rule)

    def with_lateness(self, share_per_month: float, cap: float) -> Rules:
        return replace(self, late_share_per_month=share_per_month, late_cap=cap)


@dataclass(frozen=True)
class Adjustment:
    """One 加分 / 扣分 / 一票否决 entry (points ≥ 0; the kind gives the sign)."""

    kind: str
    points: float
    note: str
    group: str | None = None


@dataclass
class Score:
    """A scored state: the total, the subtotal per group, the grade, and each target's score; the
    plan's total points (``possible``) and each group's, from its own targets."""

    total: float
    groups: dict[str, float]
    grade: str
    targets: pd.DataFrame
    bonus: float = 0.0
    deduction: float = 0.0
    vetoed: bool = False
    lost_by_indicator: dict[str, float] = field(default_factory=dict)
    possible: float = 100.0
    groups_possible: dict[str, float] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        """The total as a share of the plan's points, in percent (what the grade bands read)."""
        return float(percent_of(self.total, self.possible))

    def as_json(self) -> dict:
        """The form ``python -m perfdash score --json`` prints."""
        return {
            "total": _round(self.total),
            "groups": {g: _round(v) for g, v in self.groups.items()},
            "grade": self.grade,
            "possible": _round(self.possible),
        }


def percent_of(total: float | np.ndarray, possible: float) -> float | np.ndarray:
    """A total (or an array of them) as a percentage of the plan's points (a plan of no points
    counts as 100)."""
    return total / possible * 100.0 if possible > 0 else total


def group_points(state: pd.DataFrame) -> dict[str, float]:
    """Each group's points in a target-state frame, in the order the plan lists them."""
    return {str(g): float(v) for g, v in state.groupby("group", sort=False)["points"].sum().items()}


def _round(x: float) -> float | int:
    value = fmt.round_score(x)
    return int(value) if value.is_integer() else value


def share(completion: np.ndarray, rules: Rules) -> np.ndarray:
    """Share of a target's points earned at a completion (percent), before lateness. Vectorised."""
    c = np.clip(np.asarray(completion, dtype=float), 0.0, 100.0)
    if rules.rule == "proportional":
        c /= 100.0  # in place: a simulation's arrays are large (10,000 draws × the targets)
        return c
    out = np.zeros_like(c)
    for threshold, part in sorted(rules.steps, reverse=True):
        if threshold < rules.floor:
            continue
        out = np.where((out == 0) & (c >= threshold), part, out)
    return np.where(c >= 100.0, 1.0, out)


def months_late(finished: pd.Series, deadline: pd.Series, as_of: date, completion: pd.Series) -> np.ndarray:
    """Months (each started 30 days) a target is or was late: finished after its deadline, or
    still unfinished at ``as_of`` past it."""
    deadline = pd.to_datetime(deadline)
    end = pd.to_datetime(finished).where(np.asarray(completion) >= 100, pd.Timestamp(as_of))
    days = (end - deadline).dt.days.fillna(0).to_numpy(dtype=float)
    return np.where(days > 0, np.ceil(days / DAYS_PER_MONTH), 0.0)


def target_scores(points: np.ndarray, completion: np.ndarray, late_months: np.ndarray, rules: Rules) -> np.ndarray:
    """Each target's score: rule share × points, less the lateness deduction (never below 0)."""
    points = np.asarray(points, dtype=float)
    base = share(completion, rules)
    late = np.asarray(late_months, dtype=float)
    if base.shape == np.broadcast_shapes(base.shape, points.shape, late.shape):
        # The same arithmetic in place (a simulation scores 10,000 draws × the targets at once, and
        # every temporary of that size costs as much as the sums): bit for bit the same scores.
        base *= points
        if rules.late_share_per_month == 0 and np.isfinite(late).all():
            return np.maximum(base, 0.0, out=base)  # the deduction is 0 × points: nothing to take away
        base -= points * np.minimum(rules.late_share_per_month * late, rules.late_cap)
        return np.maximum(base, 0.0, out=base)
    base = points * base
    penalty = points * np.minimum(rules.late_share_per_month * late, rules.late_cap)
    return np.maximum(base - penalty, 0.0)


def grade(total: float, rules: Rules, vetoed: bool = False, possible: float = 100.0) -> str:
    """The grade of a total under the bands (percent of the plan's ``possible`` points); a veto
    caps it at ``rules.veto_grade``."""
    bands = sorted(rules.bands, key=lambda b: b[1], reverse=True)
    pct = percent_of(total, possible)
    name = next((n for n, cut in bands if pct >= cut - 1e-9), bands[-1][0])
    if vetoed:
        order = [n for n, _ in bands]
        if order.index(name) < order.index(rules.veto_grade):
            name = rules.veto_grade
    return name


def score(
    state: pd.DataFrame,
    rules: Rules | None = None,
    completion: dict[str, float] | None = None,
    adjustments: list[Adjustment] | None = None,
    as_of: date | None = None,
    fixed: dict[str, float] | None = None,
) -> Score:
    """Score a target-state frame (columns code, group, indicator_code, points, completion_pct,
    deadline; finished_on for lateness), optionally with completion overrides per code, and
    with ``fixed`` scores per code (the year-end evaluation's) taking the place of the rules'."""
    rules = rules or Rules()
    frame = state.copy()
    if completion:
        frame["completion_pct"] = [
            float(completion.get(c, p)) for c, p in zip(frame["code"], frame["completion_pct"], strict=True)
        ]
    if rules.late_share_per_month > 0 and as_of is not None:
        finished = frame["finished_on"] if "finished_on" in frame else pd.Series([pd.NaT] * len(frame))
        late = months_late(finished, frame["deadline"], as_of, frame["completion_pct"])
    else:
        late = np.zeros(len(frame))
    frame["months_late"] = late
    frame["score"] = target_scores(frame["points"].to_numpy(), frame["completion_pct"].to_numpy(), late, rules)
    if fixed:
        frame["score"] = [float(fixed.get(c, v)) for c, v in zip(frame["code"], frame["score"], strict=True)]
    possible_by_group = group_points(frame)
    # Each group's sum as pandas' Series.sum gives it (NaN as 0, numpy's pairwise sum), on numpy
    # arrays: a boolean .loc per group costs more than the sums themselves.
    scores, names = frame["score"].to_numpy(dtype=float), frame["group"].to_numpy(dtype=object)
    groups = {g: float(_nan_as_zero(scores[names == g]).sum()) for g in possible_by_group}
    possible = float(frame["points"].sum())
    adjustments = adjustments or []
    bonus = sum(a.points for a in adjustments if a.kind == "bonus")
    deduction = sum(a.points for a in adjustments if a.kind == "deduction")
    vetoed = any(a.kind == "veto" for a in adjustments)
    total = fmt.round_score(float(frame["score"].sum()) + bonus - deduction)  # graded as shown
    lost = (frame["points"] - frame["score"]).groupby(frame["indicator_code"], sort=False).sum()
    return Score(
        total=total,
        groups=groups,
        grade=grade(total, rules, vetoed, possible),
        targets=frame,
        bonus=bonus,
        deduction=deduction,
        vetoed=vetoed,
        lost_by_indicator={str(k): float(v) for k, v in lost.items()},
        possible=possible,
        groups_possible=possible_by_group,
    )


def _nan_as_zero(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), 0.0, values)


def group_table(result: Score) -> pd.DataFrame:
    """Group subtotals against the plan's structure, with the points lost in each."""
    rows = [
        {
            "group": g,
            "structure_points": float(p),
            "score": result.groups.get(g, 0.0),
            "lost": float(p) - result.groups.get(g, 0.0),
        }
        for g, p in result.groups_possible.items()
    ]
    return pd.DataFrame(rows, columns=["group", "structure_points", "score", "lost"])


def waterfall_steps(result: Score, by: str = "group") -> pd.DataFrame:
    """The steps from the plan's total points down to the projected total: points lost per group
    (or per indicator), then 加分 and 扣分. Columns: label, delta."""
    if by == "group":
        steps = [(g, -(float(p) - result.groups.get(g, 0.0))) for g, p in result.groups_possible.items()]
    else:
        steps = [(code, -lost) for code, lost in result.lost_by_indicator.items()]
    steps = [(label, delta) for label, delta in steps if abs(delta) > 1e-9]
    if result.bonus:
        steps.append(("加分", result.bonus))
    if result.deduction:
        steps.append(("扣分", -result.deduction))
    return pd.DataFrame(steps, columns=["label", "delta"])


def bulk_set(state: pd.DataFrame, by: str, value: str, completion_pct: float) -> dict[str, float]:
    """Completion for every target of one indicator, section or leader ("everything of 中教科 at
    90 %"): section and leader match every target they are listed on."""
    if not 0 <= completion_pct <= 100:
        raise ValueError("完成率应在 0 到 100 之间")
    if by == "indicator":
        mask = state["indicator_code"] == value
    elif by == "section":
        mask = state["sections"].map(lambda secs: value in list(secs))
    elif by == "leader":
        mask = state["leaders"].map(lambda names: value in list(names))
    elif by == "group":
        mask = state["group"] == value
    else:
        raise ValueError(f"未知的批量维度“{by}”")
    return {code: float(completion_pct) for code in state.loc[mask, "code"]}


BASES = {"current": "当前进度", "forecast": "预测年终", "complete": "全部完成"}


def base_values(state: pd.DataFrame, base: str, forecast: pd.DataFrame | None = None) -> dict[str, float]:
    """The completion per target a simulation starts from: as of now, the forecast, or all done."""
    if base == "current":
        return dict(zip(state["code"], state["completion_pct"].astype(float), strict=True))
    if base == "complete":
        return dict.fromkeys(state["code"], 100.0)
    if base == "forecast":
        if forecast is None:
            raise ValueError("预测起点需要先计算预测")
        return dict(zip(forecast["code"], forecast["forecast_pct"].astype(float), strict=True))
    raise ValueError(f"未知的起点“{base}”")


def adjustments_of(frame: pd.DataFrame) -> list[Adjustment]:
    """Adjustment entries from the store's adjustments query."""
    return [
        Adjustment(kind=r.kind, points=float(r.points), note=str(r.note), group=None if pd.isna(r.group) else r.group)
        for r in frame.itertuples()
    ]


def compare(
    state: pd.DataFrame,
    named: list[tuple[str, dict[str, float], Rules]],
    adjustments: list[Adjustment] | None = None,
    as_of: date | None = None,
    scorer: Callable[[str, dict[str, float], Rules], Score] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two or more scenarios side by side: (summary, differing targets). Each is scored by
    ``scorer(name, values, rules)`` (the pages pass official.what_if, the one score's simulation,
    with each scenario's own hypothetical entries), else by the rules.

    summary: one row per scenario — total, grade and each group's subtotal.
    differing targets: one row per target whose completion or score differs between scenarios
    (code, target text, points), with each scenario's completion and score."""
    scorer = scorer or (lambda _name, values, rules: score(state, rules, values, adjustments, as_of))
    results = [(name, scorer(name, values, rules)) for name, values, rules in named]
    summary = pd.DataFrame([{"scenario": name, "total": r.total, "grade": r.grade, **r.groups} for name, r in results])
    wide = state[[c for c in ("code", "target", "points") if c in state.columns]].copy()
    for name, r in results:
        wide[f"{name}·完成率"] = r.targets["completion_pct"].to_numpy()
        wide[f"{name}·得分"] = r.targets["score"].round(2).to_numpy()
    score_cols = [f"{name}·得分" for name, _ in results]
    pct_cols = [f"{name}·完成率" for name, _ in results]
    differs = (wide[score_cols].nunique(axis=1) > 1) | (wide[pct_cols].nunique(axis=1) > 1)
    return summary, wide[differs].reset_index(drop=True)


def changed_codes(state: pd.DataFrame, completion: dict[str, float]) -> set[str]:
    """The targets a simulation's completions move away from their current completion: the ones
    the rules re-score, and the count its label states."""
    return {
        str(c)
        for c, p in zip(state["code"], state["completion_pct"].astype(float), strict=True)
        if float(completion.get(c, p)) != p
    }


@dataclass(frozen=True)
class SimulationLabel:
    """What every screen and file built from a simulation carries: its name and assumptions."""

    name: str
    assumptions: tuple[tuple[str, str], ...]

    @property
    def banner(self) -> str:
        return f"模拟：{self.name}，非正式结果"


def simulation_label(
    name: str,
    base: str,
    rules: Rules,
    changed: int,
    as_of: date,
    note: str = "",
    official: Rules | None = None,
    hypothetical: list[Adjustment] | None = None,
) -> SimulationLabel:
    """A simulation's label: its name (a saved scenario's, else 未保存的模拟) and what it assumes —
    whether its rules differ from the plan's ``official`` ones, and its hypothetical entries."""
    late = (
        f"每月 {rules.late_share_per_month:.0%}，上限 {rules.late_cap:.0%}" if rules.late_share_per_month else "不扣分"
    )
    differs = official is not None and rules != official
    entries = "；".join(f"{ADJUSTMENT_KINDS[a.kind]} {a.points:g} 分（{a.note}）" for a in hypothetical or [])
    return SimulationLabel(
        name.strip() or "未保存的模拟",
        (
            ("性质", "模拟测算，非正式结果；正式自评表在“综合评估”导出"),
            ("起点", BASES.get(base, base)),
            ("计分规则", RULE_LABELS[rules.rule] + ("（与正式计分规则不同）" if differs else "")),
            ("逾期扣分", late),
            ("改动完成率的目标", f"{changed} 项"),
            *((("假设的加减分", entries),) if entries else ()),
            ("统计日期", as_of.isoformat()),
            *((("说明", note.strip()),) if note.strip() else ()),
        ),
    )


def adjustments_json(entries: list[Adjustment]) -> str:
    """A scenario's hypothetical entries as stored with it."""
    return json.dumps([asdict(a) for a in entries], ensure_ascii=False)


def adjustments_from_json(text: str | None) -> list[Adjustment]:
    """A saved scenario's hypothetical entries (none for a scenario saved without them)."""
    if not isinstance(text, str) or not text:
        return []
    return [Adjustment(**a) for a in json.loads(text)]


def simulation_frame(state: pd.DataFrame, values: dict[str, float]) -> pd.DataFrame:
    """The rows the 评分模拟 editor shows: each target with its current and simulated completion."""
    return pd.DataFrame(
        {
            "code": state["code"].astype(str),
            "target": state["target"].astype(str),
            "lead_section": state["lead_section"].astype(str),
            "points": state["points"].astype(float),
            "current_pct": state["completion_pct"].astype(float),
            "sim_pct": [float(values.get(c, p)) for c, p in zip(state["code"], state["completion_pct"], strict=True)],
        }
    ).reset_index(drop=True)
