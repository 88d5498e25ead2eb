"""Every document a person can download from a page or have the command line write, in one
registry: ``EXPORTS``.

Each entry names the document (its Chinese title), its kind (xlsx or docx), ``make`` — the function
that builds it from what a page or a command holds (perfdash.present.exports for the Excel files
handed in, perfdash.present.templates for the two templates filled in and uploaded back,
perfdash.present.evaluation_report for the Word report, perfdash.present.assessment_docs for the
内设科室绩效考评结果, perfdash.present.bulletin for the 督查通报) — ``build``, which builds it
from the standard inputs (a database and ``Inputs``: plan, as-of date, actor), and where it is
offered: page files with the key of their download button, and commands.

What relies on it: tests/test_office_suite.py builds every entry from the demo database, prints it
with LibreOffice and checks the page (A4, one page wide, title and header on every page, page
numbers, nothing cut off or drawn over); tests/test_downloads.py checks that every download button
on a page and every file a command writes is built by a registered ``make`` (or is one of the
``STORED_FILES``, handed out as stored, not built). A document added here is printed and checked
without touching the tests; one offered anywhere without being added here fails them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from perfdash.core.access import Actor
from perfdash.db import kpi_tracking, queries
from perfdash.db.database import Database
from perfdash.present import (
    assessment_docs,
    bulletin,
    city_docs,
    evaluation_report,
    exports,
    inspection_package,
    meeting,
    templates,
)
from perfdash.workflows import city, decisions, official, periods, plans, scoring, supervision


@dataclass(frozen=True)
class Inputs:
    """What every registered document is built from: a plan, its as-of date (统计日期) and who asks.
    ``since`` is the one choice beyond these: a day of the reporting period the 催报清单 is for
    (default, as on the page: the open period, 本期)."""

    plan_id: int
    as_of: date
    actor: Actor
    since: date | None = None


@dataclass(frozen=True)
class Export:
    """One downloadable document."""

    key: str  # a stable name in ASCII (file names of test artefacts, ids)
    name: str  # what people call it
    kind: str  # "xlsx" or "docx"
    make: Callable[..., Any]  # builds it from what a page or command holds (the one function they call)
    build: Callable[[Database, Inputs], bytes]  # builds it from the standard inputs
    # "pages/<file>.py#<download key>" and "python -m perfdash <command>"; "zip:<what>" for a document
    # handed out inside a zip the page or command offers (the zip itself is in STORED_FILES)
    offered: tuple[str, ...]


# -- the builders from the standard inputs -------------------------------------------------------


def _plan(db: Database, plan_id: int) -> tuple[str, int]:
    row = queries.plans(db).set_index("plan_id").loc[plan_id]
    return str(row["unit"]), int(row["year"])


def _demo(db: Database, plan_id: int) -> bool:
    """Whether the plan's progress is the demo history (as perfdash.app.ui decides)."""
    return queries.is_demo(queries.plans(db).set_index("plan_id").loc[plan_id])


def _state(db: Database, i: Inputs) -> tuple[str, int, Any]:
    unit, year = _plan(db, i.plan_id)
    return unit, year, queries.target_state(db, i.plan_id, i.as_of, year)


def _report(db: Database, i: Inputs) -> bytes:
    return evaluation_report.build(db, i.plan_id, i.as_of)[0]


def _self_assessment(db: Database, i: Inputs) -> bytes:
    unit, year, state = _state(db, i)
    stored = official.stored(db, i.plan_id)
    sheet = official.score_sheet(db, i.plan_id, state, i.as_of, stored.rules)
    notes = dict(zip(sheet.rows["code"], sheet.rows["note"], strict=True))
    return exports.self_assessment_xlsx(
        sheet.result, unit, year, i.as_of, notes, demo=_demo(db, i.plan_id), provisional=stored.provisional
    )


def _kpis(db: Database, i: Inputs) -> bytes:
    unit, year = _plan(db, i.plan_id)
    kpis = kpi_tracking.with_actuals(db, i.plan_id, i.as_of)
    return exports.kpi_xlsx(kpis, unit, year, i.as_of, demo=_demo(db, i.plan_id))


def _simulations(db: Database, i: Inputs, bases: tuple[str, ...]) -> tuple[str, int, Any, list, list, Callable]:
    """Simulations starting from ``bases`` (scoring.BASES) under the plan's official rules, as the
    评分模拟 page scores them: (unit, year, state, named scenarios, their labels, the scorer)."""
    unit, year, state = _state(db, i)
    rules = official.stored(db, i.plan_id).rules
    sheet = official.score_sheet(db, i.plan_id, state, i.as_of, rules)
    entries = scoring.adjustments_of(queries.adjustments(db, i.plan_id))
    named = [(scoring.BASES[b], scoring.base_values(state, b), rules) for b in bases]
    labels = [
        scoring.simulation_label(n, b, r, len(scoring.changed_codes(state, v)), i.as_of, official=rules)
        for b, (n, v, r) in zip(bases, named, strict=True)
    ]

    def scorer(values: dict[str, float], r: scoring.Rules) -> scoring.Score:
        return official.what_if(sheet, state, r, values, entries, i.as_of)

    return unit, year, state, named, labels, scorer


def _simulation(db: Database, i: Inputs) -> bytes:
    unit, year, _, named, labels, scorer = _simulations(db, i, ("complete",))
    (_, values, rules), label = named[0], labels[0]
    return exports.simulation_xlsx(scorer(values, rules), unit, year, i.as_of, label, demo=_demo(db, i.plan_id))


def _comparison(db: Database, i: Inputs) -> bytes:
    unit, _, state, named, labels, scorer = _simulations(db, i, ("current", "complete"))
    summary, differing = scoring.compare(state, named, None, i.as_of, scorer=lambda _name, v, r: scorer(v, r))
    return exports.comparison_xlsx(summary, differing, labels, unit, i.as_of, demo=_demo(db, i.plan_id))


def _survey_samples(db: Database, i: Inputs) -> bytes:
    unit, year = _plan(db, i.plan_id)
    samples = queries.survey_samples(db, i.plan_id)
    return exports.survey_samples_xlsx(samples, unit, year, demo=_demo(db, i.plan_id))


def _brief(db: Database, i: Inputs) -> bytes:
    unit, year = _plan(db, i.plan_id)
    week = meeting.plan_week(db, i.plan_id, i.as_of)  # the plan's reporting period, as the screen shows it
    slides = meeting.build_slides(db, i.plan_id, year, week, i.as_of)
    return exports.brief_xlsx(slides, unit, year, week, demo=_demo(db, i.plan_id))


def _ledger(db: Database, i: Inputs) -> bytes:
    _, _, state = _state(db, i)
    return templates.ledger_template_xlsx(state, i.actor, i.as_of, demo=_demo(db, i.plan_id))


def _reminders(db: Database, i: Inputs) -> bytes:
    unit, _ = _plan(db, i.plan_id)
    calendar = periods.calendar(db, i.plan_id)
    period = calendar.period_of(i.since) if i.since else calendar.this_period(date.today())
    missing = supervision.not_reported(db, i.plan_id, period.start, period.end)
    gaps = supervision.reminder_gaps(db, i.plan_id, date.today())  # as the page's, from 12-01 on
    due = decisions.due_reminders(db, i.plan_id, date.today())  # 督办 items due, late or unsigned, as the page's
    texts = supervision.reminder_texts(unit, missing, period, supervision.contacts(db, i.plan_id), gaps, due)
    return exports.reminder_xlsx(texts, unit, period, i.as_of, demo=_demo(db, i.plan_id))


def _plan_template(db: Database, i: Inputs) -> bytes:
    return templates.plan_template_xlsx(plans.stored_plan(db, i.plan_id))


def _inspection_contents(db: Database, i: Inputs) -> bytes:
    return inspection_package.contents_docx(inspection_package.verified(db, i.plan_id, i.actor))


def _inspection_index(db: Database, i: Inputs) -> bytes:
    return inspection_package.index_xlsx(inspection_package.verified(db, i.plan_id, i.actor))


def _assessment_docx(db: Database, i: Inputs) -> bytes:
    return assessment_docs.results_docx(assessment_docs.gather(db, i.plan_id, i.as_of))


def _assessment_xlsx(db: Database, i: Inputs) -> bytes:
    return assessment_docs.results_xlsx(assessment_docs.gather(db, i.plan_id, i.as_of))


def _city_summary(db: Database, i: Inputs) -> bytes:
    """全市绩效汇总表 of every unit with a plan of the plan's year, as of the as-of date (#38)."""
    _, year = _plan(db, i.plan_id)
    rows = queries.plans(db)
    demo = all(queries.is_demo(r) for _, r in rows[rows["year"] == year].iterrows())
    return city_docs.summary_xlsx(city.table(db, year, i.as_of), year, i.as_of, demo=demo)


def _bulletin(db: Database, i: Inputs) -> bytes:
    """The 督查通报 of the as-of date's month (its last closed reporting period's cut-off)."""
    return bulletin.to_docx(bulletin.draft(db, i.plan_id, i.as_of))


# -- the registry ------------------------------------------------------------------------------

EXPORTS: tuple[Export, ...] = (
    Export(
        "report",
        "绩效评估报告",
        "docx",
        evaluation_report.build,
        _report,
        ("pages/evaluation.py#download_report", "python -m perfdash report"),
    ),
    Export(
        "self_assessment",
        "自评表",
        "xlsx",
        exports.self_assessment_xlsx,
        _self_assessment,
        ("pages/evaluation.py#download_sheet", "python -m perfdash report"),
    ),
    Export(
        "kpis",
        "量化指标完成情况",
        "xlsx",
        exports.kpi_xlsx,
        _kpis,
        ("pages/evaluation.py#download_kpis", "python -m perfdash report"),
    ),
    Export(
        "simulation",
        "模拟测算表",
        "xlsx",
        exports.simulation_xlsx,
        _simulation,
        ("pages/scoring.py#export_self_assessment",),
    ),
    Export(
        "scenario_comparison",
        "情景对比",
        "xlsx",
        exports.comparison_xlsx,
        _comparison,
        ("pages/scoring.py#export_comparison",),
    ),
    Export(
        "survey_samples",
        "公众评议样本",
        "xlsx",
        exports.survey_samples_xlsx,
        _survey_samples,
        ("pages/evaluation.py#export_samples",),
    ),
    Export("weekly_brief", "周报", "xlsx", exports.brief_xlsx, _brief, ("pages/meeting.py#meeting_brief",)),
    Export(
        "ledger_template",
        "进度台账模板",
        "xlsx",
        templates.ledger_template_xlsx,
        _ledger,
        ("pages/progress.py#download_template", "python -m perfdash progress template"),
    ),
    Export(
        "reminders",
        "催报清单",
        "xlsx",
        exports.reminder_xlsx,
        _reminders,
        ("pages/supervision.py#remind_xlsx",),
    ),
    Export(
        "plan_template",
        "方案模板",
        "xlsx",
        templates.plan_template_xlsx,
        _plan_template,
        ("pages/plans.py#plan_template", "python -m perfdash plan --xlsx"),
    ),
    Export(
        "assessment_docx",
        "内设科室绩效考评结果",
        "docx",
        assessment_docs.results_docx,
        _assessment_docx,
        ("pages/assessment.py#assessment_docx", "python -m perfdash assess --docx"),
    ),
    Export(
        "assessment_xlsx",
        "内设科室绩效考评结果表",
        "xlsx",
        assessment_docs.results_xlsx,
        _assessment_xlsx,
        ("pages/assessment.py#assessment_xlsx", "python -m perfdash assess --xlsx"),
    ),
    Export(
        "bulletin",
        "绩效督查通报",
        "docx",
        bulletin.to_docx,
        _bulletin,
        ("pages/bulletins.py#bulletin_docx", "python -m perfdash bulletin"),  # on the page: as the office edited it
    ),
    Export(
        "city_summary",
        "全市绩效汇总表",
        "xlsx",
        city_docs.summary_xlsx,
        _city_summary,
        ("pages/city.py#city_xlsx", "pages/city_meeting.py#city_meeting_xlsx"),
    ),
    Export(
        "inspection_contents",
        "察访核验材料目录",
        "docx",
        inspection_package.contents_docx,
        _inspection_contents,
        ("zip:inspection_package",),  # in the 察访核验材料包 (pages/verification.py, python -m perfdash package)
    ),
    Export(
        "inspection_index",
        "察访核验材料索引",
        "xlsx",
        inspection_package.index_xlsx,
        _inspection_index,
        ("zip:inspection_package",),
    ),
)
BY_KEY = {e.key: e for e in EXPORTS}

# Downloads that are not documents built here: files handed out exactly as they are stored.
STORED_FILES = {
    "pages/admin.py#backup_download": "备份文件（.zip）：刚做的页面备份",
    "pages/admin.py#backup_pick_download": "备份文件（.zip）：备份目录中选中的一份",
    "pages/self_assessment.py#ev_download": "迎评材料：科室上传的原文件",
    "pages/verification.py#ev_download_*": "迎评材料：科室上传的原文件（核验队列和佐证材料中每个目标一个按钮）",
    "pages/supervision.py#order_file_*": "督办答复的附件：科室随答复上传的原文件（每个文件一个按钮）",
    # Built to a file by perfdash.present.inspection_package.build_package (also python -m perfdash
    # package) and handed out as written: the uploaded files as stored, and the two documents
    # registered above (inspection_contents, inspection_index).
    "pages/verification.py#inspection_package": "察访核验材料包（.zip）：迎评材料原文件，另含目录和索引",
    # Built by the export above (as edited) when it was issued, then kept under its hash as issued.
    "pages/bulletins.py#bulletin_issued_download": "已签发的督查通报（.docx）：签发时保存的文件",
}
