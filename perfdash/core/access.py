"""Who is acting (绩效办, a section, a leader) and what each may change."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from perfdash.core.settings import OFFICE

Role = Literal["office", "section", "leader", "screen", "system", "city"]
CITY = "市直绩效办"  # the city's performance office: reads every unit, writes nothing of any unit
# The roles an account may have (a person signs in as one of them), with their labels.
ACCOUNT_ROLES: dict[str, str] = {"office": "绩效办", "leader": "领导", "section": "科室", "city": CITY}
ROLE_LABELS: dict[str, str] = {
    "office": "绩效办",
    "section": "科室",
    "leader": "领导",
    "screen": "大屏",
    "system": "系统",
    "city": CITY,
}


@dataclass(frozen=True)
class Actor:
    """The person or body making a change: the office, one section, or one leader (read-only), or
    the city's office (市直绩效办: reads every unit, changes none of them)."""

    role: Role
    name: str
    username: str | None = None  # the signed-in account acting, when there is one
    units: tuple[str, ...] | None = None  # the units (bureaus) it may see and change; None: all

    def may_see(self, unit: str) -> bool:
        """Whether this actor may see and change the plans of ``unit``."""
        return self.units is None or unit in self.units

    @classmethod
    def office(cls) -> Actor:
        return cls("office", OFFICE)

    @classmethod
    def section(cls, name: str) -> Actor:
        return cls("section", name)

    @classmethod
    def leader(cls, name: str) -> Actor:
        return cls("leader", name)

    @classmethod
    def city(cls, username: str | None = None) -> Actor:
        """The city's office (市直绩效办), bound to no unit: it sees every unit's plans."""
        return cls("city", CITY, username)

    @classmethod
    def system(cls) -> Actor:
        """perfdash itself (the first start's admin account); never a person."""
        return cls("system", "系统")

    @property
    def label(self) -> str:
        return self.name if self.role in ("office", "city") else f"{ROLE_LABELS[self.role]}·{self.name}"

    @classmethod
    def parse(cls, who: str, sections: Collection[str], leaders: Collection[str]) -> Actor:
        """'绩效办' → office, a section name → that section, a leader's name → that leader."""
        who = who.strip()
        for prefix in ("科室·", "领导·"):
            if who.startswith(prefix):
                who = who[len(prefix) :]
        if who == OFFICE:
            return cls.office()
        if who in sections:
            return cls.section(who)
        if who in leaders:
            return cls.leader(who)
        raise ValueError(f"“{who}”既不是绩效办，也不是方案中的科室或分管领导")


def unit_refusal(actor: Actor, unit: str) -> str | None:
    """Why ``actor`` may not change anything of ``unit`` (None: it may, as far as units go): an
    account bound to other units, or the city's office, which reads every unit and changes none."""
    if actor.role == "city":
        return f"{CITY}只能查看各单位的数据，不能修改{unit}的任何内容"
    if not actor.may_see(unit):
        return f"“{actor.label}”属于{'、'.join(actor.units or ())}，不能修改{unit}的数据"
    return None


def may_write(actor: Actor, target_sections: Collection[str]) -> bool:
    """The rule for progress: 绩效办 writes any target, a section the targets it leads or co-leads,
    a leader none (leaders read), nor the city's office (市直绩效办 reads)."""
    if actor.role == "office":
        return True
    if actor.role == "section":
        return actor.name in target_sections
    return False


def may_see_evidence(actor: Actor, target_sections: Collection[str]) -> bool:
    """The rule for a target's evidence files (迎评材料): 绩效办 and leaders see every target's (of
    their own unit: the store checks the unit), a section those of the targets it leads or
    co-leads, nobody else (the meeting screen, the system)."""
    if actor.role in ("office", "leader"):
        return True
    if actor.role == "section":
        return actor.name in target_sections
    return False
