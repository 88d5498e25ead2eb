"""The store every page and command opens: the database (perfdash.db.database) with each domain's
writes, which live beside their rules, gathered into one object."""

from __future__ import annotations

from perfdash.db.database import Database, StoreError
from perfdash.ops.auth import AccountWrites
from perfdash.workflows.assessment import AssessmentWrites
from perfdash.workflows.bulletins import BulletinWrites
from perfdash.workflows.city import CityWrites
from perfdash.workflows.claims import ClaimWrites
from perfdash.workflows.decisions import DecisionWrites
from perfdash.workflows.evaluation import EvaluationWrites
from perfdash.workflows.kpi_review import KpiWrites
from perfdash.workflows.official import RuleWrites
from perfdash.workflows.periods import PeriodWrites
from perfdash.workflows.plan_delete import PlanDeletes
from perfdash.workflows.plans import ImportResult, PlanWrites
from perfdash.workflows.progress import Problem, ProgressRow, ProgressWrites, validate_progress
from perfdash.workflows.scenarios import ScenarioWrites
from perfdash.workflows.supervision import SupervisionWrites
from perfdash.workflows.years import YearWrites

__all__ = ["ImportResult", "Problem", "ProgressRow", "Store", "StoreError", "validate_progress"]


class Store(
    Database,
    PlanWrites,
    PlanDeletes,
    ProgressWrites,
    PeriodWrites,
    ScenarioWrites,
    RuleWrites,
    EvaluationWrites,
    ClaimWrites,
    AssessmentWrites,
    SupervisionWrites,
    DecisionWrites,
    BulletinWrites,
    KpiWrites,
    YearWrites,
    AccountWrites,
    CityWrites,
):
    """One database and every write: plans (workflows.plans; deleting one: workflows.plan_delete),
    progress (workflows.progress), reporting periods (workflows.periods), scenarios and adjustments
    (workflows.scenarios), the official scoring rules (workflows.official), the year-end evaluation
    (workflows.evaluation), checked claims and evidence checklists (workflows.claims), assessing
    sections (workflows.assessment), 督办 (workflows.supervision; meeting decisions, 签收 and 复核:
    workflows.decisions), issuing the 督查通报 (workflows.bulletins), 量化指标 (workflows.kpi_review),
    targets carried over from last year (workflows.years), accounts (ops.auth) and the city's groups
    and settings (workflows.city). Each goes through
    Database.write: one transaction, the actor checked, the data version raised, the audit entry written."""
