"""Claims that are checked before they count (真实性核验), and the evidence each target needs.

The plan asks for true, objective and accurate figures and has the office meet the city's
察访核验. So a progress report that completes its target (已完成, or 100%) is a *claim*: it goes
to the office's queue, and until the office accepts it the official score counts the target's
latest report that needed no check or was accepted (``counted``). The office may also mark any
target's latest report for checking (抽查). A returned claim counts like a pending one (the value
before it) and shows its reason to the section, which fixes its evidence and resubmits; a later
report of the same target replaces a pending or returned claim (superseded). Nothing new is asked
of the weekly report: a report that does not complete its target counts at once.

Each target has an evidence checklist (佐证清单): proposed from its 量化指标 (one proof per number)
and its wording, edited by the office once per plan; files are filed under its items. From a day
the office sets (12-01 by default) the gaps — items without a file, claims waiting, returned
claims not yet resubmitted — are shown to each section and the office and go into reminders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.core.settings import DEMO_LABEL
from perfdash.db import kpi_tracking
from perfdash.db.database import Database, StoreError, Write, bounded, require_role

COMPLETED = "已完成"
# A claim's state as people read it.
STATES = {"pending": "待核验", "accepted": "已核验", "returned": "已退回", "superseded": "已被新填报替代"}
REASONS = {"completes": "报完成", "office": "绩效办抽查"}
ITEM_LIMIT = 8  # items per target: a checklist, not a filing system
ITEM_CHARS = 60

# Wording → the proof it calls for, in checklist order (first match of each adds its item).
TEXT_PROOFS: tuple[tuple[str, str], ...] = (
    (r"印发|出台|制定|制订|修订|方案|办法|意见|规划|细则|清单", "印发的文件、方案或制度（正式文本）"),
    (r"建成|新建|改扩建|扩建|建设|竣工|开工|项目|工程", "项目验收、竣工或进度证明"),
    (r"培训|会议|活动|竞赛|比赛|宣传|讲座|论坛|开展|组织", "活动通知、签到表、照片或新闻报道"),
    (r"检查|督查|督导|评估|考核|验收|排查|整改", "检查、评估或整改的记录与结果"),
    (r"获评|获得|评为|通过|认定|命名|入选|表彰", "获奖、认定或通报的文件"),
    (r"资金|经费|补助|投入|保障", "资金拨付或使用凭证"),
)
SUMMARY_ITEM = "工作完成情况说明"


# ---------------------------------------------------------------------------
# The checklist


def completes(pct: float, status: str) -> bool:
    """Whether a report claims its target done (the claims that must be checked)."""
    return float(pct) >= 100 or status == COMPLETED


def propose_items(text: str, kpis: Sequence[dict]) -> list[str]:
    """The checklist proposed for a target: one proof per 量化指标 (its phrase quoted, so the
    office sees where it came from), the proofs its wording calls for, and a completion
    statement last."""
    items: list[str] = []
    for k in kpis:
        phrase = str(k.get("phrase") or "").strip()
        subject = str(k.get("subject") or "").strip()
        if phrase:
            about = f"（{subject}）" if subject and subject not in phrase else ""
            items.append(_clip(f"“{phrase}”的证明材料{about}"))
    for pattern, proof in TEXT_PROOFS:
        if re.search(pattern, text) and proof not in items:
            items.append(proof)
    items = list(dict.fromkeys(items))[: ITEM_LIMIT - 1]
    return [*items, SUMMARY_ITEM]


def _clip(text: str) -> str:
    return text if len(text) <= ITEM_CHARS else text[: ITEM_CHARS - 1] + "…"


def checklist(store: Database, plan_id: int, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Every target's checklist, one row per item in the order shown: code, seq (the item's lasting
    number, which files are filed under), title, confirmed (the office's stored list) or proposed
    (from the 量化指标 and the text; seq numbers them in order)."""
    texts = store.query("SELECT code, target_text FROM targets WHERE plan_id = $p ORDER BY seq", {"p": plan_id})
    if codes is not None:
        texts = texts[texts["code"].isin(list(codes))]
    stored = store.query(
        "SELECT code, seq, title FROM evidence_items WHERE plan_id = $p ORDER BY code, position", {"p": plan_id}
    )
    by_code = {c: g for c, g in stored.groupby("code", sort=False)}
    kpis = kpi_tracking.effective(store, plan_id, list(texts["code"]))
    kpis_of = {c: g.to_dict("records") for c, g in kpis.groupby("code", sort=False)}
    rows = []
    for code, text in zip(texts["code"], texts["target_text"], strict=True):
        if code in by_code:
            part = by_code[code]
            rows += [(code, int(s), str(t), True) for s, t in zip(part["seq"], part["title"], strict=True)]
        else:
            rows += [(code, n, t, False) for n, t in enumerate(propose_items(str(text), kpis_of.get(code, [])), 1)]
    return pd.DataFrame(rows, columns=["code", "seq", "title", "confirmed"])


def filed(store: Database, plan_id: int) -> pd.DataFrame:
    """Evidence files of a plan's targets with the item each is filed under (item_seq, or NA)."""
    return store.query(
        "SELECT evidence_id, code, item_seq, file_name, content_sha256, size_bytes, mime, uploaded_by, uploaded_at "
        "FROM evidence WHERE plan_id = $p AND code IS NOT NULL ORDER BY code, item_seq, evidence_id",
        {"p": plan_id},
    )


def coverage(store: Database, plan_id: int, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The checklist with how many files prove each item (``files``)."""
    items = checklist(store, plan_id, codes)
    files = filed(store, plan_id)
    counts = files.dropna(subset=["item_seq"]).groupby(["code", "item_seq"]).size()
    items["files"] = [int(counts.get((c, s), 0)) for c, s in zip(items["code"], items["seq"], strict=True)]
    return items


# ---------------------------------------------------------------------------
# Claims


# Every report of some targets, oldest first, with whether it is unsettled: its latest claim (a
# report may have several: a claim, then an office's 抽查) is not accepted.
_REPORTS_SQL = (
    "SELECT g.progress_id, g.code, g.completion_pct::DOUBLE, g.status, g.recorded_at, "
    "coalesce((SELECT arg_max(c.state, c.claim_id) FROM claims c WHERE c.progress_id = g.progress_id), 'accepted') "
    "<> 'accepted' AS unsettled "
    "FROM progress g WHERE g.plan_id = ? AND list_contains(?, g.code) ORDER BY g.code, g.report_date, g.progress_id"
)


def open_for_new_reports(
    w: Write, plan_id: int, codes: Sequence[str], written_at: datetime, actor: Actor, is_demo: bool = False
) -> int:
    """Inside a progress write, after its rows are inserted (``written_at`` is their recorded_at):
    the claims they open. A new report that completes a target not yet counted as complete is a
    claim. When a new report becomes its target's latest, the target's earlier pending or
    returned claims are superseded (a backdated report leaves them as they are: the claimed
    report is still the latest); of several claims one batch opens for a target, only the latest
    stays open. The demo history's claims are recorded as accepted (by 演示数据): the demo's
    numbers stay those of its history, and the queue starts empty. Returns the claims opened."""
    codes = sorted(set(codes))
    if not codes:
        return 0
    reports = w.execute(_REPORTS_SQL, [plan_id, codes])
    is_new = {r[0]: pd.Timestamp(r[4]) == pd.Timestamp(written_at) for r in reports}
    latest = {code: pid for pid, code, *_ in reports}  # ordered by date: the last one wins
    superseding = sorted({code for code, pid in latest.items() if is_new[pid]})
    if superseding:
        w.execute(
            "UPDATE claims SET state = 'superseded' WHERE plan_id = ? AND list_contains(?, code) "
            "AND state IN ('pending', 'returned')",
            [plan_id, superseding],
        )
    settled: dict[str, tuple[float, str]] = {}
    for pid, code, pct, status, _, unsettled in reports:
        if not is_new[pid] and not unsettled:
            settled[code] = (pct, status)
    opened: dict[str, list[tuple]] = {}
    for pid, code, pct, status, _, _ in reports:
        if not is_new[pid]:
            continue
        if completes(pct, status) and not completes(*settled.get(code, (0.0, "未开始"))):
            opened.setdefault(code, []).append((plan_id, code, pid, "completes", actor.name, written_at))
        else:
            settled[code] = (pct, status)
    rows = []
    for claims_of in opened.values():
        *earlier, last = claims_of
        rows += [(*c[:4], "superseded", *c[4:], None, None) for c in earlier]
        state = "accepted" if is_demo else "pending"
        rows.append((*last[:4], state, *last[4:], DEMO_LABEL if is_demo else None, written_at if is_demo else None))
    if rows:
        w.insert(
            "claims",
            ("plan_id", "code", "progress_id", "reason", "state", "opened_by", "opened_at", "decided_by", "decided_at"),
            rows,
        )
    return len(opened)


def counted(state: pd.DataFrame) -> pd.DataFrame:
    """The target state as the official score counts it: each target at its latest report that
    needed no check or was accepted (``queries.target_state``'s checked_* columns)."""
    out = state.copy()
    out["completion_pct"] = out["checked_pct"].astype(float)
    out["status"] = out["checked_status"]
    out["finished_on"] = out["checked_finished_on"]
    return out


def differs(state: pd.DataFrame) -> pd.Series:
    """Targets whose reported completion is not (yet) the counted one."""
    return (state["completion_pct"].astype(float) - state["checked_pct"].astype(float)).abs() > 1e-9


def queue(store: Database, plan_id: int, states: Sequence[str] = ("pending", "returned")) -> pd.DataFrame:
    """The 核验 queue: each target's open claim (or, with other ``states``, its claims in them) with
    the report it is about, the evidence filed and the items still missing, oldest first."""
    df = store.query(
        """
        SELECT c.claim_id, c.code, t.target_text AS target, t.points::DOUBLE AS points, c.reason, c.state,
               g.report_date, g.completion_pct::DOUBLE AS completion_pct, g.status, g.note, g.reporter,
               c.opened_at, c.decided_by, c.decided_at, c.decision_note, c.resubmitted_by, c.resubmitted_at,
               c.resubmit_note,
               (SELECT s.section FROM target_sections s WHERE s.plan_id = c.plan_id AND s.code = c.code AND s.seq = 1)
                   AS lead_section,
               (SELECT list(s.section ORDER BY s.seq) FROM target_sections s
                 WHERE s.plan_id = c.plan_id AND s.code = c.code) AS sections
        FROM claims c
        JOIN progress g ON g.progress_id = c.progress_id
        JOIN targets t ON t.plan_id = c.plan_id AND t.code = c.code
        WHERE c.plan_id = $p AND list_contains($states, c.state)
        ORDER BY coalesce(c.resubmitted_at, c.opened_at), c.claim_id
        """,
        {"p": plan_id, "states": list(states)},
    )
    cover = coverage(store, plan_id, sorted(set(df["code"]))) if not df.empty else None
    if cover is not None:
        files = filed(store, plan_id)
        df["files"] = df["code"].map(files.groupby("code").size()).fillna(0).astype(int)
        missing = cover[cover["files"] == 0].groupby("code")["title"].agg(list)
        df["missing_items"] = [list(missing.get(c, [])) for c in df["code"]]
    else:
        df["files"] = pd.Series(dtype=int)
        df["missing_items"] = pd.Series(dtype=object)
    df["state_label"] = df["state"].map(STATES)
    df["reason_label"] = df["reason"].map(REASONS)
    return df


def claim_history(store: Database, plan_id: int, code: str) -> pd.DataFrame:
    """Every claim of a target, newest first (the 目标详情 timeline and the section's view)."""
    df = store.query(
        "SELECT c.claim_id, c.progress_id, c.reason, c.state, g.report_date, "
        "g.completion_pct::DOUBLE AS completion_pct, c.opened_at, c.decided_by, c.decided_at, c.decision_note, "
        "c.resubmitted_at, c.resubmit_note "
        "FROM claims c JOIN progress g ON g.progress_id = c.progress_id "
        "WHERE c.plan_id = $p AND c.code = $c ORDER BY c.claim_id DESC",
        {"p": plan_id, "c": code},
    )
    df["state_label"] = df["state"].map(STATES)
    df["reason_label"] = df["reason"].map(REASONS)
    return df


# ---------------------------------------------------------------------------
# Gaps


def gaps_from(store: Database, plan_id: int, year: int) -> date:
    """The day from which the evidence gaps are shown (the office's setting, else 12-01)."""
    found = store.scalar("SELECT gaps_from FROM claim_settings WHERE plan_id = $p", {"p": plan_id})
    return pd.Timestamp(found).date() if found is not None else date(year, 12, 1)


GAP_KINDS = ("已退回待修改", "待核验", "缺少佐证")


def gaps(store: Database, plan_id: int, section: str | None = None, kinds: Sequence[str] = GAP_KINDS) -> pd.DataFrame:
    """What is missing for the inspection, one row per problem: returned claims not yet resubmitted,
    claims waiting for the office, checklist items without a file. ``section``: only targets it
    answers for (lead or co-section); ``kinds``: only these (without 缺少佐证 the checklists are
    not read). Columns: kind, code, target, lead_section, sections, what."""
    targets = store.query(
        """
        SELECT t.code, t.target_text AS target, list(s.section ORDER BY s.seq) AS sections
        FROM targets t LEFT JOIN target_sections s USING (plan_id, code)
        WHERE t.plan_id = $p GROUP BY t.code, t.target_text, t.seq ORDER BY t.seq
        """,
        {"p": plan_id},
    )
    targets["sections"] = [[x for x in (s if s is not None else []) if x is not None] for s in targets["sections"]]
    if section is not None:
        targets = targets[[section in s for s in targets["sections"]]]
    info = targets.set_index("code")
    rows = []
    open_claims = queue(store, plan_id)
    for r in open_claims[open_claims["code"].isin(info.index)].itertuples():
        if r.state == "returned":
            rows.append(("已退回待修改", r.code, f"退回理由：{r.decision_note or '—'}"))
        else:
            said = f"{fmt.day(pd.Timestamp(r.report_date).date())} 报 {r.completion_pct:g}%（{r.reason_label}）"
            rows.append(("待核验", r.code, f"{said}，等待绩效办核验"))
    if "缺少佐证" in kinds:
        cover = coverage(store, plan_id, list(info.index))
        rows += [("缺少佐证", r.code, r.title) for r in cover[cover["files"] == 0].itertuples()]
    rows = [r for r in rows if r[0] in kinds]
    order = {c: i for i, c in enumerate(info.index)}
    df = pd.DataFrame(rows, columns=["kind", "code", "what"])
    df["target"] = df["code"].map(info["target"])
    df["sections"] = df["code"].map(info["sections"])
    df["lead_section"] = [s[0] if len(s) else "" for s in df["sections"]] if len(df) else pd.Series(dtype=str)
    df = df.assign(_k=df["kind"].map(GAP_KINDS.index), _o=df["code"].map(order))
    return df.sort_values(["_k", "_o"], kind="stable").drop(columns=["_k", "_o"]).reset_index(drop=True)


def gaps_summary(frame: pd.DataFrame) -> str:
    """One line: 缺少佐证 12 项（8 个目标）、待核验 2 项、已退回待修改 1 项."""
    if frame.empty:
        return "没有缺项"
    parts = []
    for kind in GAP_KINDS:
        part = frame[frame["kind"] == kind]
        if len(part):
            extra = f"（{part['code'].nunique()} 个目标）" if kind == "缺少佐证" else ""
            parts.append(f"{kind} {len(part)} 项{extra}")
    return "、".join(parts)


# ---------------------------------------------------------------------------
# Writes


@dataclass(frozen=True)
class ClaimRef:
    """A claim as its checks need it."""

    claim_id: int
    code: str
    state: str
    sections: list[str]


class ClaimWrites:
    """Checklists, claims and the gaps' start day (part of perfdash.store.Store)."""

    def _claim(self: Database, w: Write, plan_id: int, claim_id: int) -> ClaimRef:
        found = w.execute("SELECT code, state FROM claims WHERE claim_id = ? AND plan_id = ?", [claim_id, plan_id])
        if not found:
            raise StoreError(f"本方案没有编号为 {claim_id} 的核验事项")
        code, state = found[0]
        sections = [
            s
            for (s,) in w.execute(
                "SELECT section FROM target_sections WHERE plan_id = ? AND code = ? ORDER BY seq", [plan_id, code]
            )
        ]
        return ClaimRef(int(claim_id), str(code), str(state), sections)

    def decide_claim(self: Database, plan_id: int, claim_id: int, accept: bool, note: str, actor: Actor) -> None:
        """The office accepts a pending claim (it counts from now on) or returns it with a reason
        (the section sees it; the target keeps counting its value before the claim)."""
        require_role(actor, {"office"}, "核验填报")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        note = bounded("核验意见", note, "note", required=not accept)
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            claim = self._claim(w, plan_id, claim_id)
            if claim.state != "pending":
                raise StoreError(f"{claim.code} 的核验事项{STATES[claim.state]}，不在待核验状态")
            state = "accepted" if accept else "returned"
            w.execute(
                "UPDATE claims SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE claim_id = ?",
                [state, actor.name, datetime.now(), note, claim_id],
            )
            w.audit(
                "核验通过" if accept else "核验退回",
                "claim",
                claim.code,
                {"state": "pending"},
                {"state": state, "claim_id": claim_id, "note": note},
            )

    def resubmit_claim(self: Database, plan_id: int, claim_id: int, note: str, actor: Actor) -> None:
        """A section of the target (or the office) sends a returned claim back to the queue, saying
        what it fixed."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        note = bounded("修改说明", note, "note", required=True)
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            claim = self._claim(w, plan_id, claim_id)
            if actor.role != "office" and not (actor.role == "section" and actor.name in claim.sections):
                raise StoreError(f"只有 {claim.code} 的责任科室可以重新提交核验")
            if claim.state != "returned":
                raise StoreError(f"{claim.code} 的核验事项{STATES[claim.state]}，只有被退回的可以重新提交")
            w.execute(
                "UPDATE claims SET state = 'pending', resubmitted_by = ?, resubmitted_at = ?, resubmit_note = ? "
                "WHERE claim_id = ?",
                [actor.name, datetime.now(), note, claim_id],
            )
            w.audit(
                "重新提交核验",
                "claim",
                claim.code,
                {"state": "returned"},
                {"state": "pending", "claim_id": claim_id, "note": note},
            )

    def mark_for_check(self: Database, plan_id: int, code: str, note: str, actor: Actor) -> int:
        """The office marks a target's latest report for checking (抽查): it goes to the queue and,
        until accepted, the target counts its value before that report."""
        require_role(actor, {"office"}, "抽查填报")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        note = bounded("抽查说明", note, "note")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            latest = w.execute(
                "SELECT progress_id FROM progress WHERE plan_id = ? AND code = ? "
                "ORDER BY report_date DESC, progress_id DESC LIMIT 1",
                [plan_id, code],
            )
            if not latest:
                raise StoreError(f"{code} 还没有填报，无可抽查")
            waiting = w.execute(
                "SELECT count(*) FROM claims WHERE plan_id = ? AND code = ? AND state IN ('pending', 'returned')",
                [plan_id, code],
            )[0][0]
            if waiting:
                raise StoreError(f"{code} 已在核验队列中")
            cid = w.execute(
                "INSERT INTO claims (plan_id, code, progress_id, reason, state, opened_by, opened_at, decision_note) "
                "VALUES (?, ?, ?, 'office', 'pending', ?, ?, ?) RETURNING claim_id",
                [plan_id, code, latest[0][0], actor.name, datetime.now(), note or None],
            )[0][0]
            w.audit("抽查填报", "claim", code, None, {"claim_id": int(cid), "note": note})
        return int(cid)

    def set_checklist(self: Database, plan_id: int, code: str, titles: Sequence[str], actor: Actor) -> None:
        """The office confirms a target's checklist. An item whose title is kept keeps its number
        (and the files filed under it); a removed item's files stay with the target, unfiled."""
        require_role(actor, {"office"}, "编辑佐证清单")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        clean = list(dict.fromkeys(bounded("清单项", t, "title", required=True) for t in titles if str(t).strip()))
        if not clean:
            raise StoreError(f"{code} 的佐证清单至少要有一项")
        if len(clean) > ITEM_LIMIT:
            raise StoreError(f"{code} 的佐证清单最多 {ITEM_LIMIT} 项（现有 {len(clean)} 项）")
        if too_long := [t for t in clean if len(t) > ITEM_CHARS]:
            raise StoreError(f"清单项“{too_long[0][:20]}…”超过 {ITEM_CHARS} 个字，请精简")
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            if not w.execute("SELECT 1 FROM targets WHERE plan_id = ? AND code = ?", [plan_id, code]):
                raise StoreError(f"本方案没有目标 {code}")
            old = w.execute(
                "SELECT seq, title FROM evidence_items WHERE plan_id = ? AND code = ? ORDER BY seq", [plan_id, code]
            )
            if old and [t for _, t in old] == clean:
                w.without_audit()
                return
            # A list still proposed has numbers too: files may already be filed under them.
            base = old or list(checklist(self, plan_id, [code])[["seq", "title"]].itertuples(index=False, name=None))
            _write_items(w, plan_id, code, clean, base, actor)
            w.audit("编辑佐证清单", "evidence_items", code, [t for _, t in base] or None, clean)

    def confirm_checklists(self: Database, plan_id: int, actor: Actor) -> int:
        """The office confirms the proposed checklist of every target that has none stored yet
        (once per plan). Returns how many targets got one."""
        require_role(actor, {"office"}, "确认佐证清单")
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        proposed = checklist(self, plan_id)
        proposed = proposed[~proposed["confirmed"]]
        if proposed.empty:
            return 0
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            for code, part in proposed.groupby("code", sort=False):
                pairs = list(part[["seq", "title"]].itertuples(index=False, name=None))
                _write_items(w, plan_id, str(code), list(part["title"]), pairs, actor)
            w.audit(
                "确认佐证清单",
                "evidence_items",
                f"{proposed['code'].nunique()} 个目标",
                None,
                {c: list(p["title"]) for c, p in proposed.groupby("code", sort=False)},
            )
        return int(proposed["code"].nunique())

    def file_evidence(self: Database, plan_id: int, evidence_id: int, item_seq: int | None, actor: Actor) -> None:
        """File an evidence file of a target under one of its checklist items (None: unfiled)."""
        self.require_unit(plan_id, actor)
        found = self.query(
            "SELECT code, item_seq FROM evidence WHERE evidence_id = $e AND plan_id = $p",
            {"e": evidence_id, "p": plan_id},
        )
        if found.empty or found.iloc[0]["code"] is None:
            raise StoreError(f"本方案没有编号为 {evidence_id} 的目标材料")
        code = str(found.iloc[0]["code"])
        self.check_evidence_rights(plan_id, code, None, actor)
        items = checklist(self, plan_id, [code])
        if item_seq is not None and int(item_seq) not in set(items["seq"]):
            raise StoreError(f"{code} 的佐证清单没有第 {item_seq} 项")
        old = found.iloc[0]["item_seq"]
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            if item_seq is not None:
                keep_proposed(w, plan_id, code, items, actor)
            w.execute("UPDATE evidence SET item_seq = ? WHERE evidence_id = ?", [item_seq, evidence_id])
            before = {"evidence_id": evidence_id, "item": None if pd.isna(old) else int(old)}
            w.audit("归类材料", "evidence", code, before, {"evidence_id": evidence_id, "item": item_seq})

    def set_gaps_from(self: Database, plan_id: int, day: date, actor: Actor) -> None:
        """From which day sections see their evidence gaps (and reminders carry them)."""
        require_role(actor, {"office"}, "设置缺项提示日期")
        self.require_unit(plan_id, actor)
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute("SELECT gaps_from FROM claim_settings WHERE plan_id = ?", [plan_id])
            w.execute("DELETE FROM claim_settings WHERE plan_id = ?", [plan_id])
            w.execute(
                "INSERT INTO claim_settings (plan_id, gaps_from, updated_by, updated_at) VALUES (?, ?, ?, ?)",
                [plan_id, day, actor.name, datetime.now()],
            )
            w.audit(
                "设置缺项提示日期",
                "claim_settings",
                str(plan_id),
                str(pd.Timestamp(old[0][0]).date()) if old else None,
                day.isoformat(),
            )


def keep_proposed(w: Write, plan_id: int, code: str, items: pd.DataFrame, actor: Actor) -> None:
    """Inside a write that files a file under an item of ``code``'s checklist (``items``, as
    ``checklist`` read it): a still-proposed list is stored as it is, so that its numbers stay
    with their titles when the proposal changes (the office reviews the 量化指标 it came from)."""
    if items.empty or bool(items["confirmed"].any()):
        return
    if w.execute("SELECT 1 FROM evidence_items WHERE plan_id = ? AND code = ? LIMIT 1", [plan_id, code]):
        return
    pairs = list(items[["seq", "title"]].itertuples(index=False, name=None))
    _write_items(w, plan_id, code, [t for _, t in pairs], pairs, actor)


def _write_items(w: Write, plan_id: int, code: str, titles: list[str], old: list[tuple], actor: Actor) -> None:
    """Replace a target's stored items, keeping the number of every title kept. Files filed under
    a removed item become unfiled (a later item must not inherit them), and a new item never
    takes a number a file still names."""
    kept = {str(t): int(s) for s, t in old}
    used = [
        int(s)
        for (s,) in w.execute(
            "SELECT DISTINCT item_seq FROM evidence WHERE plan_id = ? AND code = ? AND item_seq IS NOT NULL",
            [plan_id, code],
        )
    ]
    next_seq = max([0, *kept.values(), *used]) + 1
    rows = []
    for position, title in enumerate(titles, 1):
        if title in kept:
            seq = kept[title]
        else:
            seq, next_seq = next_seq, next_seq + 1
        rows.append((plan_id, code, seq, title, position, actor.name, datetime.now()))
    w.execute("DELETE FROM evidence_items WHERE plan_id = ? AND code = ?", [plan_id, code])
    w.insert("evidence_items", ("plan_id", "code", "seq", "title", "position", "updated_by", "updated_at"), rows)
    w.execute(
        "UPDATE evidence SET item_seq = NULL WHERE plan_id = ? AND code = ? AND item_seq IS NOT NULL "
        "AND NOT list_contains(?, item_seq)",
        [plan_id, code, [r[2] for r in rows]],
    )
