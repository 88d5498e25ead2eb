"""Every write a page makes, each a thin call of its workflow's write (or the store's) for the
page's plan as the signed-in actor. Nothing here clears a cache: each write raises the data
version, and every read (perfdash.app.reads) is keyed on it. A refusal raises StoreError (or
auth.AuthError) with a message in Chinese; ``save`` shows it in place."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, time
from pathlib import Path

import streamlit as st

from perfdash.app import package_jobs, ui
from perfdash.app.city_view import CityContext
from perfdash.app.meeting_view import MeetingContext
from perfdash.app.session import session_token
from perfdash.app.ui import PageContext
from perfdash.core import fmt
from perfdash.db.database import StoreError as StoreError  # a write's refusal, for the page to show
from perfdash.ops import auth, backup_folder
from perfdash.plan.model import Plan, Target
from perfdash.present import bulletin
from perfdash.workflows import evaluation, official, periods, plan_delete, plans, progress, supervision
from perfdash.workflows.bulletins import Edits
from perfdash.workflows.plans import ImportResult

AuthError = auth.AuthError


def save(write: Callable[[], object], done: str, errors: tuple[type[Exception], ...] = (StoreError,)) -> None:
    """Run one write from a form or button: its refusal (``errors``, a message in Chinese) is shown
    in place; on success the page reloads and shows ``done`` once."""
    try:
        write()
    except errors as exc:
        st.error(fmt.md(str(exc)))
    else:
        ui.flash(done)
        st.rerun()


# -- accounts, tokens, backups -----------------------------------------------------------------
def change_own_password(ctx: PageContext, old: str, new: str) -> None:
    """The signed-in person's new password; this session stays, their others end."""
    auth.change_password(ctx.store, ctx.actor, ctx.account.username, old, new, session_token())


def register_account(
    ctx: PageContext, username: str, name: str, role: str, scope: str | None, password: str, email: str | None, units
) -> None:
    """A new account (the office's)."""
    auth.register_account(ctx.store, ctx.actor, username, name, role, scope, password, email, units)


def reset_password(ctx: PageContext, username: str, new: str) -> None:
    """The office sets another account's password."""
    auth.change_password(ctx.store, ctx.actor, username, None, new)


def set_account_disabled(ctx: PageContext, username: str, disabled: bool) -> None:
    """Disable an account (its sessions end at once) or enable it again; never one's own, nor the
    last unrestricted office account."""
    auth.set_account_disabled(ctx.store, ctx.actor, username, disabled)


def unlock_sign_in(ctx: PageContext, username: str) -> None:
    auth.unlock(ctx.store, ctx.actor, username)


def new_kiosk_token(ctx: PageContext, label: str) -> str:
    """A meeting-screen token, returned once (only its hash is kept)."""
    return auth.new_kiosk_token(ctx.store, ctx.actor, label)


def revoke_kiosk_token(ctx: PageContext, token_hash: str) -> None:
    ctx.store.revoke_kiosk_token(ctx.actor, token_hash)


def backup_now(ctx: PageContext, folder: Path) -> backup_folder.BackupFile:
    """A backup into the server's folder, checked against its manifest."""
    return backup_folder.backup_now(ctx.store, ctx.actor, folder)[0]


def edit_account(
    ctx: PageContext, username: str, role: str, scope: str | None, units: list[str] | None
) -> dict[str, object]:
    """Change an account's role, 科室 / 分管领导 and units (the office's); returns what changed."""
    return auth.edit_account(ctx.store, ctx.actor, username, role, scope, units)


# -- plans and reporting periods ---------------------------------------------------------------
def import_plan(
    ctx: PageContext, plan: Plan, with_milestones: bool, reviews: dict[str, str], remember_mapping: bool
) -> ImportResult:
    """Bring a plan in (new, or the stored one of its unit and year replaced) with the office's
    reason for each flagged reading, and, when asked, the earlier dates its deadlines name as
    milestones; the column mapping used is remembered for the unit's next upload when asked."""
    result = ctx.store.import_plan(plan, ctx.actor, reviews=reviews, remember_mapping=remember_mapping)
    if with_milestones:
        plans.apply_suggested_milestones(ctx.store, result.plan_id, plan, ctx.actor)
    return result


def confirm_carryovers(ctx: PageContext, previous_plan_id: int, pairs: list[tuple[str, str]]) -> None:
    ctx.store.confirm_carryovers(ctx.plan_id, previous_plan_id, pairs, ctx.actor)


def delete_plan(
    ctx: PageContext, plan_id: int, reason: str
) -> tuple[backup_folder.BackupFile, plan_delete.DeletedPlan]:
    """Delete a wrongly imported plan with everything recorded against it, after a backup into
    the server's folder (the same as the 备份 button's): checked first, so a refused delete takes
    no backup; a failed backup deletes nothing. Returns the backup and what was deleted."""
    plan_delete.check_delete(ctx.store, plan_id, ctx.actor, reason)
    made = backup_folder.backup_now(ctx.store, ctx.actor, ctx.backup_dir)[0]
    return made, ctx.store.delete_plan(plan_id, ctx.actor, reason)


def close_period(ctx: PageContext, early_reason: str | None = None) -> None:
    """Close the open reporting period (before its cut-off day only with a reason, audited)."""
    ctx.store.close_period(ctx.plan_id, ctx.actor, today=ui.today(), early_reason=early_reason)


def reopen_period(ctx: PageContext) -> None:
    ctx.store.reopen_period(ctx.plan_id, ctx.actor)


def set_rhythm(ctx: PageContext, rhythm: str, weekday: int, cutoff: time) -> None:
    ctx.store.set_rhythm(ctx.plan_id, rhythm, weekday, cutoff, ctx.actor)


def pin_as_of(ctx: PageContext, day: date | None) -> None:
    """Pin the dashboards' 统计日期 (None: back to the last closed period's)."""
    ctx.store.pin_as_of(ctx.plan_id, day, ctx.actor)


# -- progress and 量化指标 -----------------------------------------------------------------------
def report_progress(ctx: PageContext, rows: list[progress.ProgressRow]) -> int:
    """A checked batch of progress reports, all or none; returns how many were written."""
    return progress.commit(ctx.store, ctx.plan_id, ctx.actor, rows)


def review_kpis(ctx: PageContext, code: str, rows: list[dict]) -> None:
    ctx.store.review_kpis(ctx.plan_id, code, rows, ctx.actor)


def set_completion_mode(ctx: PageContext, code: str, mode: str) -> None:
    ctx.store.set_completion_mode(ctx.plan_id, code, mode, ctx.actor)


def report_kpi_actuals(ctx: PageContext, code: str, values: dict[str, float], day: date) -> None:
    ctx.store.report_kpi_actuals(ctx.plan_id, code, values, day, ctx.actor)


# -- scoring -----------------------------------------------------------------------------------
def save_scenario(
    ctx: PageContext,
    name: str,
    note: str,
    base: str,
    rules_json: str,
    values: dict[str, float],
    adjustments_json: str | None = None,
) -> None:
    ctx.store.save_scenario(
        ctx.plan_id, name, note, base, ctx.as_of, rules_json, values, ctx.actor, adjustments_json=adjustments_json
    )


def delete_scenario(ctx: PageContext, scenario_id: int) -> None:
    ctx.store.delete_scenario(scenario_id, ctx.actor)


def add_adjustment(ctx: PageContext, kind: str, points: float, reason: str, basis: str = "") -> None:
    ctx.store.add_adjustment(ctx.plan_id, kind, points, reason, ctx.actor, basis=basis)


def set_rules(ctx: PageContext, form: dict) -> None:
    """Store the plan's official scoring rules from the 计分规则 form (official.from_form)."""
    ctx.store.set_rules(ctx.plan_id, official.from_form(**form).to_json(), ctx.actor)


def withdraw_adjustment(ctx: PageContext, adjustment_id: int) -> None:
    ctx.store.withdraw_adjustment(adjustment_id, ctx.actor)


# -- self-assessment and the evaluation --------------------------------------------------------
def submit_self_assessment(ctx: PageContext, code: str, pct: float, score: float, summary: str) -> None:
    ctx.store.submit_self_assessment(ctx.plan_id, code, pct, score, summary, ctx.actor)


def sign_self_assessment(ctx: PageContext, code: str) -> None:
    ctx.store.sign_self_assessment(ctx.plan_id, code, ctx.actor)


def evaluate_many(ctx: PageContext, scores: list[tuple[str, float, str, float]]) -> None:
    """Every target's 评定得分 in one transaction: all saved, or none."""
    ctx.store.evaluate_many(ctx.plan_id, scores, ctx.actor)


def select_innovation(ctx: PageContext, innovation_id: int, selected: bool) -> None:
    ctx.store.select_innovation(innovation_id, selected, ctx.actor)


def add_innovation(ctx: PageContext, title: str, level: str, section: str, description: str) -> None:
    ctx.store.add_innovation(ctx.plan_id, title, level, section, description, ctx.actor)


def add_survey_sample(
    ctx: PageContext, name: str, org: str, category: str, phone: str, section: str, note: str
) -> None:
    ctx.store.add_survey_sample(ctx.plan_id, name, org, category, phone, section, note, ctx.actor)


def set_report_notes(ctx: PageContext, problems: str, measures: str) -> None:
    ctx.store.set_report_notes(ctx.plan_id, problems, measures, ctx.actor)


def set_lock(ctx: PageContext, locked: bool) -> None:
    """Lock the plan's year (sections can then change nothing), or unlock it."""
    ctx.store.set_lock(ctx.plan_id, locked, ctx.actor)


# -- supervision -------------------------------------------------------------------------------
def remind(ctx: PageContext, sections: list[str], channel: str, period: periods.Period) -> tuple[bool, str]:
    """Send a 催报 to sections not reported in ``period`` by e-mail or the chat robot, logged either
    way: (sent, message)."""
    return supervision.remind(ctx.store, ctx.plan_id, ctx.unit, sections, channel, period, ctx.actor)


def set_section_contact(ctx: PageContext, section: str, email: str, phone: str) -> None:
    ctx.store.set_section_contact(section, email, ctx.actor, ctx.plan_id, phone=phone)


def issue_order(ctx: PageContext, code: str, what: str, due: date) -> None:
    ctx.store.issue_order(ctx.plan_id, code, what, due, ctx.actor)


def close_order(ctx: PageContext, order_id: int, note: str) -> None:
    ctx.store.close_order(order_id, note, ctx.actor)


def set_milestones(ctx: PageContext, code: str, rows: list[tuple[str, date, str, float]]) -> None:
    ctx.store.set_milestones(ctx.plan_id, code, rows, ctx.actor)


def add_dynamic_target(ctx: PageContext, target: Target) -> None:
    ctx.store.add_dynamic_target(ctx.plan_id, target, ctx.actor)


# --- 核验与迎检 (#34) ---------------------------------------------------------------------------
# The 核验与迎检 page's writes (pages/verification.py): the office decides claims, marks reports for
# checking and edits checklists; a section resubmits and files evidence under checklist items;
# anyone signed in starts a 察访核验 package (perfdash.app.package_jobs).


def decide_claim(ctx: PageContext, claim_id: int, accept: bool, note: str) -> None:
    """The office accepts a pending claim (it counts from now on) or returns it with a reason."""
    ctx.store.decide_claim(ctx.plan_id, claim_id, accept, note, ctx.actor)


def resubmit_claim(ctx: PageContext, claim_id: int, note: str) -> None:
    """A section sends its returned claim back to the office, saying what it fixed."""
    ctx.store.resubmit_claim(ctx.plan_id, claim_id, note, ctx.actor)


def mark_for_check(ctx: PageContext, code: str, note: str) -> int:
    """The office marks a target's latest report for checking (抽查); returns the claim's number."""
    return ctx.store.mark_for_check(ctx.plan_id, code, note, ctx.actor)


def set_checklist(ctx: PageContext, code: str, titles: list[str]) -> None:
    ctx.store.set_checklist(ctx.plan_id, code, titles, ctx.actor)


def confirm_checklists(ctx: PageContext) -> int:
    """Confirm every target's proposed checklist not confirmed yet; returns how many targets."""
    return ctx.store.confirm_checklists(ctx.plan_id, ctx.actor)


def set_gaps_from(ctx: PageContext, day: date) -> None:
    ctx.store.set_gaps_from(ctx.plan_id, day, ctx.actor)


def store_item_evidence(ctx: PageContext, code: str, item_seq: int | None, name: str, data: bytes) -> int:
    """An evidence file of a target filed under checklist item ``item_seq`` (the upload checks of
    evaluation.store_evidence: type, content, size, rights); returns its number."""
    return evaluation.store_evidence(ctx.store, ctx.plan_id, code, name, data, ctx.actor, item_seq=item_seq)


def file_evidence(ctx: PageContext, evidence_id: int, item_seq: int | None) -> None:
    """File a target's evidence file under one of its checklist items (None: unfiled)."""
    ctx.store.file_evidence(ctx.plan_id, evidence_id, item_seq, ctx.actor)


def start_package(ctx: PageContext, section: str | None) -> package_jobs.JobStatus:
    """Start building the 察访核验 package in the background for the signed-in person: the whole
    plan or one section's targets (a section only its own). StoreError while their previous build
    runs or the server is busy."""
    if ctx.account is None or ctx.actor.role not in ("office", "leader", "section"):
        raise StoreError("请先登录后再生成材料包")
    if ctx.actor.role == "section":
        section = ctx.actor.name  # never another section's files
    scope = f"{section}的目标" if section else "全部目标"
    name = f"察访核验材料包_{ctx.unit}_{ctx.year}年度_{section or '全部目标'}.zip"
    return package_jobs.JOBS.start(ctx.account.username, ctx.store, ctx.plan_id, ctx.actor, section, name, scope)


# --- 科室考评 (#35) ---------------------------------------------------------------------------------
# The 科室考评 page's writes (pages/assessment.py), all the office's: the scheme of a group (or the
# default), the groups, adjustments with a reason, leader scores, the lock. Each is refused while
# the results are locked, except unlocking (with a reason).


def set_assessment_scheme(ctx: PageContext, group: str, scheme: dict) -> None:
    """A group's scheme ('' = the default) from the 考评方案 form: a dict of
    workflows.assessment.Scheme's fields, stored as its JSON (checked there)."""
    ctx.store.set_scheme(ctx.plan_id, group, json.dumps(scheme, ensure_ascii=False), ctx.actor)


def clear_assessment_scheme(ctx: PageContext, group: str) -> None:
    """A group's own scheme removed: the group follows the default again."""
    ctx.store.clear_scheme(ctx.plan_id, group, ctx.actor)


def set_section_groups(ctx: PageContext, mapping: dict[str, str]) -> None:
    ctx.store.set_groups(ctx.plan_id, mapping, ctx.actor)


def add_section_adjustment(ctx: PageContext, section: str, points: float, reason: str) -> int:
    return ctx.store.add_section_adjustment(ctx.plan_id, section, points, reason, ctx.actor)


def withdraw_section_adjustment(ctx: PageContext, adjustment_id: int) -> None:
    ctx.store.withdraw_section_adjustment(ctx.plan_id, adjustment_id, ctx.actor)


def rate_section(ctx: PageContext, section: str, scores: dict[str, float | None]) -> int:
    """The 分管领导's scores of ``section`` that changed (leader → score, None clears it), one write
    each; returns how many were saved."""
    for leader, score in scores.items():
        ctx.store.rate_section(ctx.plan_id, section, leader, score, ctx.actor)
    return len(scores)


def lock_assessment(ctx: PageContext) -> None:
    """Fix the results as computed on the page's 统计日期."""
    ctx.store.lock_assessment(ctx.plan_id, ctx.as_of, ctx.year, ctx.actor)


def unlock_assessment(ctx: PageContext, reason: str) -> None:
    ctx.store.unlock_assessment(ctx.plan_id, reason, ctx.actor)


# --- 督查通报 (#36) ---------------------------------------------------------------------------------
def issue_bulletin(ctx: PageContext, month: date, edits: Edits) -> int:
    """Issue the month's 通报 as the office edited it (drafted again from the database, the Word file
    kept under its hash, then the row); returns its id. The office only."""
    return bulletin.issue(ctx.store, ctx.plan_id, month, edits, ctx.actor)


# --- 周会决定事项 (#36) -------------------------------------------------------------------------------
# The meeting screen's capture panel (perfdash.app.meeting_view): a signed-in office user or leader
# records a decision of the meeting, or a leader's instruction, as a 督办单.


def record_decision(
    ctx: MeetingContext,
    what: str,
    section: str | None,
    due: date | None,
    *,
    code: str | None = None,
    person: str = "",
    source: str = "meeting",
    source_day: date | None = None,
    source_leader: str = "",
) -> int:
    """A 周例会 decision (``source`` 'meeting') or 领导批示 ('instruction') as a 督办单 for the
    screen's plan, recorded by its signed-in viewer (asked again: the session may have ended since
    the panel was drawn); returns its number. The office's 签收 time applies (decisions.record_decision)."""
    if ctx.actor is None or ctx.token is not None:
        raise StoreError("大屏令牌只能查看，请登录后再记录决定事项")
    if not ctx.still_allowed():
        raise StoreError("登录已过期或账户已停用，请重新登录后再记录")
    if not section:
        raise StoreError("请选择责任科室")
    if due is None:
        raise StoreError("请填写办理时限")
    return ctx.store.record_decision(
        ctx.plan_id,
        what,
        section,
        due,
        ctx.actor,
        code=code,
        person=person,
        source=source,
        source_day=source_day,
        source_leader=source_leader,
        today=ui.today(),  # 签收 runs from the day it is recorded (the pages' one clock)
    )


# --- 督办：签收、答复与复核 (#36) --------------------------------------------------------------------
# 督办与催报's writes (pages/supervision.py): the section signs for an item and answers it with files;
# the office returns an answer with a reason or closes the item (办结销号), and sets its 签收 and
# 临近提醒 days.


def sign_order(ctx: PageContext, order_id: int) -> None:
    ctx.store.sign_order(order_id, ctx.actor)


def reply_order(ctx: PageContext, order_id: int, text: str, files: list[tuple[str, bytes]]) -> None:
    """The section's 办理情况 with its files (name, bytes): all recorded, or none when one is refused."""
    ctx.store.respond_order(order_id, text, ctx.actor, files=files)


def return_order(ctx: PageContext, order_id: int, reason: str) -> None:
    ctx.store.return_order(order_id, reason, ctx.actor)


def set_supervision_settings(ctx: PageContext, sign_days: int, remind_days: int) -> None:
    ctx.store.set_supervision_settings(ctx.plan_id, sign_days, remind_days, ctx.actor)


# --- 全市总览 (#38) ----------------------------------------------------------------------------------
# The city's two settings (pages/city.py 分组设置): its account (or an office account bound to no unit)
# writes them; the workflow refuses anyone else.
def set_unit_groups(ctx: CityContext, mapping: dict[str, str]) -> None:
    """The city's grouping, unit → group ('' or 未分组: none), replacing the whole of it."""
    ctx.store.set_unit_groups(mapping, ctx.actor)


def set_names_visible(ctx: CityContext, flag: bool) -> None:
    """Whether a unit sees the names of the other units of its group."""
    ctx.store.set_names_visible(flag, ctx.actor)
