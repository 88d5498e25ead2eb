"""The year-end evaluation as the plan prescribes: self-assessment evidence files, the progress
board against 12月30日, the office's final scores, innovations toward 6-5 (the score sheet built on
them: perfdash.workflows.official)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from perfdash.core import intake, settings
from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role
from perfdash.workflows import claims

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_FILE_NAME = 200
EVIDENCE_ARCHIVE = intake.Limits(max_bytes=MAX_EVIDENCE_BYTES, max_rows=0, max_uncompressed=200 * intake.MB)
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


def evidence_dir(store: Database) -> Path:
    """Where evidence files live: PERFDASH_EVIDENCE_DIR, else ``evidence/`` beside the database."""
    return settings.evidence_dir(store.path)


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
    if len(file_name) > MAX_FILE_NAME:
        raise StoreError(f"文件名超过 {MAX_FILE_NAME} 个字，请改短后再上传")
    mime, starts = EVIDENCE_TYPES[ext]
    if not data.startswith(starts):
        raise StoreError(f"{file_name}：文件内容与扩展名不符（不是真正的 {ext.lstrip('.').upper()} 文件）")
    if intake.is_zip(data):  # Word and Excel files: a sane archive, not a compression bomb
        try:
            intake.check_archive(file_name, data, EVIDENCE_ARCHIVE)
        except intake.FileRejected as exc:
            raise StoreError(str(exc)) from exc
    return mime


def store_evidence(
    store: Database,
    plan_id: int,
    code: str | None,
    file_name: str,
    data: bytes,
    actor: Actor,
    innovation_id: int | None = None,
    item_seq: int | None = None,
) -> int:
    """Check an evidence file and the uploader's right to attach it, keep it under its content
    hash, and record it (filed under checklist item ``item_seq`` when given). Nothing is kept for
    a refused upload."""
    mime = check_evidence(file_name, data)
    store.check_evidence_rights(plan_id, code, innovation_id, actor)  # before any file is written
    sha = hashlib.sha256(data).hexdigest()
    target = evidence_path(store, sha, file_name)
    new = keep_file(target, data)
    try:
        return store.add_evidence(
            plan_id, code, innovation_id, Path(file_name).name, sha, len(data), mime, actor, item_seq=item_seq
        )
    except BaseException:
        if new:  # the record failed after the file was written: take the file back
            take_back(store, target)
        raise


# Every table naming a file kept under its content hash in the evidence folder (as the backup's
# backup_checks.STORED_FILES lists them).
FILE_HOLDERS = ("evidence", "order_files", "bulletins")


def named(store: Database, sha256: str) -> bool:
    """Whether any row names the file of a content hash: evidence, a 督办 reply's file, an issued 通报."""
    return any(
        store.scalar(f"SELECT count(*) FROM {table} WHERE content_sha256 = ?", [sha256])  # noqa: S608 (fixed names)
        for table in FILE_HOLDERS
    )


def keep_file(path: Path, data: bytes) -> bool:
    """Keep ``data`` at ``path`` (a file under its content hash) unless it is already there; True
    when written now, so that a save refused afterwards takes back only what it brought. Written
    to a temporary name, then renamed: a reader never sees half a file."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def take_back(store: Database, path: Path) -> None:
    """Remove a file kept (evidence/ab/<sha256>.ext) for a save that was not recorded, unless a row
    names its hash: another save of the same bytes recorded it meanwhile, and it is that one's now."""
    if not named(store, path.name.split(".", 1)[0]):
        path.unlink(missing_ok=True)


def evidence_path(store: Database, sha256: str, file_name: str) -> Path:
    """Where the evidence file of a content hash lives (evidence/ab/abcdef….pdf)."""
    return settings.evidence_file(store.path, sha256, file_name)


def read_evidence(store: Database, evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, mime, bytes) of a stored evidence file, its hash checked."""
    row = store.query(
        "SELECT file_name, mime, content_sha256 FROM evidence WHERE evidence_id = $id", {"id": evidence_id}
    )
    if row.empty:
        raise StoreError(f"没有编号为 {evidence_id} 的材料")
    name, mime, sha = row.iloc[0]
    try:
        data = evidence_path(store, sha, name).read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{name}：材料文件缺失（可能是恢复备份时没有带上材料），请联系绩效办") from None
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


def assessments(store: Database, plan_id: int) -> pd.DataFrame:
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


def evidence_list(store: Database, plan_id: int, code: str | None = None) -> pd.DataFrame:
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


def innovations(store: Database, plan_id: int) -> pd.DataFrame:
    """The innovation register, with each one's evidence count."""
    return store.query(
        """
        SELECT i.innovation_id, i.title, i.level, i.section, i.description, i.selected, i.created_by, i.created_at,
               (SELECT count(*) FROM evidence e WHERE e.innovation_id = i.innovation_id)::INTEGER AS evidence
        FROM innovations i WHERE i.plan_id = $p ORDER BY i.innovation_id
        """,
        {"p": plan_id},
    )


def innovation_completion(store: Database, plan_id: int) -> float | None:
    """Target 6-5 asks for at least one innovation: 100 % once the office selects one, else None
    (no say: the reported completion stands)."""
    n = store.scalar("SELECT count(*) FROM innovations WHERE plan_id = $p AND selected", {"p": plan_id})
    return 100.0 if n else None


def final_scores(store: Database, plan_id: int) -> dict[str, float]:
    """The office's evaluated score per target."""
    df = store.query("SELECT code, final_score::DOUBLE AS s FROM evaluations WHERE plan_id = $p", {"p": plan_id})
    return dict(zip(df["code"], df["s"], strict=True))


def settled_scores(store: Database, plan_id: int) -> dict[str, float]:
    """The scores no longer left to the rules: the office's evaluated score per target, else the
    section's proposed (self-assessed) one. The score, the forecast and every simulation keep them."""
    return settled_from(assessments(store, plan_id), final_scores(store, plan_id))


def settled_from(assessed: pd.DataFrame, finals: dict[str, float]) -> dict[str, float]:
    """settled_scores from a plan's ``assessments`` and ``final_scores`` already read."""
    proposed = assessed.dropna(subset=["proposed_score"])
    out = {str(c): float(s) for c, s in zip(proposed["code"], proposed["proposed_score"], strict=True)}
    return out | finals


class EvaluationWrites:
    """Self-assessments, evidence, the office's scores, the lock, innovations, survey samples and the
    report's notes (part of perfdash.store.Store)."""

    def submit_self_assessment(
        self: Database,
        plan_id: int,
        code: str,
        completion_pct: float,
        proposed_score: float,
        summary: str,
        actor: Actor,
    ) -> None:
        """A target's self-assessment (自评): by its lead section, or the office. Resubmitting
        replaces it and clears the leader's sign-off (a changed text needs a new signature)."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        sections, _, points = self.target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "section" and sections and sections[0] == actor.name):
            raise StoreError(f"{code} 的自评由牵头科室（{sections[0] if sections else '—'}）提交")
        if not 0 <= float(completion_pct) <= 100:
            raise StoreError("完成率应在 0 到 100 之间")
        if not 0 <= float(proposed_score) <= points:
            raise StoreError(f"自评得分应在 0 到该目标分值 {points:g} 之间")
        summary = bounded("自评小结", summary, "summary", required=True)
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            old = w.execute(
                "SELECT completion_pct::DOUBLE, proposed_score::DOUBLE, summary, signed_by FROM self_assessments "
                "WHERE plan_id = ? AND code = ?",
                [plan_id, code],
            )
            w.execute("DELETE FROM self_assessments WHERE plan_id = ? AND code = ?", [plan_id, code])
            w.execute(
                "INSERT INTO self_assessments (plan_id, code, completion_pct, proposed_score, summary, submitted_by, "
                "submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    plan_id,
                    code,
                    round(float(completion_pct), 1),
                    round(float(proposed_score), 2),
                    summary,
                    actor.name,
                    datetime.now(),
                ],
            )
            w.audit(
                "提交自评",
                "self_assessment",
                code,
                dict(zip(("completion_pct", "proposed_score", "summary", "signed_by"), old[0], strict=True))
                if old
                else None,
                {"completion_pct": float(completion_pct), "proposed_score": float(proposed_score), "summary": summary},
            )

    def sign_self_assessment(self: Database, plan_id: int, code: str, actor: Actor) -> None:
        """The 分管领导's sign-off (审签) of a self-assessment: one of the target's leaders, or the
        office recording a paper signature."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        _, leaders, _ = self.target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "leader" and actor.name in leaders):
            raise StoreError(f"{code} 由 {'、'.join(leaders)} 分管，只有分管领导可以审签")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            found = w.execute("SELECT signed_by FROM self_assessments WHERE plan_id = ? AND code = ?", [plan_id, code])
            if not found:
                raise StoreError(f"{code} 还没有提交自评，无法审签")
            signer = actor.name if actor.role == "leader" else f"{actor.name}（代录）"
            w.execute(
                "UPDATE self_assessments SET signed_by = ?, signed_at = ? WHERE plan_id = ? AND code = ?",
                [signer, datetime.now(), plan_id, code],
            )
            w.audit("审签自评", "self_assessment", code, {"signed_by": found[0][0]}, {"signed_by": signer})

    def check_evidence_rights(
        self: Database, plan_id: int, code: str | None, innovation_id: int | None, actor: Actor
    ) -> None:
        """Whether ``actor`` may attach evidence to a target (any of its sections, or the office) or
        to an innovation of this plan (the section that declared it, or the office). Checked before
        the file is kept, and again in the write."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        if actor.role not in ("office", "section"):
            raise StoreError(f"{actor.label}不能上传材料")
        if code is not None:
            sections, _, _ = self.target_people(plan_id, code)
            if actor.role != "office" and actor.name not in sections:
                raise StoreError(f"“{actor.name}”不是 {code} 的责任科室，不能上传材料")
        elif innovation_id is not None:
            owner = self.scalar(
                "SELECT section FROM innovations WHERE innovation_id = ? AND plan_id = ?", [innovation_id, plan_id]
            )
            if owner is None:
                raise StoreError(f"本方案没有编号为 {innovation_id} 的创新成果")
            if actor.role != "office" and actor.name != owner:
                raise StoreError(f"创新成果 {innovation_id} 由{owner}申报，只有该科室或绩效办可以上传材料")
        else:
            raise StoreError("材料须属于一个目标或一项创新成果")

    def add_evidence(
        self: Database,
        plan_id: int,
        code: str | None,
        innovation_id: int | None,
        file_name: str,
        sha256: str,
        size: int,
        mime: str,
        actor: Actor,
        item_seq: int | None = None,
    ) -> int:
        """Record an evidence file already stored by its content hash (see store_evidence above),
        filed under its target's checklist item ``item_seq`` when given."""
        self.check_evidence_rights(plan_id, code, innovation_id, actor)
        items = claims.checklist(self, plan_id, [code]) if item_seq is not None and code is not None else None
        if item_seq is not None and (items is None or int(item_seq) not in set(items["seq"])):
            raise StoreError(f"{code or '创新成果'} 的佐证清单没有第 {item_seq} 项")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            if items is not None and code is not None:
                claims.keep_proposed(w, plan_id, code, items, actor)
            eid = w.execute(
                "INSERT INTO evidence (plan_id, code, innovation_id, file_name, content_sha256, size_bytes, mime, "
                "uploaded_by, uploaded_at, item_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING evidence_id",
                [plan_id, code, innovation_id, file_name, sha256, size, mime, actor.name, datetime.now(), item_seq],
            )[0][0]
            w.audit(
                "上传材料",
                "evidence",
                code or f"创新成果 {innovation_id}",
                None,
                {"file": file_name, "sha256": sha256, "bytes": size} | ({"item": item_seq} if item_seq else {}),
            )
        return int(eid)

    def evaluate(
        self: Database, plan_id: int, code: str, final_score: float, reason: str, proposed: float, actor: Actor
    ) -> None:
        """The office's final score of a target (综合评估); a score that differs from the proposed
        one needs a reason."""
        self.evaluate_many(plan_id, [(code, final_score, reason, proposed)], actor)

    def evaluate_many(self: Database, plan_id: int, scores: list[tuple[str, float, str, float]], actor: Actor) -> None:
        """The office's final scores (code, score, reason, proposed score) in one transaction: every
        one is checked first, and either all are saved or none. A score that differs from the
        proposed one needs a reason."""
        require_role(actor, {"office"}, "评定得分")
        self.require_unit(plan_id, actor)
        problems, rows = [], []
        for code, final_score, reason, proposed in scores:
            try:
                _, _, points = self.target_people(plan_id, code)
                if not 0 <= float(final_score) <= points:
                    raise StoreError(f"{code} 的得分应在 0 到 {points:g} 之间")
                why = bounded(f"{code} 的评定理由", reason, "note")
                if abs(float(final_score) - float(proposed)) > 1e-9 and not why:
                    raise StoreError(f"{code} 的评定得分与自评得分不同，请填写理由")
            except StoreError as exc:
                problems.append(str(exc))
            else:
                rows.append((code, round(float(final_score), 2), why, float(proposed)))
        if problems:
            raise StoreError("\n".join(problems))
        with self.write(actor, plan_id=plan_id) as w:
            old = {
                c: {"final_score": s, "reason": r}
                for c, s, r in w.execute(
                    "SELECT code, final_score::DOUBLE, reason FROM evaluations WHERE plan_id = ? "
                    "AND list_contains(?, code)",
                    [plan_id, [r[0] for r in rows]],
                )
            }
            w.execute(
                "DELETE FROM evaluations WHERE plan_id = ? AND list_contains(?, code)", [plan_id, [r[0] for r in rows]]
            )
            now = datetime.now()
            w.insert(
                "evaluations",
                ("plan_id", "code", "final_score", "reason", "evaluated_by", "evaluated_at"),
                [(plan_id, code, score, why, actor.name, now) for code, score, why, _ in rows],
            )
            new = {code: {"final_score": score, "reason": why, "proposed": prop} for code, score, why, prop in rows}
            if len(rows) == 1:  # one target: the entry names it, as it always has
                code = rows[0][0]
                w.audit("评定得分", "evaluation", code, old.get(code), new[code])
            else:
                w.audit("评定得分", "evaluation", f"{len(rows)} 项", old or None, new)

    def set_lock(self: Database, plan_id: int, locked: bool, actor: Actor) -> None:
        """Lock (or reopen) the plan's year: once locked only the office changes anything."""
        with self.write(actor, roles={"office"}, what="锁定年度", plan_id=plan_id) as w:
            was = bool(w.execute("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id])[0][0])
            w.execute("DELETE FROM plan_locks WHERE plan_id = ?", [plan_id])
            if locked:
                w.execute("INSERT INTO plan_locks VALUES (?, ?, ?)", [plan_id, actor.name, datetime.now()])
            w.audit(
                "锁定年度" if locked else "解除锁定",
                "plan",
                str(plan_id),
                {"locked": was},
                {"locked": locked},
            )

    def add_innovation(
        self: Database, plan_id: int, title: str, level: str, section: str, description: str, actor: Actor
    ) -> int:
        """A candidate innovation (创新成果): any section for itself, or the office."""
        require_role(actor, {"office", "section"}, "申报创新成果")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        if actor.role == "section" and actor.name != section:
            raise StoreError("科室只能申报本科室的创新成果")
        if level not in INNOVATION_LEVELS:
            raise StoreError(f"级别应为 {'、'.join(INNOVATION_LEVELS)} 之一")
        title = bounded("创新成果的名称", title, "title")
        description = bounded("创新成果的简介", description, "summary")
        if not title or not description:
            raise StoreError("请填写创新成果的名称和简介")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            iid = w.execute(
                "INSERT INTO innovations (plan_id, title, level, section, description, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING innovation_id",
                [plan_id, title, level, section, description, actor.name, datetime.now()],
            )[0][0]
            w.audit("申报创新成果", "innovation", str(iid), None, {"title": title, "level": level, "section": section})
        return int(iid)

    def select_innovation(self: Database, innovation_id: int, selected: bool, actor: Actor) -> None:
        """The office selects (or deselects) an innovation to count toward target 6-5."""
        require_role(actor, {"office"}, "遴选创新成果")
        plan_id = self.scalar("SELECT plan_id FROM innovations WHERE innovation_id = ?", [innovation_id])
        if plan_id is None:
            raise StoreError(f"没有编号为 {innovation_id} 的创新成果")
        with self.write(actor, plan_id=int(plan_id)) as w:
            old = w.execute("SELECT selected FROM innovations WHERE innovation_id = ?", [innovation_id])
            w.execute("UPDATE innovations SET selected = ? WHERE innovation_id = ?", [selected, innovation_id])
            w.audit("遴选创新成果", "innovation", str(innovation_id), {"selected": old[0][0]}, {"selected": selected})

    def add_survey_sample(
        self: Database,
        plan_id: int,
        name: str,
        organization: str,
        category: str,
        phone: str,
        section: str,
        note: str,
        actor: Actor,
    ) -> int:
        """One person on the public-evaluation sample list (公众评议): the office, or a section for itself."""
        require_role(actor, {"office", "section"}, "登记评议样本")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        if actor.role == "section" and actor.name != section:
            raise StoreError("科室只能登记本科室联系的评议样本")
        fields = {
            "name": bounded("姓名", name, "name", required=True),
            "organization": bounded("单位", organization, "name"),
            "category": bounded("类别", category, "name"),
            "phone": bounded("联系电话", phone, "name"),
            "note": bounded("备注", note, "note"),
        }
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            sid = w.execute(
                "INSERT INTO survey_samples (plan_id, name, organization, category, phone, section, note, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sample_id",
                [
                    plan_id,
                    fields["name"],
                    fields["organization"],
                    fields["category"],
                    fields["phone"],
                    section,
                    fields["note"],
                    actor.name,
                    datetime.now(),
                ],
            )[0][0]
            w.audit(
                "登记评议样本",
                "survey_sample",
                str(sid),
                None,
                {"name": fields["name"], "organization": fields["organization"], "section": section},
            )
        return int(sid)

    def set_report_notes(self: Database, plan_id: int, problems: str, measures: str, actor: Actor) -> None:
        """The problems and improvement measures the office writes for the 绩效评估报告."""
        problems = bounded("存在问题", problems, "report")
        measures = bounded("改进措施", measures, "report")
        with self.write(actor, roles={"office"}, what="撰写评估报告", plan_id=plan_id) as w:
            old = w.execute("SELECT problems, measures FROM report_notes WHERE plan_id = ?", [plan_id])
            w.execute("DELETE FROM report_notes WHERE plan_id = ?", [plan_id])
            w.execute(
                "INSERT INTO report_notes VALUES (?, ?, ?, ?, ?)",
                [plan_id, problems, measures, actor.name, datetime.now()],
            )
            w.audit(
                "撰写评估报告",
                "report",
                str(plan_id),
                {"problems": old[0][0], "measures": old[0][1]} if old else None,
                {"problems": problems, "measures": measures},
            )
