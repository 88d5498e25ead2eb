"""The year-end evaluation as the plan prescribes: self-assessment evidence files, the progress
board against 12月30日, the office's scoring sheet, innovations toward 6-5, and the final scores."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from perfdash import scoring
from perfdash.access import Actor
from perfdash.store import Store, StoreError

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Allowed evidence: extension → (mime, how the file must start).
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
}
INNOVATION_LEVELS = ("国家级", "省级", "市级", "局级")
INNOVATION_TARGET = "6-5"
SELF_ASSESSMENT_STEP = "科室自评"


def evidence_dir(store: Store) -> Path:
    """Where evidence files live: PERFDASH_EVIDENCE_DIR, else ``evidence/`` beside the database."""
    configured = os.environ.get("PERFDASH_EVIDENCE_DIR")
    return Path(configured) if configured else Path(store.path).resolve().parent / "evidence"


def check_evidence(file_name: str, data: bytes) -> str:
    """The mime type of an acceptable evidence file; StoreError (in Chinese) for a wrong type,
    a file that is not what its name says, an empty one or one over the size limit."""
    ext = Path(file_name).suffix.lower()
    if ext not in EVIDENCE_TYPES:
        allowed = "、".join(sorted({e.lstrip(".").upper() for e in EVIDENCE_TYPES}))
        raise StoreError(f"{file_name}：不支持的文件类型（可上传 {allowed}）")
    if not data:
        raise StoreError(f"{file_name}：文件是空的")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise StoreError(f"{file_name}：文件超过 {MAX_EVIDENCE_BYTES // 1024 // 1024} MB 上限")
    mime, starts = EVIDENCE_TYPES[ext]
    if not data.startswith(starts):
        raise StoreError(f"{file_name}：文件内容与扩展名不符（不是真正的 {ext.lstrip('.').upper()} 文件）")
    return mime


def store_evidence(
    store: Store,
    plan_id: int,
    code: str | None,
    file_name: str,
    data: bytes,
    actor: Actor,
    innovation_id: int | None = None,
) -> int:
    """Check an evidence file, keep it under its content hash, and record it."""
    mime = check_evidence(file_name, data)
    sha = hashlib.sha256(data).hexdigest()
    folder = evidence_dir(store) / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (sha + Path(file_name).suffix.lower())
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # atomic: a reader never sees half a file
    return store.add_evidence(plan_id, code, innovation_id, Path(file_name).name, sha, len(data), mime, actor)


def read_evidence(store: Store, evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, mime, bytes) of a stored evidence file, its hash checked."""
    row = store.query(
        "SELECT file_name, mime, content_sha256 FROM evidence WHERE evidence_id = $id", {"id": evidence_id}
    )
    if row.empty:
        raise StoreError(f"没有编号为 {evidence_id} 的材料")
    name, mime, sha = row.iloc[0]
    path = evidence_dir(store) / sha[:2] / (sha + Path(name).suffix.lower())
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise StoreError(f"{name}：文件已损坏（校验值不符）")
    return str(name), str(mime), data


def self_assessment_deadline(calendar: pd.DataFrame, year: int) -> date:
    """The plan's own deadline for self-assessments (科室自评 … 12月30日前), else 30 December."""
    step = calendar[calendar["name"] == SELF_ASSESSMENT_STEP]
    if step.empty:
        return date(year, 12, 30)
    end = step.iloc[0]["end_date"]
    return end.date() if hasattr(end, "date") else end


def assessments(store: Store, plan_id: int) -> pd.DataFrame:
    """Self-assessments with their evidence count and sign-off, one row per assessed target."""
    return store.query(
        """
        SELECT a.code, a.completion_pct::DOUBLE AS self_pct, a.proposed_score::DOUBLE AS proposed_score, a.summary,
               a.submitted_by, a.submitted_at, a.signed_by, a.signed_at,
               (SELECT count(*) FROM evidence e WHERE e.plan_id = a.plan_id AND e.code = a.code)::INTEGER AS evidence
        FROM self_assessments a WHERE a.plan_id = $p ORDER BY a.code
        """,
        {"p": plan_id},
    )


def evidence_list(store: Store, plan_id: int, code: str | None = None) -> pd.DataFrame:
    """Evidence files of a plan (or one target), newest first."""
    return store.query(
        "SELECT evidence_id, code, innovation_id, file_name, size_bytes, mime, uploaded_by, uploaded_at "
        "FROM evidence WHERE plan_id = $p AND ($c IS NULL OR code = $c) ORDER BY evidence_id DESC",
        {"p": plan_id, "c": code},
    )


def board(state: pd.DataFrame, done: pd.DataFrame) -> pd.DataFrame:
    """Per lead section: targets, how many are self-assessed, evidenced and signed."""
    by_code = done.set_index("code") if not done.empty else pd.DataFrame(columns=["evidence", "signed_by"])
    rows = []
    for section, part in state.groupby("lead_section", sort=False):
        codes = list(part["code"])
        mine = by_code[by_code.index.isin(codes)]
        evidenced = int((mine["evidence"] > 0).sum()) if len(mine) else 0
        signed = int(mine["signed_by"].notna().sum()) if len(mine) else 0
        rows.append(
            {
                "section": section,
                "targets": len(codes),
                "assessed": len(mine),
                "evidenced": evidenced,
                "signed": signed,
                "complete": len(mine) == len(codes) and signed == len(codes),
            }
        )
    return pd.DataFrame(rows)


def innovations(store: Store, plan_id: int) -> pd.DataFrame:
    """The innovation register, with each one's evidence count."""
    return store.query(
        """
        SELECT i.innovation_id, i.title, i.level, i.section, i.description, i.selected, i.created_by, i.created_at,
               (SELECT count(*) FROM evidence e WHERE e.innovation_id = i.innovation_id)::INTEGER AS evidence
        FROM innovations i WHERE i.plan_id = $p ORDER BY i.innovation_id
        """,
        {"p": plan_id},
    )


def innovation_completion(store: Store, plan_id: int) -> float | None:
    """Target 6-5 asks for at least one innovation: 100 % once the office selects one, else None
    (no say: the reported completion stands)."""
    n = store.scalar("SELECT count(*) FROM innovations WHERE plan_id = $p AND selected", {"p": plan_id})
    return 100.0 if n else None


def final_scores(store: Store, plan_id: int) -> dict[str, float]:
    """The office's evaluated score per target."""
    df = store.query("SELECT code, final_score::DOUBLE AS s FROM evaluations WHERE plan_id = $p", {"p": plan_id})
    return dict(zip(df["code"], df["s"], strict=True))


@dataclass
class Sheet:
    """The office's scoring sheet: one row per target, and the evaluated total."""

    rows: pd.DataFrame
    result: scoring.Score


def sheet(store: Store, plan_id: int, state: pd.DataFrame, rules: scoring.Rules, as_of: date) -> Sheet:
    """Per target: points, reported completion and the score it earns under the rules, the
    self-assessment (completion, proposed score, evidence, sign-off), and the final score (the
    office's where set, else the proposed one, else the computed one). 6-5 counts the selected
    innovations."""
    completion = {}
    innov = innovation_completion(store, plan_id)
    if innov is not None and INNOVATION_TARGET in set(state["code"]):
        completion[INNOVATION_TARGET] = innov
    computed = scoring.score(state, rules, completion, as_of=as_of).targets.set_index("code")["score"]
    done = assessments(store, plan_id).set_index("code")
    finals = final_scores(store, plan_id)
    rows = state[["code", "group", "indicator", "target", "points", "completion_pct", "lead_section"]].copy()
    rows["computed_score"] = rows["code"].map(computed).round(2)
    rows["self_pct"] = rows["code"].map(done["self_pct"]).astype(float)
    rows["proposed_score"] = rows["code"].map(done["proposed_score"]).astype(float)
    rows["evidence"] = rows["code"].map(done["evidence"]).fillna(0).astype(int)
    rows["signed_by"] = rows["code"].map(done["signed_by"])
    rows["final_score"] = rows["code"].map(finals).astype(float)
    summaries = dict(zip(done.index, done["summary"], strict=True))
    rows["note"] = [str(summaries.get(c, "")) for c in rows["code"]]
    settled = rows["final_score"].fillna(rows["proposed_score"]).fillna(rows["computed_score"])
    fixed = dict(zip(rows["code"], settled.astype(float), strict=True))
    adjustments = scoring.adjustments_of(_adjustments(store, plan_id))
    result = scoring.score(state, rules, completion, adjustments, as_of, fixed=fixed)
    return Sheet(rows=rows, result=result)


def _adjustments(store: Store, plan_id: int) -> pd.DataFrame:
    from perfdash import queries

    return queries.adjustments(store, plan_id)
