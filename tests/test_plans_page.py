"""方案管理 and several years side by side, through AppTest and the store: upload a Word plan, see
what was read and how it differs, confirm, find it; a section cannot open the page; a 1000-point
plan of other groups imports, scores and grades on its own total; last year's result beside
this year's."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from perfdash.core import settings
from perfdash.core.access import Actor
from perfdash.ops import auth, backup_folder
from perfdash.plan import read_plan_bytes
from perfdash.present import templates
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import plans, years
from tests import plan_docs
from tests.fixtures import shipped_plan, signed_in
from tests.running import run_cli

OFFICE = Actor.office()


def plain(text: str) -> str:
    """What a person reads from markdown the page escaped (it escapes every data character)."""
    return text.replace("\\", "")


def _amended_docx() -> bytes:
    """The seed as Word with 1-1-3's points and deadline changed and 7-4 removed."""
    lines, rows = plan_docs.seed_document()
    changed = []
    for cells in rows:
        if any(c.strip() == "7-4" for c in cells):
            continue
        if any(c.strip() == "1-1-3" for c in cells):
            cells = [("3" if c == "1" else "9月底前" if c == "12月底前" else c) for c in cells]
        changed.append(cells)
    return plan_docs.docx_bytes(lines[:-1], changed, lines[-1])


def test_the_office_uploads_a_word_plan_sees_the_differences_and_imports_it(db):
    at = signed_in("pages/plans.py").run()
    assert not at.exception
    at.file_uploader(key="plan_upload").set_value(("新方案.docx", _amended_docx(), "application/octet-stream")).run()
    assert not at.exception
    assert any(plain(h.value) == "泉州市教育局 2025年度" for h in at.subheader)
    shown_metrics = {m.label: m.value for m in at.metric}
    preview = {k: shown_metrics[k] for k in ("年度工作目标", "一级指标", "总分")}
    assert preview == {"年度工作目标": "60 项", "一级指标": "23 个", "总分": "101 分"}
    shown = plain(" ".join(m.value for m in at.markdown))
    assert "删除 1 项目标（7-4）：7-4“" in shown and "修改 1 项目标" in shown
    changes = next(df.value for df in at.dataframe if "原来" in df.value.columns)
    assert {(r["编号"], r["内容"], r["原来"], r["现在"]) for _, r in changes.iterrows()} == {
        ("1-1-3", "分值", "1", "3"),
        ("1-1-3", "完成时限", "2025-12-31", "2025-09-30"),
    }
    assert at.button(key="plan_import").disabled  # the seed's one warning (正文 66 vs 61) needs a reason
    at.text_input(key="plan_review_all").input("正文含动态目标，已核对").run()
    at.button(key="plan_import").click().run()
    assert not at.exception
    assert any("修改 1 项" in s.value and "删除 1 项" in s.value for s in at.success)
    store = Store(db)
    try:
        assert store.scalar("SELECT count(*) FROM targets WHERE plan_id = 1") == 60
        assert store.scalar("SELECT points::DOUBLE FROM targets WHERE plan_id = 1 AND code = '1-1-3'") == 3
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '导入方案'") >= 2
        reasons = store.rows("SELECT reason FROM plan_reviews WHERE plan_id = 1")
        warned = len(read_plan_bytes("新方案.docx", _amended_docx()).warnings)
        assert len(reasons) == warned > 1 and set(reasons) == {("正文含动态目标，已核对",)}
        assert (
            store.scalar(
                "SELECT phrase FROM target_sources WHERE plan_id = 1 AND code = '1-1-3' AND field = 'deadline'"
            )
            == "9月底前"
        )
    finally:
        store.close()


def test_a_new_years_plan_becomes_a_new_plan_and_shows_on_the_overview(db):
    # The page is opened by itself: under AppTest every run after a switch_page goes through
    # Streamlit's pages-folder mode once more, and the rerun out of it drops a button's click.
    at = signed_in("pages/plans.py").run()
    next_year = plan_docs.seed_docx("泉州市教育局2026年度绩效目标考评表")
    at.file_uploader(key="plan_upload").set_value(("2026方案.docx", next_year, "application/octet-stream")).run()
    assert any("第一份方案" in plain(m.value) for m in at.markdown)
    at.text_input(key="plan_review_all").input("已核对").run()
    at.button(key="plan_import").click().run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="plan_id")
    assert picker.options[:2] == ["泉州市教育局 2026年度", "泉州市教育局 2025年度"]
    assert picker.value == 2  # the plan just brought in is the one shown
    overview = signed_in("app.py").run()
    overview.switch_page("pages/overview.py").run()
    assert not overview.exception
    # A new session lands on the plan with data (2026 has no reports yet); 2026 is one pick away.
    assert overview.title[0].value.startswith("泉州市教育局2025年度")
    overview.sidebar.selectbox(key="plan_id").set_value(2).run()
    assert overview.title[0].value.startswith("泉州市教育局2026年度")
    assert any(m.value == "尚无填报" for m in overview.metric)


def test_a_file_that_is_no_plan_is_refused_on_the_page_with_its_cause(db):
    at = signed_in("pages/plans.py").run()
    at.file_uploader(key="plan_upload").set_value(
        ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "x")
    ).run()
    assert not at.exception
    assert any("另存为” Word 文档（.docx）" in plain(e.value) for e in at.error)
    assert not at.button(key="plan_import") if any(b.key == "plan_import" for b in at.button) else True


def test_sections_and_leaders_cannot_use_the_page(db):
    for role, scope in (("section", "中教科"), ("leader", "林长华")):
        at = signed_in("pages/plans.py", role, scope).run()
        assert not at.exception
        assert any("方案由绩效办导入和管理" in i.value for i in at.info)
        assert not at.file_uploader


def test_the_stored_plan_downloads_as_the_template_and_reads_back(plan_db):
    store = Store(plan_db)
    try:
        data = templates.plan_template_xlsx(plans.stored_plan(store, 1))
    finally:
        store.close()
    back = read_plan_bytes("模板.xlsx", data)
    assert [t.as_dict() for t in back.targets] == [t.as_dict() for t in shipped_plan().targets]


def test_suggested_milestones_are_set_when_the_office_says_so(tmp_path):
    plan = shipped_plan()
    plan.targets[2] = dataclasses.replace(plan.targets[2], deadline=date(2025, 12, 31))
    plan.suggested_milestones = {plan.targets[2].code: (date(2025, 6, 30), date(2025, 9, 30))}
    store = Store(tmp_path / "plans.duckdb")  # an empty database: the plan is its first
    try:
        plan_id = store.import_plan(plan).plan_id
        assert plans.apply_suggested_milestones(store, plan_id, plan, OFFICE) == ["1-1-3"]
        marks = store.rows("SELECT due_date FROM milestones WHERE code = '1-1-3' ORDER BY seq")
        assert [d for (d,) in marks] == [date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)]
    finally:
        store.close()


# -- another bureau's plan: 1000 points, its own groups ---------------------------------------------


@pytest.fixture
def thousand(tmp_path):
    data = plan_docs.header_docx("示范县教育局", 2026, plan_docs.thousand_point_targets(), plan_docs.THOUSAND_GROUPS)
    path = tmp_path / "县方案.docx"
    path.write_bytes(data)
    db = tmp_path / "county.duckdb"
    done = run_cli("import", str(path), "--db", str(db))
    assert done.code == 0, done.err
    return db


def _score(db, *extra) -> dict:
    return run_cli("score", "--db", str(db), "--json", *extra).as_json()


def test_a_thousand_point_plan_scores_on_its_own_total(thousand):
    full = _score(thousand, "--all", "100")
    assert full.pop("simulation") == "模拟，非正式结果" and full.pop("as_of") and full.pop("counts")
    assert full.pop("provisional") is True and full.pop("rules")["bands"][0] == ["优秀", 90.0]  # % of its total
    assert full == {
        "total": 1000,
        "groups": {"党的建设": 200, "业务工作": 600, "基础管理": 200},
        "grade": "优秀",
        "possible": 1000,
    }
    at_85 = _score(thousand, "--all", "85")
    assert (at_85["total"], at_85["grade"]) == (850, "良好")  # 85 % of its total, as 85 of 100
    store = Store(thousand)
    try:
        assert store.rows("SELECT grp, stated_points::DOUBLE FROM plan_groups ORDER BY seq") == [
            ("党的建设", 200.0),
            ("业务工作", 600.0),
            ("基础管理", 200.0),
        ]
        assert store.scalar("SELECT stated_total::DOUBLE FROM plans") == 1000
    finally:
        store.close()


def test_the_overview_of_a_thousand_point_plan_uses_its_groups(thousand, monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", str(thousand))
    at = signed_in("pages/overview.py").run()
    assert not at.exception
    groups = next(df.value for df in at.dataframe if "目标组" in df.value.columns)
    assert list(groups["目标组"]) == ["党的建设", "业务工作", "基础管理"]
    assert any(m.label == "总分值" and m.value == "1000 分" for m in at.metric)


# -- several years ----------------------------------------------------------------------------------


@pytest.fixture
def two_years(db):
    store = Store(db)  # the demo plan (1) and its history
    plan = shipped_plan()
    last = dataclasses.replace(plan, year=2024, title=plan.title.replace("2025", "2024"))
    last.targets = [dataclasses.replace(t, deadline=t.deadline.replace(year=2024)) for t in plan.targets]
    last_id = store.import_plan(last).plan_id
    rows = [ProgressRow(t.code, date(2024, 12, 27), 90.0, "推进中") for t in last.targets]
    store.add_progress(last_id, rows, OFFICE, today=date(2024, 12, 31))
    auth.ensure_admin(store)
    yield store, last_id
    store.close()


def test_last_years_result_sits_beside_this_years(two_years, db):
    store, last_id = two_years
    previous = years.previous_plan(store, "泉州市教育局", 2025)
    assert int(previous["plan_id"]) == last_id
    result = years.year_result(store, previous)
    assert (result.year, round(result.total, 2), result.grade, result.final) == (2024, 90.0, "优秀", False)
    store.close()
    out = _score(db)
    assert out["previous_year"] == {
        "year": 2024,
        "as_of": "2024-12-31",  # the year is over and no period was closed: its last period
        "total": 90.0,
        "possible": 100.0,
        "grade": "优秀",
        "final": False,
    }
    store.__init__(db)  # reopened for the fixture's teardown


def test_carryover_offers_last_years_targets_and_the_office_confirms(two_years):
    from perfdash.db import queries

    store, last_id = two_years
    now = queries.target_state(store, 1, date(2025, 11, 21), 2025)
    before = queries.target_state(store, last_id, date(2024, 12, 27), 2024)
    offered = years.carryover(now, before)
    assert len(offered) == 61 and (offered["code"] == offered["prev_code"]).all()  # the same plan a year on
    store.confirm_carryovers(1, last_id, list(zip(offered["code"], offered["prev_code"], strict=True))[:5], OFFICE)
    assert len(years.confirmed(store, 1)) == 5


def test_the_overview_shows_last_year_beside_this_one(two_years, db):
    store, _ = two_years
    store.close()
    at = signed_in("pages/overview.py").run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    last = next(c.value for c in at.caption if c.value.startswith("上年度（2024）"))
    assert last.startswith("上年度（2024）截至 2024-12-31：90.00 分 · 优秀（暂定）")  # 2024's office set no bands
    assert "预计年终得分（2025）" in labels
    store.__init__(db)


def test_a_dynamic_target_joins_the_plans_own_first_group(thousand):
    from perfdash.workflows import supervision

    store = Store(thousand)
    try:
        target = supervision.dynamic_target(
            "3-1", "临时交办：校园安全专项检查", 20, date(2026, 10, 31), ["办公室"], [], []
        )
        store.add_dynamic_target(1, target, OFFICE)
        assert store.scalar("SELECT grp FROM indicators WHERE plan_id = 1 AND indicator_code = '3'") == "党的建设"
    finally:
        store.close()


def test_a_plan_that_uses_indicator_3_gets_its_dynamic_targets_apart(thousand):
    import pandas as pd

    from perfdash.workflows import supervision

    own_3 = pd.DataFrame({"code": ["3-1", "3-2"], "indicator_code": ["3", "3"], "category": ["", ""]})
    assert supervision.next_dynamic_code(own_3) == "动态-1"
    quanzhou = pd.DataFrame({"code": ["2-1", "3-1"], "indicator_code": ["2", "3"], "category": ["", "动态工作目标"]})
    assert supervision.next_dynamic_code(quanzhou) == "3-2"
    store = Store(thousand)
    try:
        clash = supervision.dynamic_target("2-1-9", "专项任务", 10, date(2026, 10, 31), ["办公室"], [], [])
        with pytest.raises(StoreError, match="2-1 是方案中的一级指标"):
            store.add_dynamic_target(1, clash, OFFICE)
    finally:
        store.close()


# -- deleting a plan, and choosing carry-overs ------------------------------------------------------


def _next_years_plan(db, year: int = 2026) -> int:
    """The shipped plan again for ``year`` (a plan of the same unit, nothing reported): its id."""
    plan = shipped_plan()
    other = dataclasses.replace(plan, year=year, title=plan.title.replace("2025", str(year)))
    other.targets = [dataclasses.replace(t, deadline=t.deadline.replace(year=year)) for t in plan.targets]
    store = Store(db)
    try:
        return store.import_plan(other).plan_id
    finally:
        store.close()


def test_the_delete_button_waits_for_the_confirmation_and_a_reason(db):
    _next_years_plan(db)
    at = signed_in("pages/plans.py").run()
    assert not at.exception
    assert at.selectbox(key="plan_delete_pick").value == 1  # the plan shown (2025) is offered first
    assert at.button(key="plan_delete").disabled
    at.checkbox(key="plan_delete_sure_1").check().run()
    assert at.button(key="plan_delete").disabled  # no reason yet
    at.text_input(key="plan_delete_reason").input("   ").run()
    assert at.button(key="plan_delete").disabled  # blank is no reason
    at.checkbox(key="plan_delete_sure_1").uncheck()
    at.text_input(key="plan_delete_reason").input("误导入了征求意见稿").run()
    assert at.button(key="plan_delete").disabled  # a reason, not confirmed
    at.checkbox(key="plan_delete_sure_1").check().run()
    assert not at.button(key="plan_delete").disabled
    at.selectbox(key="plan_delete_pick").set_value(2).run()  # another plan: confirm that one afresh
    assert not at.checkbox(key="plan_delete_sure_2").value and at.button(key="plan_delete").disabled


def test_the_office_deletes_the_shown_plan_and_lands_on_another(db):
    new_id = _next_years_plan(db)
    at = signed_in("pages/plans.py").run()
    assert at.sidebar.selectbox(key="plan_id").value == 1
    at.checkbox(key="plan_delete_sure_1").check()
    at.text_input(key="plan_delete_reason").input("误导入了征求意见稿")
    at.run()
    at.button(key="plan_delete").click().run()
    assert not at.exception
    backups = backup_folder.list_backups(settings.backup_dir(db))
    assert len(backups) == 1
    flash = next(s.value for s in at.success if "已删除" in s.value)
    assert flash.startswith("已删除泉州市教育局2025年度方案：目标 61 项、进度记录 ")
    assert f"删除前已备份：{backups[0].path.name}" in flash
    stored = next(df.value for df in at.dataframe if "最近填报" in df.value.columns)  # the stored plans
    assert list(zip(stored["单位"], stored["年度"], strict=True)) == [("泉州市教育局", "2026")]
    picker = at.sidebar.selectbox(key="plan_id")
    assert (picker.options, picker.value) == (["泉州市教育局 2026年度"], new_id)
    assert at.selectbox(key="plan_delete_pick").value == new_id
    # The only plan left is not offered for deleting on the page (the page needs a plan to open).
    assert not [b for b in at.button if b.key == "plan_delete"]
    assert any("唯一的方案" in i.value for i in at.info)
    store = Store(db)
    try:
        assert store.scalar("SELECT count(*) FROM progress") == 0
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '删除方案'") == 1
    finally:
        store.close()


def test_an_evaluated_plan_shows_why_it_cannot_be_deleted(db):
    _next_years_plan(db)
    store = Store(db)
    try:
        store.evaluate(1, "1-3-1", 1.5, "察访核验", 1.5, OFFICE)
    finally:
        store.close()
    at = signed_in("pages/plans.py").run()
    assert not at.exception
    assert any("已有 1 项目标的综合评估" in plain(w.value) for w in at.warning)
    assert not [b for b in at.button if b.key == "plan_delete"]
    at.selectbox(key="plan_delete_pick").set_value(2).run()  # next year's plan has none: it may go
    assert not any("综合评估" in w.value for w in at.warning) and at.button(key="plan_delete").disabled


@pytest.fixture
def last_year_reworded(db):
    """Last year's plan (2024) with a third of its targets reworded a little and a third entirely,
    so that 2025's targets match it to a varying degree; its carry-overs as offered."""
    from perfdash.db import queries

    plan = shipped_plan()
    last = dataclasses.replace(plan, year=2024, title=plan.title.replace("2025", "2024"))
    last.targets = [
        dataclasses.replace(
            t,
            deadline=t.deadline.replace(year=2024),
            target=(t.target, t.target[: len(t.target) * 2 // 3], f"{n}号临时任务：其他工作安排")[n % 3],
        )
        for n, t in enumerate(plan.targets)
    ]
    store = Store(db)
    try:
        last_id = store.import_plan(last).plan_id
        offered = years.carryover(
            queries.target_state(store, 1, date(2025, 11, 21), 2025),
            queries.target_state(store, last_id, date(2024, 12, 31), 2024),
        )
    finally:
        store.close()
    return offered


def _ticked(at) -> list[str]:
    editor = next(df.value for df in at.dataframe if "confirm" in df.value.columns)
    return sorted(editor.loc[editor["confirm"], "code"])


def test_carry_over_buttons_tick_all_none_or_by_similarity(db, last_year_reworded):
    offered = last_year_reworded
    assert 20 < len(offered) < 61 and offered["similarity"].nunique() > 5  # a spread to choose from
    at = signed_in("pages/plans.py").run()
    assert not at.exception and _ticked(at) == []
    assert at.number_input(key="carry_threshold").value == 0.6
    at.button(key="carry_all").click().run()
    assert _ticked(at) == sorted(offered["code"])
    at.run()  # the ticks stay
    assert _ticked(at) == sorted(offered["code"])
    at.button(key="carry_none").click().run()
    assert _ticked(at) == []
    at.button(key="carry_similar").click().run()
    at_least_06 = sorted(offered.loc[offered["similarity"] >= 0.6, "code"])
    assert _ticked(at) == at_least_06 and 0 < len(at_least_06) < len(offered)
    at.number_input(key="carry_threshold").set_value(0.9).run()
    assert _ticked(at) == at_least_06  # a threshold alone ticks nothing until the button
    at.button(key="carry_similar").click().run()
    at_least_09 = sorted(offered.loc[offered["similarity"] >= 0.9, "code"])
    assert _ticked(at) == at_least_09 and len(at_least_09) < len(at_least_06)
    at.button(key="carry_save").click().run()
    assert not at.exception
    assert any(f"已确认 {len(at_least_09)} 项延续目标" in s.value for s in at.success)
    assert _ticked(at) == at_least_09  # drawn from what was saved
    store = Store(db)
    try:
        assert sorted(years.confirmed(store, 1)["code"]) == at_least_09
    finally:
        store.close()
