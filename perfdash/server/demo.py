"""The demo progress history (演示数据): deterministic weekly reports for a plan year."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from perfdash.core.access import Actor
from perfdash.plan import Plan, read_plan
from perfdash.store import ProgressRow, Store
from perfdash.workflows import claims, evaluation

PROFILES = ("on_track", "early", "lagging", "at_risk", "overdue")
# Share of targets per profile (the rest are on track).
PROFILE_SHARES = {"early": 0.17, "lagging": 0.15, "at_risk": 0.07}
REPORT_PROBABILITY = 0.85  # sections skip the odd week
NOTES = {
    "未开始": ["前期调研中", "待上级文件下发后启动"],
    "推进中": ["按计划推进", "已完成阶段性任务", "召开专题推进会", "已印发工作方案", "正在组织实施"],
    "有风险": ["资金未到位，进度受影响", "项目审批流程较长", "需协调相关部门，存在不确定性"],
    "已完成": ["已全面完成", "已完成并通过验收"],
}


@dataclass(frozen=True)
class DemoReport:
    """One generated report, with the section that files it (the target's lead section)."""

    section: str
    row: ProgressRow
    profile: str


def default_until(year: int) -> date:
    """The demo stops part-way through the year (late November), so lag and forecasts have work."""
    return date(year, 11, 25)


def report_days(year: int, until: date) -> list[date]:
    """Weekly report days (Fridays) from mid-January up to ``until``."""
    day = date(year, 1, 10)
    day += timedelta(days=(4 - day.weekday()) % 7)
    days = []
    while day <= until and day.year == year:
        days.append(day)
        day += timedelta(days=7)
    return days


def assign_profiles(plan: Plan, rng: np.random.Generator, until: date) -> dict[str, str]:
    """Give every target a trajectory profile: most on track, some early, some lagging, a few at
    risk, and the first target due before ``until`` overdue (the others due then finish early)."""
    codes = [t.code for t in plan.targets]
    order = list(rng.permutation(len(codes)))
    due_early = [t.code for t in plan.targets if t.deadline < until]
    profiles = {c: "on_track" for c in codes}
    if due_early:
        profiles[due_early[0]] = "overdue"
        for c in due_early[1:]:
            profiles[c] = "early"
    free = [codes[i] for i in order if codes[i] not in due_early]
    start = 0
    for name, share in PROFILE_SHARES.items():
        n = max(1, round(share * len(codes)))
        for c in free[start : start + n]:
            profiles[c] = name
        start += n
    return profiles


def demo_reports(plan: Plan, seed: int, until: date | None = None) -> list[DemoReport]:
    """Generate the weekly history (pure: same plan and seed → same reports)."""
    until = until or default_until(plan.year)
    rng = np.random.default_rng(seed)
    profiles = assign_profiles(plan, rng, until)
    days = report_days(plan.year, until)
    start = date(plan.year, 1, 1)
    out: list[DemoReport] = []
    for t in plan.targets:
        profile = profiles[t.code]
        span = max((t.deadline - start).days, 1)
        pace = {
            "on_track": rng.uniform(0.97, 1.08),
            "early": rng.uniform(1.2, 1.45),
            "lagging": rng.uniform(0.66, 0.78),
            "at_risk": rng.uniform(0.38, 0.52),
            "overdue": rng.uniform(0.7, 0.82),
        }[profile]
        begin = int(rng.integers(0, 4))  # weeks before the first report
        pct = 0.0
        for k, day in enumerate(days):
            share = min((day - start).days / span, 1.2)
            goal = min(100.0, 100.0 * share * pace)
            if profile == "on_track" and day >= t.deadline:
                goal = 100.0
            if profile == "overdue":
                goal = min(goal, 88.0)
            noisy = goal + rng.normal(0, 2.5)
            pct = float(np.clip(max(pct, round(noisy)), 0, 100))
            if profile in ("lagging", "at_risk", "overdue"):
                pct = min(pct, 99.0)
            if k < begin or (rng.random() > REPORT_PROBABILITY and k != len(days) - 1):
                continue
            if pct >= 100:
                status = "已完成"
            elif pct <= 0:
                status = "未开始"
            elif profile == "at_risk" and day.month >= 6:
                status = "有风险"
            else:
                status = "推进中"
            note = NOTES[status][int(rng.integers(0, len(NOTES[status])))]
            out.append(DemoReport(t.sections[0], ProgressRow(t.code, day, pct, status, note), profile))
            if pct >= 100:
                break  # a finished target stops reporting
    return out


def build_demo(store: Store, plan: Plan, seed: int, until: date | None = None) -> tuple[int, int]:
    """Import the plan and write its demo history, each report through the validating write path
    as the target's lead section. Returns (plan_id, rows written); writes nothing if the plan
    already has progress."""
    plan_id = store.import_plan(plan).plan_id
    if int(store.scalar("SELECT count(*) FROM progress WHERE plan_id = ?", [plan_id])) > 0:
        return plan_id, 0
    reports = demo_reports(plan, seed, until)
    by_section: dict[str, list[ProgressRow]] = {}
    for r in reports:
        by_section.setdefault(r.section, []).append(r.row)
    written = 0
    today = until or default_until(plan.year)
    for section, rows in by_section.items():
        written += store.add_progress(plan_id, rows, Actor.section(section), is_demo=True, today=today)
    if reports:  # the office has closed the weekly periods up to the last demo report
        last = max(r.row.report_date for r in reports)
        store.close_period(plan_id, Actor.office(), today=max(today, last), through=last)
    return plan_id, written


# ---------------------------------------------------------------------------
# Demo evidence (demo --evidence): small generated PDFs, so the 察访核验 package has files to hold.

DEMO_EVIDENCE_FILES = 3  # per target


def demo_pdf(title: str, pages: int) -> bytes:
    """A small valid PDF (1.4, one Helvetica line per page, a correct cross-reference table) with
    ``pages`` pages: readers open it and count its pages. ``title`` in ASCII."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    kids = " ".join(f"{4 + 2 * k} 0 R" for k in range(pages))
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for k in range(pages):
        stream = f"BT /F1 16 Tf 72 760 Td ({text}) Tj 0 -28 Td (Page {k + 1} of {pages}) Tj ET".encode("ascii")
        bodies.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * k} 0 R >>".encode()
        )
        bodies.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def demo_evidence(store: Store, plan_id: int) -> int:
    """Three generated PDFs (1–3 pages) per target of the plan, filed under its first three
    checklist items (a target with fewer items gets the rest under its last), stored through
    evaluation.store_evidence as 绩效办. Deterministic content; a plan whose targets already have
    evidence is left as it is. Returns the number of files stored."""
    if int(store.scalar("SELECT count(*) FROM evidence WHERE plan_id = ? AND code IS NOT NULL", [plan_id])):
        return 0
    items = claims.checklist(store, plan_id)
    office = Actor.office()
    stored = 0
    for t, (code, part) in enumerate(items.groupby("code", sort=False)):
        seqs = [int(s) for s in part["seq"]]
        for k in range(DEMO_EVIDENCE_FILES):
            seq = seqs[min(k, len(seqs) - 1)]
            pages = (t + k) % 3 + 1
            data = demo_pdf(f"perfdash demo evidence {code} item {seq} file {k + 1}", pages)
            name = f"{code}-演示材料{k + 1}.pdf"
            evaluation.store_evidence(store, plan_id, str(code), name, data, office, item_seq=seq)
            stored += 1
    return stored


def bootstrap(store: Store, plan_file: Path, seed: int) -> None:
    """A database with no plan yet gets the shipped plan and the demo history."""
    if int(store.scalar("SELECT count(*) FROM plans")) == 0:
        build_demo(store, read_plan(plan_file), seed)


# ---------------------------------------------------------------------------
# City scale: one database holding every bureau the city's performance office oversees.

CITY_UNIT = "示范市第{n:03d}局"  # synthetic names, plainly not real bureaus


def city_unit(n: int) -> str:
    """The synthetic name of the city's n-th bureau (n from 1): 示范市第001局, 示范市第002局…"""
    return CITY_UNIT.format(n=n)


def city_plan(plan: Plan, unit: str) -> Plan:
    """The plan cloned for another unit: same year and targets, the unit's own name and title."""
    title = plan.title.replace(plan.unit, unit, 1) if plan.unit in plan.title else f"{unit}{plan.title}"
    return dataclasses.replace(plan, unit=unit, title=title, source_name=f"{unit}（演示）")


def city_until(year: int) -> date:
    """A whole year of reports: the year's last Friday."""
    day = date(year, 12, 31)
    return day - timedelta(days=(day.weekday() - 4) % 7)


def fridays(year: int, until: date) -> list[date]:
    """Every Friday of the year up to ``until`` (52 for a whole 2025)."""
    day = date(year, 1, 1)
    day += timedelta(days=(4 - day.weekday()) % 7)
    out = []
    while day <= until and day.year == year:
        out.append(day)
        day += timedelta(days=7)
    return out


def weekly_ledger(plan: Plan, seed: int, until: date) -> list[DemoReport]:
    """``demo_reports`` filled out to one report per target every Friday, as a section that files
    its whole ledger (台账) each week does: a week without news repeats the last report; the weeks
    before the first report are 0% 未开始. Pure: same plan, seed and date → same reports."""
    generated: dict[tuple[str, date], DemoReport] = {
        (r.row.code, r.row.report_date): r for r in demo_reports(plan, seed, until)
    }
    profiles = {r.row.code: r.profile for r in generated.values()}
    out: list[DemoReport] = []
    for t in plan.targets:
        last: DemoReport | None = None
        for day in fridays(plan.year, until):
            found = generated.get((t.code, day))
            if found is not None:
                last = found
            elif last is not None:
                last = DemoReport(last.section, dataclasses.replace(last.row, report_date=day), last.profile)
            else:
                row = ProgressRow(t.code, day, 0.0, "未开始", NOTES["未开始"][0])
                out.append(DemoReport(t.sections[0], row, profiles.get(t.code, "on_track")))
                continue
            out.append(last)
    return out


def build_city_demo(
    store: Store, plan: Plan, units: int, seed: int, until: date | None = None, progress: bool = False
) -> tuple[list[int], int]:
    """City scale (演示数据): ``plan`` cloned for ``units`` synthetic bureaus, each imported through
    ``Store.import_plan`` with a weekly ledger for every target up to ``until`` (default the year's
    last Friday: 52 reports × 61 targets per bureau), written through ``Store.add_progress`` in one
    batch per bureau and lead section. Deterministic; a bureau that already has progress is left
    as it is, so an interrupted build resumes. Returns (plan ids, rows written)."""
    until = until or city_until(plan.year)
    plan_ids: list[int] = []
    written = 0
    for n in range(1, units + 1):
        unit_plan = city_plan(plan, city_unit(n))
        plan_id = store.import_plan(unit_plan).plan_id
        plan_ids.append(plan_id)
        if int(store.scalar("SELECT count(*) FROM progress WHERE plan_id = ?", [plan_id])) > 0:
            continue
        unit_seed = int(np.random.SeedSequence([seed, n]).generate_state(1)[0])
        by_section: dict[str, list[ProgressRow]] = {}
        for r in weekly_ledger(unit_plan, unit_seed, until):
            by_section.setdefault(r.section, []).append(r.row)
        for section, rows in by_section.items():
            written += store.add_progress(plan_id, rows, Actor.section(section), is_demo=True, today=until)
        if progress:
            print(f"  {unit_plan.unit}：{written} 条", flush=True)
    return plan_ids, written
