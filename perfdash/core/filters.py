"""The dashboard filters shared by every page (group, indicator, section, leader, status) and
their form in the URL query string, so a filtered view can be bookmarked or sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd

# URL key → (field, Chinese label).
URL_KEYS: dict[str, tuple[str, str]] = {
    "group": ("groups", "目标组"),
    "indicator": ("indicators", "一级指标"),
    "section": ("sections", "责任科室"),
    "leader": ("leaders", "分管领导"),
    "status": ("statuses", "滞后状态"),
}
SEP = ","


@dataclass(frozen=True)
class Filters:
    """What to keep: empty means everything. A section or leader matches every target it is
    listed on (lead or co-section)."""

    groups: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def apply(self, state: pd.DataFrame) -> pd.DataFrame:
        """The rows of a target-state frame that pass every filter."""
        keep = pd.Series(True, index=state.index)
        if self.groups:
            keep &= state["group"].isin(self.groups)
        if self.indicators:
            keep &= state["indicator_code"].isin(self.indicators)
        if self.sections:
            wanted = set(self.sections)
            keep &= state["sections"].map(lambda secs: bool(wanted.intersection(secs)))
        if self.leaders:
            wanted_leaders = set(self.leaders)
            keep &= state["leaders"].map(lambda names: bool(wanted_leaders.intersection(names)))
        if self.statuses:
            keep &= state["lag_status"].isin(self.statuses)
        return state[keep]

    def to_query(self) -> dict[str, str]:
        """The URL form: only the filters that are set."""
        out = {}
        for key, (name, _) in URL_KEYS.items():
            values = getattr(self, name)
            if values:
                out[key] = SEP.join(values)
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Filters:
        """Read filters back from a URL's query string (unknown keys are ignored)."""
        kwargs = {}
        for key, (name, _) in URL_KEYS.items():
            raw = params.get(key)
            if raw:
                kwargs[name] = tuple(v for v in str(raw).split(SEP) if v)
        return cls(**kwargs)

    def describe(self) -> str:
        """A short Chinese sentence naming the filters in force."""
        parts = [
            f"{label}：{'、'.join(getattr(self, name))}"
            for name, label in ((n, lab) for n, lab in URL_KEYS.values())
            if getattr(self, name)
        ]
        return "；".join(parts) if parts else "未筛选（全部目标）"
