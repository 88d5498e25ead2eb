"""Bringing a plan into the database: the office imports it; a re-import changes only what changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, Write, num, require_role
from perfdash.plan import TARGET_KEYS, Check, Mapping, Plan
from perfdash.plan.model import FIELD_NAMES


@dataclass
class ImportResult:
    """What importing a plan did."""

    plan_id: int
    unchanged: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.unchanged:
            return "方案与库中一致，未做改动"
        parts = [f"新增 {len(self.added)} 项", f"修改 {len(self.changed)} 项", f"删除 {len(self.removed)} 项"]
        text = "已导入方案：" + "，".join(parts)
        if self.removed:
            text += "；已不在方案中的目标（其进度记录保留）：" + "、".join(self.removed)
        return text


def default_plan(rows: pd.DataFrame, today: date) -> int:
    """The plan a person lands on (queries.plans rows, newest year first): this year's plan that
    has reports, else the latest plan that has any, else the newest. A plan just imported, with
    nothing reported yet, does not replace last year's full dashboard until its data comes in."""
    with_data = rows[rows["latest_report"].notna()]
    this_year = with_data[with_data["year"] == today.year]
    for candidates in (this_year, with_data, rows):
        if not candidates.empty:
            return int(candidates.iloc[0]["plan_id"])
    raise ValueError("no plan")


def digest(plan: Plan) -> str:
    """The content hash an import is recognised by: same targets, timetable, title, checks and
    stated structure."""
    rows = [t.as_dict() for t in plan.targets]
    events = [(e.name, e.start.isoformat(), e.end.isoformat()) for e in plan.calendar]
    checks = [c.as_dict() for c in plan.checks]  # a corrected prose changes the checks only
    structure = [[g.name, g.stated_points] for g in plan.groups] + [plan.stated_total]
    content = json.dumps([rows, events, plan.title, checks, structure], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


MAX_POINTS = 10_000  # a plan may total 1000 points; no target is worth more than this


class PlanWrites:
    """The plan import (part of perfdash.store.Store)."""

    def import_plan(
        self: Database,
        plan: Plan,
        actor: Actor | None = None,
        reviews: dict[str, str] | None = None,
        remember_mapping: bool = False,
    ) -> ImportResult:
        """Database a parsed plan (the office's job). Same content again: nothing changes. An amended
        plan replaces the plan's targets, keeps the progress log of every code (still there or
        not) and reports which codes vanished. ``reviews`` (from the page: the office's reason for
        each flagged reading, by review_key) must cover every warning of the plan; they are stored
        with the import. ``remember_mapping``: the column mapping used is offered for the unit's
        next upload."""
        actor = actor or Actor.office()
        require_role(actor, {"office"}, "导入方案")
        if reviews is not None:
            missing = [c.message for c in plan.warnings if not (reviews.get(review_key(c)) or "").strip()]
            if missing:
                raise StoreError(
                    f"还有 {len(missing)} 项提示没有填写确认理由，未导入：" + "；".join(m[:40] for m in missing[:3])
                )
        if not plan.unit.strip():
            raise StoreError("方案没有单位名称（表格标题应如“泉州市教育局2025年度绩效目标考评表”），未导入")
        if not actor.may_see(plan.unit.strip()):
            raise StoreError(f"“{actor.label}”不属于{plan.unit}，不能导入该单位的方案")
        if not 2000 <= plan.year <= 2100:
            raise StoreError(f"方案年度 {plan.year} 不在 2000–2100 之间，未导入")
        bad = [
            t.code for t in plan.targets if not 0 < t.points <= MAX_POINTS or not 0 <= t.indicator_points <= MAX_POINTS
        ]
        if bad:
            raise StoreError(
                f"目标分值应大于 0、指标分值不小于 0（均不超过 {MAX_POINTS}）：{'、'.join(bad[:10])}，未导入"
            )
        codes = [t.code for t in plan.targets]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise StoreError(f"方案中目标编号重复：{'、'.join(dupes)}，未导入")
        rows = [t.as_dict() for t in plan.targets]
        content_sha = digest(plan)
        same = self.scalar(
            "SELECT i.plan_id FROM plans p JOIN plan_imports i USING (plan_id) WHERE p.unit = ? AND p.year = ? "
            "ORDER BY i.import_id DESC LIMIT 1",
            [plan.unit, plan.year],
        )
        if (
            same is not None
            and self.scalar(
                "SELECT content_sha256 FROM plan_imports WHERE plan_id = ? ORDER BY import_id DESC LIMIT 1", [same]
            )
            == content_sha
        ):
            return ImportResult(plan_id=int(same), unchanged=True)  # nothing to write, no new data version
        with self.write(actor) as w:
            found = w.execute("SELECT plan_id FROM plans WHERE unit = ? AND year = ?", [plan.unit, plan.year])
            if found:
                plan_id = found[0][0]
                last = w.execute(
                    "SELECT content_sha256 FROM plan_imports WHERE plan_id = ? ORDER BY import_id DESC LIMIT 1",
                    [plan_id],
                )
                if last and last[0][0] == content_sha:
                    w.without_audit()
                    return ImportResult(plan_id=plan_id, unchanged=True)
                old = _snapshot(w, plan_id)
            else:
                plan_id = w.execute(
                    "INSERT INTO plans (unit, year, title) VALUES (?, ?, ?) RETURNING plan_id",
                    [plan.unit, plan.year, plan.title],
                )[0][0]
                old = {}
            w.execute(
                "UPDATE plans SET title = ?, stated_total = ? WHERE plan_id = ?",
                [plan.title, plan.stated_total, plan_id],
            )
            new = {r["code"]: r for r in rows}
            added = [c for c in new if c not in old]
            removed = [c for c in old if c not in new]
            changed = [c for c in new if c in old and old[c] != new[c]]
            dynamic = [
                r[0] for r in w.execute("SELECT code FROM targets WHERE plan_id = ? AND origin = 'dynamic'", [plan_id])
            ]
            clash = sorted(set(dynamic) & set(new))
            if clash:
                raise StoreError(f"方案中的编号与已添加的动态目标重复：{'、'.join(clash)}")
            for table in ("target_sources", "target_leaders", "target_sections", "targets"):
                sql = f"DELETE FROM {table} WHERE plan_id = ? AND NOT list_contains(?, code)"  # noqa: S608 (constant names)
                w.execute(sql, [plan_id, dynamic or [""]])
            w.execute(
                "DELETE FROM indicators WHERE plan_id = ? AND indicator_code NOT IN "
                "(SELECT indicator_code FROM targets WHERE plan_id = ?)",
                [plan_id, plan_id],
            )
            for table in ("plan_checks", "plan_calendar", "plan_groups"):
                w.execute(f"DELETE FROM {table} WHERE plan_id = ?", [plan_id])  # noqa: S608 (constant names)
            _insert_plan_rows(w, plan_id, plan)
            import_id = w.execute(
                "INSERT INTO plan_imports (plan_id, source_name, content_sha256, added, removed, changed) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING import_id",
                [plan_id, plan.source_name or "", content_sha, added, removed, changed],
            )[0][0]
            accepted = _store_reviews(w, plan_id, import_id, plan, reviews or {}, actor)
            if remember_mapping and plan.table is not None and not plan.table.positional:
                w.execute("DELETE FROM plan_mappings WHERE unit = ?", [plan.unit])
                w.execute(
                    "INSERT INTO plan_mappings (unit, mapping_json, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?)",
                    [plan.unit, plan.table.mapping_json, actor.label, datetime.now()],
                )
            w.audit(
                "导入方案",
                "plan",
                f"{plan.unit}{plan.year}",
                {c: old[c] for c in removed + changed},
                {
                    "source": plan.source_name,
                    "added": added,
                    "removed": removed,
                    "changed": changed,
                    "accepted": accepted,
                    "mapping": plan.table.mapping_lines if plan.table is not None else [],
                },
            )
        return ImportResult(plan_id=plan_id, unchanged=False, added=added, removed=removed, changed=changed)


def _snapshot(w: Write | Database, plan_id: int) -> dict[str, dict]:
    """The stored plan's targets in their JSON form, by code (document order)."""
    run = w.execute if isinstance(w, Write) else w.rows
    rows = run(
        """
        SELECT t.code, i.grp, i.category, t.indicator_code, i.title, i.points AS ipoints, i.source_note,
               t.target_text, t.points, t.deadline,
               (SELECT list(section ORDER BY seq) FROM target_sections s
                 WHERE s.plan_id = t.plan_id AND s.code = t.code) AS sections,
               (SELECT list(coalesce(person, '') ORDER BY seq) FROM target_sections s
                 WHERE s.plan_id = t.plan_id AND s.code = t.code) AS persons,
               (SELECT list(leader ORDER BY seq) FROM target_leaders l
                 WHERE l.plan_id = t.plan_id AND l.code = t.code) AS leaders
        FROM targets t JOIN indicators i USING (plan_id, indicator_code)
        WHERE t.plan_id = ? AND t.origin = 'plan'
        ORDER BY t.seq
        """,
        [plan_id],
    )
    out = {}
    for r in rows:
        out[r[0]] = {
            "code": r[0],
            "group": r[1],
            "category": r[2],
            "indicator_code": r[3],
            "indicator": r[4],
            "indicator_points": num(r[5]),
            "source_note": r[6],
            "target": r[7],
            "points": num(r[8]),
            "deadline": r[9].isoformat(),
            "sections": list(r[10] or []),
            "persons": [p for p in (r[11] or []) if p],
            "leaders": list(r[12] or []),
        }
    return out


def _insert_plan_rows(w: Write, plan_id: int, plan: Plan) -> None:
    ind_rows = [
        (
            plan_id,
            i["indicator_code"],
            i["group"],
            i["category"],
            i["indicator"],
            i["indicator_points"],
            i["source_note"],
            n,
        )
        for n, i in enumerate(plan.indicators(), start=1)
    ]
    w.insert(
        "indicators",
        ("plan_id", "indicator_code", "grp", "category", "title", "points", "source_note", "seq"),
        ind_rows,
    )
    w.insert(
        "targets",
        ("plan_id", "code", "indicator_code", "target_text", "points", "deadline", "seq", "standard"),
        [
            (plan_id, t.code, t.indicator_code, t.target, t.points, t.deadline, n, t.standard or None)
            for n, t in enumerate(plan.targets, start=1)
        ],
    )
    w.insert(
        "target_sources",
        ("plan_id", "code", "field", "phrase"),
        [(plan_id, t.code, key, phrase) for t in plan.targets for key, phrase in dict(t.sources).items()],
    )
    sec_rows = []
    lead_rows = []
    for t in plan.targets:
        for k, sec in enumerate(t.sections, start=1):
            person = t.persons[k - 1] if k <= len(t.persons) else None
            sec_rows.append((plan_id, t.code, k, sec, person, "lead" if k == 1 else "co"))
        lead_rows += [(plan_id, t.code, k, name) for k, name in enumerate(t.leaders, start=1)]
    w.insert("target_sections", ("plan_id", "code", "seq", "section", "person", "role"), sec_rows)
    w.insert("target_leaders", ("plan_id", "code", "seq", "leader"), lead_rows)
    w.insert(
        "plan_calendar",
        ("plan_id", "seq", "name", "start_date", "end_date", "note"),
        [(plan_id, n, e.name, e.start, e.end, e.text) for n, e in enumerate(plan.calendar, start=1)],
    )
    w.insert(
        "plan_groups",
        ("plan_id", "seq", "grp", "stated_points"),
        [(plan_id, n, g.name, g.stated_points) for n, g in enumerate(plan.groups, start=1)],
    )
    w.insert(
        "plan_checks",
        ("plan_id", "seq", "check_name", "subject", "expected", "actual", "ok", "message"),
        [
            (plan_id, n, c.check, c.subject, c.expected, c.actual, c.ok, c.message)
            for n, c in enumerate(plan.checks, start=1)
        ],
    )


def review_key(check: Check) -> str:
    """What a flagged reading is known by when the office gives its reason: its kind, subject
    and message (the same plan read again gives the same keys)."""
    return f"{check.check}|{check.subject}|{check.message}"


def _store_reviews(
    w: Write, plan_id: int, import_id: int, plan: Plan, reviews: dict[str, str], actor: Actor
) -> list[dict]:
    """The office's reason for each warning of the plan, stored with the import; returned for
    the audit row."""
    rows = []
    for n, c in enumerate(plan.warnings, start=1):
        reason = (reviews.get(review_key(c)) or "").strip()
        if reason:
            rows.append((plan_id, import_id, n, c.subject, c.message, reason, actor.label, datetime.now()))
    w.insert(
        "plan_reviews",
        ("plan_id", "import_id", "seq", "subject", "message", "reason", "reviewed_by", "reviewed_at"),
        rows,
    )
    return [{"提示": r[4], "理由": r[5]} for r in rows]


def remembered_mapping(store: Database, unit: str) -> Mapping | None:
    """The column mapping the unit's office last confirmed (None: none yet)."""
    text = store.scalar("SELECT mapping_json FROM plan_mappings WHERE unit = ?", [unit])
    return Mapping.from_json(str(text)) if text else None


# ---------------------------------------------------------------------------
# Reading a stored plan back, and comparing a new document with it

FIELD_LABELS = {k: FIELD_NAMES[k] for k in TARGET_KEYS if k != "code"}  # what a diff names, in order


def stored_plan(store: Database, plan_id: int) -> Plan:
    """A stored plan as a Plan again (its document's targets, structure and timetable): what the
    Excel template download writes, and what a new document is compared with."""
    from perfdash.plan import CalendarEvent, GroupInfo, Target

    head = store.query(
        "SELECT unit, year, title, stated_total::DOUBLE AS total FROM plans WHERE plan_id = $p", {"p": plan_id}
    )
    if head.empty:
        raise StoreError(f"方案 {plan_id} 不存在")
    h = head.iloc[0]
    targets = [
        Target(
            **{
                **{k: v for k, v in row.items() if k not in ("sections", "persons", "leaders", "deadline")},
                "deadline": date.fromisoformat(row["deadline"]),
                "sections": tuple(row["sections"]),
                "persons": tuple(row["persons"]),
                "leaders": tuple(row["leaders"]),
            }
        )
        for row in _snapshot(store, plan_id).values()
    ]
    groups = [
        GroupInfo(str(g), None if p is None else float(p))
        for g, p in store.rows(
            "SELECT grp, stated_points::DOUBLE FROM plan_groups WHERE plan_id = ? ORDER BY seq", [plan_id]
        )
    ]
    calendar = [
        CalendarEvent(str(n), s, e, str(t))
        for n, s, e, t in store.rows(
            "SELECT name, start_date, end_date, note FROM plan_calendar WHERE plan_id = ? ORDER BY seq", [plan_id]
        )
    ]
    total = None if h["total"] != h["total"] or h["total"] is None else float(h["total"])
    return Plan(str(h["unit"]), int(h["year"]), str(h["title"]), targets, [], "", calendar, groups, total)


@dataclass
class PlanDiff:
    """A new document against the stored plan of the same unit and year: what it adds, removes
    and changes (field by field), and what becomes of the progress already reported."""

    plan_id: int | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, field, old, new
    reports: dict[str, int] = field(default_factory=dict)  # code → progress reports on record
    texts: dict[str, str] = field(default_factory=dict)  # removed code → its text on record

    @property
    def changed(self) -> list[str]:
        return list(dict.fromkeys(c for c, _, _, _ in self.changes))

    @property
    def same(self) -> bool:
        return self.plan_id is not None and not (self.added or self.removed or self.changes)

    def consequences(self) -> list[str]:
        """What importing does to what is on record, in plain words."""
        if self.plan_id is None:
            return ["这是该单位该年度的第一份方案：导入后成为一个新的方案，其他年度的方案保持不变。"]
        out = []
        if self.removed:
            kept = sum(self.reports.get(c, 0) for c in self.removed)
            named = "；".join(f"{c}“{_cut(self.texts.get(c, ''))}”" for c in self.removed[:10])
            out.append(
                f"删除 {len(self.removed)} 项目标（{'、'.join(self.removed)}）：{named}"
                f"{'等' if len(self.removed) > 10 else ''}。它们的 {kept} 条进度记录保留在日志中，"
                "但不再显示、不再计分。"
            )
        if self.changed:
            out.append(
                f"修改 {len(self.changed)} 项目标：进度记录全部保留，"
                "序时进度和得分按新内容（如分值、完成时限）重新计算。"
            )
        if self.added:
            out.append(f"新增 {len(self.added)} 项目标：从 0% 开始填报。")
        return out or ["与库中的方案完全一致，导入不会改动任何数据。"]


def _cut(text: str, chars: int = 24) -> str:
    return text if len(text) <= chars else text[:chars] + "……"


def _shown(value: object) -> str:
    return "、".join(value) if isinstance(value, list) else str(value)


def compare(store: Database, plan: Plan) -> PlanDiff:
    """The differences between a parsed plan and the stored plan of its unit and year (if any)."""
    found = store.scalar("SELECT plan_id FROM plans WHERE unit = ? AND year = ?", [plan.unit, plan.year])
    if found is None:
        return PlanDiff(None, added=[t.code for t in plan.targets])
    plan_id = int(found)
    old = _snapshot(store, plan_id)
    new = {t.code: t.as_dict() for t in plan.targets}
    diff = PlanDiff(plan_id, [c for c in new if c not in old], [c for c in old if c not in new])
    diff.texts = {c: str(old[c]["target"]) for c in diff.removed}
    for code in (c for c in new if c in old):
        for key, label in FIELD_LABELS.items():
            if old[code][key] != new[code][key]:
                diff.changes.append((code, label, _shown(old[code][key]), _shown(new[code][key])))
    diff.reports = {
        str(c): int(n)
        for c, n in store.rows("SELECT code, count(*) FROM progress WHERE plan_id = ? GROUP BY code", [plan_id])
    }
    return diff


def read_upload(
    name: str, data: bytes, mapping: Mapping | None = None, remembered: Mapping | None = None
) -> tuple[Plan | None, str | None]:
    """An uploaded plan file read (see perfdash.plan.read_plan_bytes; its columns as ``mapping``
    says, else guessed with the unit's ``remembered`` mapping) in a process of its own, with a time
    and memory budget (perfdash.plan.worker), so that no file can stall the server's other
    sessions: (plan, None), or (None, the reason it cannot be read, in Chinese)."""
    from perfdash.plan import PlanError
    from perfdash.plan.worker import read_plan_bytes_bounded

    try:
        return read_plan_bytes_bounded(name, data, mapping=mapping, remembered=remembered), None
    except PlanError as exc:
        return None, str(exc)


def apply_suggested_milestones(store: Database, plan_id: int, plan: Plan, actor: Actor) -> list[str]:
    """For each target whose deadline listed several periods (上半年、三季度、四季度), those periods
    as milestones (节点) of equal weight, the deadline last; returns the codes done."""
    done = []
    for code, earlier in plan.suggested_milestones.items():
        deadline = next(t.deadline for t in plan.targets if t.code == code)
        marks = [(f"{d.month}月{d.day}日前", d, "", 1.0) for d in (*earlier, deadline) if d.year == plan.year]
        if len(marks) > 1:
            store.set_milestones(plan_id, code, marks, actor)  # type: ignore[attr-defined]
            done.append(code)
    return done
