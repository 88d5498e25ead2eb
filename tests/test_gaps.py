"""Gaps where people already look, and reported beside counted completion (#34): the section's
进度填报 lists its evidence gaps from the office's day (12-01 by default) on and its returned claims
at any time; 督办与催报 counts every section's; the reminders carry them; 总览, 目标详情, the
target lists and 综合评估 show the counted completion (核验口径) where it differs from the
reported one. The demo plan's year is 2025: its gaps show from 2025-12-01; the demo history's
claims are accepted, so nothing differs until a test claims a target complete."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from perfdash.app import ui, widgets
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import tables
from perfdash.store import Store
from perfdash.workflows import claims, periods, supervision
from perfdash.workflows.progress import ProgressRow
from tests.fixtures import signed_in

OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1, 1-3-2, 1-3-3; co-section of 1-1-2, 1-2-2 …
AS_OF = date(2025, 11, 21)  # the demo's last closed period: the dashboards' default 统计日期
BEFORE, AFTER = date(2025, 11, 25), date(2025, 12, 2)  # either side of 2025-12-01


def _claim(db, code: str = "1-3-1", returned: str | None = None) -> float:
    """中教科 reports ``code`` 100% 已完成 on the as-of day (a claim); the office returns it with
    the reason ``returned`` when given. Returns the completion reported before (what counts)."""
    store = Store(db)
    try:
        before = float(queries.target_state(store, 1, AS_OF, 2025).set_index("code").loc[code, "completion_pct"])
        store.add_progress(1, [ProgressRow(code, AS_OF, 100, "已完成", "全部完成")], ZHONGJIAO, today=AS_OF)
        if returned:
            cid = int(claims.queue(store, 1).set_index("code").loc[code, "claim_id"])
            store.decide_claim(1, cid, False, returned, OFFICE)
    finally:
        store.close()
    return before


def _gaps(db, section: str | None = None) -> pd.DataFrame:
    store = Store(db)
    try:
        return claims.gaps(store, 1, section)
    finally:
        store.close()


def _texts(at: AppTest) -> list[str]:
    """Every paragraph of the page as a reader sees it (markdown escapes removed)."""
    return [_plain(e.value) for kind in ("markdown", "warning", "info", "caption") for e in at.get(kind)]


def _plain(text: object) -> str:
    return str(text).replace("\\", "")


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table of the page with ``column`` (st.dataframe keeps no key AppTest can find)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _listed(at: AppTest) -> list[str]:
    """The lines of the gap list folded under the section's summary (widgets.gap_list)."""
    block = next(b for b in at.main.children.values() if str(getattr(b.proto, "id", "")).endswith("-gaps_block"))
    lists = [m.value for m in block.get("markdown") if m.value.startswith("- **")]
    return _plain(lists[0]).splitlines() if lists else []


def _on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(ui, "today", lambda: day)


# -- 进度填报: the section's landing page --------------------------------------------------------


def test_the_section_sees_its_gaps_from_the_first_of_december(db, monkeypatch):
    _on(monkeypatch, AFTER)
    expected = _gaps(db, "中教科")
    assert len(expected) == 38 and set(expected["kind"]) == {"缺少佐证"}  # the demo: no file filed under any item
    at = signed_in("pages/progress.py", "section", "中教科").run()
    assert not at.exception
    block = [t for t in _texts(at) if t.startswith("**迎检材料缺项**")]
    assert block == ["**迎检材料缺项**（2025-12-01 起提示）：缺少佐证 38 项（9 个目标），年底前请补齐佐证材料。"]
    listed = _listed(at)
    assert len(listed) == expected["code"].nunique() == 9  # one line per target (and kind)
    first = expected[expected["code"] == "1-1-2"]
    assert listed[0] == f"- **1-1-2** 缺少佐证 {len(first)} 项：" + "；".join(first["what"])
    assert listed[0].startswith("- **1-1-2** 缺少佐证 5 项：“实施169所中小学校教学设备达标工程”的证明材料；")
    assert [line.split("**")[1] for line in listed] == list(dict.fromkeys(expected["code"]))
    assert at.data_editor(key="editor").value is not None  # the weekly report below, as before


def test_before_december_only_a_returned_claim_shows(db, monkeypatch):
    _on(monkeypatch, BEFORE)
    at = signed_in("pages/progress.py", "section", "中教科").run()
    assert not at.exception
    assert not [t for t in _texts(at) if "迎检材料缺项" in t or "退回" in t]
    _claim(db, "1-3-1", returned="缺少验收报告")
    at = signed_in("pages/progress.py", "section", "中教科").run()
    assert not at.exception
    assert [_plain(w.value) for w in at.warning if "退回" in w.value] == [
        "已退回待修改 1-3-1：退回理由：缺少验收报告。请补充佐证后在“核验与迎检”中重新提交。"
    ]
    assert not [t for t in _texts(at) if "迎检材料缺项" in t]
    # Another section does not see 中教科's return.
    other = signed_in("pages/progress.py", "section", "校安科").run()
    assert not [w.value for w in other.warning if "退回" in w.value]


def test_after_december_the_return_leads_the_gaps(db, monkeypatch):
    _on(monkeypatch, AFTER)
    _claim(db, "1-3-1", returned="缺少验收报告")
    at = signed_in("pages/progress.py", "section", "中教科").run()
    assert not at.exception
    assert any(_plain(w.value).startswith("已退回待修改 1-3-1：退回理由：缺少验收报告") for w in at.warning)
    block = next(t for t in _texts(at) if t.startswith("**迎检材料缺项**"))
    assert "已退回待修改 1 项、缺少佐证 38 项（9 个目标）" in block
    assert _listed(at)[0] == "- **1-3-1** 已退回待修改：退回理由：缺少验收报告"


# -- 督办与催报: every section's gaps, and the reminders -------------------------------------------


def test_the_office_sees_the_gaps_by_section(db, monkeypatch):
    _on(monkeypatch, AFTER)
    _claim(db, "1-3-1")  # a claim waiting for the office
    every = _gaps(db)
    at = signed_in("pages/supervision.py").run()
    assert not at.exception
    counts = _table(at, "涉及目标").set_index("科室")
    assert list(counts.columns) == ["已退回待修改", "待核验", "缺少佐证", "涉及目标", "合计"]
    assert int(counts["合计"].sum()) == len(every) == 199  # the demo's 198 missing files and one claim
    assert counts.loc["中教科"].tolist() == [0, 1, 15, 3, 16]  # by lead section: its own three targets
    assert counts.loc["高教职教科", "缺少佐证"] == 33
    assert list(counts["合计"]) == sorted(counts["合计"], reverse=True)
    assert any(_plain(e.label).startswith("中教科：待核验 1 项、缺少佐证 15 项") for e in at.expander)
    # The reminder texts to copy carry each section's gaps.
    texts = [c.value for c in at.code]
    assert texts and all("迎检材料缺项：" in t for t in texts)


def test_before_december_the_office_is_told_when_the_gaps_show(db, monkeypatch):
    _on(monkeypatch, BEFORE)
    at = signed_in("pages/supervision.py").run()
    assert not at.exception
    assert any("迎检材料缺项自 2025-12-01 起在这里按科室列出" in i.value for i in at.info)
    assert not [c.value for c in at.code if "迎检材料缺项" in c.value]
    section = signed_in("pages/supervision.py", "section", "中教科").run()
    assert len(section.tabs) == 4  # a section sees its own gaps on 进度填报


MISSING = pd.DataFrame({"section": ["中教科"], "targets": [3], "missing": [["1-3-1", "1-3-2", "1-3-3"]]})
PERIOD = periods.Period(49, date(2025, 11, 29), date(2025, 12, 5))


def test_the_reminder_names_a_sections_gaps_up_to_ten(db):
    gaps = _gaps(db)
    mine = supervision.section_gaps(gaps, "中教科")
    assert len(mine) == 38
    lines = supervision.gap_lines(gaps, "中教科")
    assert lines[0] == "迎检材料缺项：缺少佐证 38 项（9 个目标），请在“核验与迎检”中补齐。"
    named = mine.head(10)  # ten gaps named, a line per target: 1-1-2's five, 1-2-2's four, 1-2-3's first
    assert list(named["code"].value_counts(sort=False)) == [5, 4, 1]
    assert len(lines) == 1 + 3 + 1 and lines[-1] == "  等 38 项"
    assert lines[1] == "  1-1-2 缺少佐证：" + "；".join(
        w if len(w) <= supervision.GAP_CHARS else w[: supervision.GAP_CHARS - 1] + "…" for w in named["what"][:5]
    )
    assert lines[3].startswith("  1-2-3 缺少佐证：") and "；" not in lines[3]
    # The section's text to send: as before, its gaps before the signature.
    reach = pd.DataFrame(columns=["section", "email", "phone"])
    plain = supervision.reminder_texts("泉州市教育局", MISSING, PERIOD, reach).iloc[0]["text"]
    with_gaps = supervision.reminder_texts("泉州市教育局", MISSING, PERIOD, reach, gaps).iloc[0]["text"]
    assert plain.endswith("请尽快在绩效管理系统中填报。——泉州市教育局绩效办") and "\n" not in plain
    assert with_gaps == plain.replace("——泉州市教育局绩效办", "\n" + "\n".join(lines) + "\n——泉州市教育局绩效办")
    # The message to every section chosen: named in a mail, counted only in a chat message.
    _, mail = supervision.reminder_text("泉州市教育局", MISSING, PERIOD, gaps)
    _, chat = supervision.reminder_text("泉州市教育局", MISSING, PERIOD, gaps, items=0)
    assert "    等 38 项" in mail and len(mail.splitlines()) == 1 + 1 + 5 + 1
    assert chat.splitlines()[2] == "  迎检材料缺项：缺少佐证 38 项（9 个目标），请在“核验与迎检”中补齐。"
    assert len(chat.splitlines()) == 4  # header, the section, its summary, the signature
    assert supervision.reminder_text("泉州市教育局", MISSING, PERIOD) == supervision.reminder_text(
        "泉州市教育局", MISSING, PERIOD, None
    )


def test_a_sent_reminder_carries_the_gaps_from_december_only(demo_store, monkeypatch):
    monkeypatch.setenv("PERFDASH_SMTP_HOST", "")  # not sent, but logged with its body
    period = periods.calendar(demo_store, 1).period_of(AFTER)
    missing = supervision.not_reported(demo_store, 1, period.start, period.end)
    assert "中教科" in set(missing["section"])
    for today in (BEFORE, AFTER):
        supervision.remind(demo_store, 1, "泉州市教育局", ["中教科"], "email", period, OFFICE, today=today)
    bodies = list(demo_store.query("SELECT body FROM reminders ORDER BY reminder_id")["body"])
    assert "迎检材料缺项" not in bodies[0]
    assert "  迎检材料缺项：缺少佐证 38 项（9 个目标）" in bodies[1] and "等 38 项" in bodies[1]


# -- 总览, 目标详情, lists, 综合评估: reported and counted side by side ---------------------------------


def _overview() -> AppTest:
    return signed_in("pages/overview.py").run()


def test_the_overview_shows_the_counted_completion_only_while_a_claim_waits(db):
    at = _overview()
    assert not at.exception
    assert not [_plain(m.value) for m in at.markdown if "核验口径" in m.value]
    head = {m.label: m.value for m in at.metric}["加权完成率"]
    before = _claim(db, "1-3-1")
    store = Store(db)
    try:
        state = queries.target_state(store, 1, AS_OF, 2025)
    finally:
        store.close()
    points = float(state.set_index("code").loc["1-3-1", "points"])
    counted = queries.weighted_completion(claims.counted(state))
    reported = queries.weighted_completion(state)
    # Hand-checkable: the claim moves the reported headline by its points × the rest to 100, of 100 points.
    assert reported - counted == pytest.approx(points * (100 - before) / 100)
    at = _overview()
    assert not at.exception
    line = [_plain(m.value) for m in at.markdown if "核验口径" in m.value]
    shown = (lambda x: f"{x:.1f}%") if round(counted) == round(reported) else (lambda x: f"{round(x)}%")
    said = f"核验口径加权完成率 **{shown(counted)}**（填报 {shown(reported)}）：待核验 1 项，正式得分按核验口径计"
    assert line == [said]
    assert {m.label: m.value for m in at.metric}["加权完成率"] == f"{round(reported)}%"
    assert head == f"{round(reported - points * (100 - before) / 100)}%"


def _summary(at: AppTest) -> list[str]:
    block = next(b for b in at.main.children.values() if str(getattr(b.proto, "id", "")).endswith("-target_summary"))
    return [m.value.replace("\\", "") for m in block.children.values() if m.type == "markdown"]


def _target(code: str) -> AppTest:
    at = signed_in("pages/target.py")
    at.query_params["code"] = code
    return at.run()


def test_the_target_says_it_waits_for_the_check_and_what_counts(db):
    before = _claim(db, "1-3-1")
    at = _target("1-3-1")
    assert not at.exception
    line = next(p for p in _summary(at) if p.startswith("**核验**"))
    assert line == (
        f"**核验** :violet-badge[待核验] 2025-11-21 报 100%（报完成），等待绩效办核验；"
        f"正式计分按核验口径 **{round(before)}%**"
    )
    assert {m.label: m.value for m in at.metric}["完成率"] == "100%"
    assert any(
        _plain(c.value).startswith(f"填报完成率 100%；计分完成率（核验口径）{round(before)}%，报完成的填报待绩效办核验")
        for c in at.caption
    )


def test_the_target_shows_a_return_with_its_reason(db):
    before = _claim(db, "1-3-1", returned="缺少验收报告")
    line = next(p for p in _summary(_target("1-3-1")) if p.startswith("**核验**"))
    day = date.today().isoformat()  # the office returned it just now
    assert line == (
        f"**核验** :red-badge[已退回] 2025-11-21 报 100%（报完成），绩效办于 {day} 退回，理由：缺少验收报告；"
        f"正式计分按核验口径 **{round(before)}%**。请补充佐证后在“核验与迎检”中重新提交"
    )


def test_a_target_never_claimed_has_no_check_line(db):
    assert not [p for p in _summary(_target("1-3-1")) if p.startswith("**核验**")]


def test_target_lists_mark_a_check_and_still_fit(db):
    _claim(db, "1-3-1", returned="缺少验收报告")
    _claim(db, "1-3-2")
    store = Store(db)
    try:
        state = queries.target_state(store, 1, AS_OF, 2025)
    finally:
        store.close()
    shown = tables.target_list(state)
    marks = dict(zip(shown["编号"], shown["核验"], strict=True))
    assert (marks["1-3-1"], marks["1-3-2"], marks["1-3-3"]) == ("已退回", "待核验", "")
    assert list(shown.columns).index("核验") == list(shown.columns).index("滞后状态") + 1
    assert "核验" not in tables.target_list(state.assign(claim_state="accepted")).columns

    def width(table: pd.DataFrame) -> int:
        config = widgets.target_list_columns(table)
        return sum(int(config[n]["width"]) for n in table.columns)

    assert width(shown) == width(tables.target_list(state.assign(claim_state="")))  # the page's fit is kept


def test_the_score_sheet_shows_reported_and_counted_where_they_differ(db):
    leader = signed_in("pages/evaluation.py", "leader", "李自坚").run()
    assert "计分完成率" not in leader.dataframe[0].value.columns
    before = _claim(db, "1-3-1")
    leader = signed_in("pages/evaluation.py", "leader", "李自坚").run()
    assert not leader.exception
    sheet = leader.dataframe[0].value.set_index("编号")
    assert list(sheet.columns[:6]) == ["分值", "牵头科室", "填报完成率", "计分完成率", "核验", "计算得分"]
    assert sheet.loc["1-3-1", ["填报完成率", "计分完成率", "核验"]].tolist() == [100.0, round(before, 1), "待核验"]
    assert sheet.loc["1-3-2", "核验"] == ""
    office = signed_in("pages/evaluation.py").run()
    assert not office.exception
    editor = office.data_editor(key="eval_editor").value.set_index("code")
    assert editor.loc["1-3-1", ["reported_pct", "completion_pct", "claim_state"]].tolist() == [
        100.0,
        before,
        "待核验",
    ]
