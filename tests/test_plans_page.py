"""方案管理 and several years side by side, through AppTest and the store: upload a Word plan, see
what was read and how it differs, confirm, find it; a section cannot open the page; a 1000-point
plan of other groups imports, scores and grades on its own total; last year's result beside
this year's."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from perfdash.core.access import Actor
from perfdash.ops import auth
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
    assert "删除 1 项目标（7-4）" in shown and "修改 1 项目标" in shown
    changes = next(df.value for df in at.dataframe if "原来" in df.value.columns)
    assert {(r["编号"], r["内容"], r["原来"], r["现在"]) for _, r in changes.iterrows()} == {
        ("1-1-3", "分值", "1", "3"),
        ("1-1-3", "完成时限", "2025-12-31", "2025-09-30"),
    }
    at.button(key="plan_import").click().run()
    assert not at.exception
    assert any("修改 1 项" in s.value and "删除 1 项" in s.value for s in at.success)
    store = Store(db)
    try:
        assert store.scalar("SELECT count(*) FROM targets WHERE plan_id = 1") == 60
        assert store.scalar("SELECT points::DOUBLE FROM targets WHERE plan_id = 1 AND code = '1-1-3'") == 3
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '导入方案'") >= 2
    finally:
        store.close()


def test_a_new_years_plan_becomes_a_new_plan_and_shows_on_the_overview(db):
    # The page is opened by itself: under AppTest every run after a switch_page goes through
    # Streamlit's pages-folder mode once more, and the rerun out of it drops a button's click.
    at = signed_in("pages/plans.py").run()
    next_year = plan_docs.seed_docx("泉州市教育局2026年度绩效目标考评表")
    at.file_uploader(key="plan_upload").set_value(("2026方案.docx", next_year, "application/octet-stream")).run()
    assert any("第一份方案" in plain(m.value) for m in at.markdown)
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
