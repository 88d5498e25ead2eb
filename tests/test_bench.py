"""The city-scale demo (deterministic, a whole year of weekly reports) and the benchmark's table."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from perfdash.__main__ import main
from perfdash.bench import bench
from perfdash.core.settings import PROJECT_ROOT
from perfdash.server.demo import build_city_demo, city_unit, demo_reports, fridays, weekly_ledger
from perfdash.store import Store
from tests.fixtures import DEMO_SEED, shipped_plan

CHECKSUM = """
    SELECT count(*)::BIGINT AS n, sum(completion_pct)::DOUBLE AS pct_sum,
           md5(string_agg(concat_ws('|', p.unit, g.code, g.report_date, g.completion_pct, g.status, g.note, g.reporter),
                          ',' ORDER BY p.unit, g.code, g.report_date)) AS digest
    FROM progress g JOIN plans p USING (plan_id)
"""


def _build(path: Path, units: int, seed: int) -> tuple[list[int], int, tuple]:
    store = Store(path)
    try:
        ids, written = build_city_demo(store, shipped_plan(), units, seed)
        return ids, written, tuple(store.query(CHECKSUM).iloc[0])
    finally:
        store.close()


def test_fridays_of_2025():
    days = fridays(2025, date(2025, 12, 26))
    assert len(days) == 52
    assert days[0] == date(2025, 1, 3) and days[-1] == date(2025, 12, 26)
    assert {d.weekday() for d in days} == {4}


def test_weekly_ledger_is_the_demo_history_filled_out_week_by_week():
    plan = shipped_plan()
    until = date(2025, 12, 26)
    ledger = weekly_ledger(plan, DEMO_SEED, until)
    assert len(ledger) == 61 * 52  # every target, every Friday
    rows = {(r.row.code, r.row.report_date): r.row for r in ledger}
    assert len(rows) == len(ledger)  # one report per target and week
    for r in demo_reports(plan, DEMO_SEED, until):  # the generated reports are all there, unchanged
        assert rows[(r.row.code, r.row.report_date)] == r.row
    for t in plan.targets:  # progress never goes back
        pcts = [rows[(t.code, d)].completion_pct for d in fridays(2025, until)]
        assert pcts == sorted(pcts)


def test_city_demo_is_deterministic_with_a_year_of_weekly_reports(tmp_path):
    ids, written, first = _build(tmp_path / "a.duckdb", 3, DEMO_SEED)
    assert ids == [1, 2, 3]
    assert written == 3 * 61 * 52 == first[0]
    _, _, again = _build(tmp_path / "b.duckdb", 3, DEMO_SEED)
    assert again == first  # same seed: the same rows, to the byte
    _, _, other = _build(tmp_path / "c.duckdb", 3, DEMO_SEED + 1)
    assert other[0] == first[0] and other[2] != first[2]

    store = Store(tmp_path / "a.duckdb")
    try:
        units = store.query("SELECT unit, year, title FROM plans ORDER BY plan_id")
        assert (
            units["unit"].tolist()
            == [city_unit(1), city_unit(2), city_unit(3)]
            == ["示范市第001局", "示范市第002局", "示范市第003局"]
        )
        assert (units["year"] == 2025).all()
        assert units["title"].iloc[0] == "示范市第001局2025年度绩效目标考评表"
        per_target = store.query(
            "SELECT plan_id, code, count(*) AS n, min(report_date) AS first, max(report_date) AS last "
            "FROM progress GROUP BY ALL"
        )
        assert len(per_target) == 3 * 61
        assert (per_target["n"] == 52).all()
        assert (per_target["last"].dt.date == date(2025, 12, 26)).all()
        # Each bureau's units differ (own seed), and each report is filed by the target's lead section.
        sums = store.query("SELECT plan_id, sum(completion_pct)::DOUBLE AS s FROM progress GROUP BY 1")
        assert sums["s"].nunique() == 3
        mismatched = store.scalar(
            "SELECT count(*) FROM progress g JOIN target_sections s "
            "ON s.plan_id = g.plan_id AND s.code = g.code AND s.seq = 1 WHERE g.reporter <> s.section"
        )
        assert mismatched == 0
        assert store.scalar("SELECT bool_and(is_demo) FROM progress")
    finally:
        store.close()
    # Building again changes nothing (an interrupted build resumes where it stopped).
    _, written_again, same = _build(tmp_path / "a.duckdb", 3, DEMO_SEED)
    assert written_again == 0 and same == first


def test_the_benchmark_covers_every_page():
    listed = {script for script, _ in bench.app_pages()}
    on_disk = {str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    assert ("pages/overview.py", "总览") in bench.app_pages()


def test_the_browser_benchmark_clicks_through_the_office_menu_in_its_order():
    # The browser opens pages from the sidebar, so only the menu's pages can be clicked: 我的分管
    # is a leader's page, and clicking for it timed out.
    pages = bench.menu_pages()
    assert pages[0] == ("pages/overview.py", "总览") and pages[-1] == ("pages/account.py", "我的账户")
    assert "pages/mine.py" not in dict(pages)
    assert bench.menu_pages("leader")[0][0] == "pages/mine.py"
    # on a city database the office's menu holds the city's pages, before 管理
    city = bench.menu_pages(city=True)
    assert ("pages/city.py", "全市总览") in city and "pages/city.py" not in dict(pages)
    assert [f for f, _ in city].index("pages/city.py") < [f for f, _ in city].index("pages/admin.py")


def test_table_cells():
    rows = [
        bench.Row("页面", 0.5, 0.25, 2.5, "≤ 0.3 s", False),
        bench.Row("内存", limit="< 400 MB", ok=True, value="300 MB"),
    ]
    lines = bench.markdown(rows).splitlines()
    assert lines[0] == "| 项目 | 冷 (s) | 热 (s，中位数) | 相对基线 | 限值 | 达标 |"
    assert lines[2] == "| 页面 | 0.500 | 0.250 | 2.50× | ≤ 0.3 s | ✗ |"
    assert lines[3] == "| 内存 | — | 300 MB | — | < 400 MB | ✓ |"


def test_small_benchmark_prints_a_complete_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PERFDASH_DB", str(tmp_path / "unused.duckdb"))  # measure() points it at the city db
    out = tmp_path / "bench.md"
    rc = main(["bench", "--db", str(tmp_path / "city.duckdb"), "--units", "2", "--runs", "2", "--markdown", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert text.strip() in printed
    assert "2 个单位、6,344 条进度记录" in text  # 2 bureaus × 61 targets × 52 weeks
    table = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    assert cells[0] == list(bench.HEADER)
    body = {c[0]: c[1:] for c in cells[2:]}
    assert all(len(c) == 6 for c in cells)
    pages = {k: v for k, v in body.items() if k.startswith("页面 ") or k.startswith("app.py")}
    assert len(pages) == 1 + len(bench.app_pages())
    memory_row = "进程峰值内存（ru_maxrss，含上面的浏览）"
    timed = {k: v for k, v in body.items() if k != memory_row}
    for item, (cold, warm, ratio, _, _) in timed.items():
        assert float(cold) > 0, item
        if warm != "—":
            assert float(warm) > 0, item
            assert float(ratio.rstrip("×")) > 0, item
    for item, (_, _, _, limit, ok) in pages.items():
        assert limit == "≤ 0.3 s 且 ≤ 2×" and ok in ("✓", "✗"), item
    assert any(k.startswith("forecast.simulate（10,000 次）") for k in body)
    assert any(k.startswith("上传提交 1,000 行") for k in body)
    memory = body[memory_row]
    assert "浏览：2 个单位 × 6 个主要页面（合计）" in body
    assert re.fullmatch(r"\d+ MB", memory[1]) and int(memory[1].split()[0]) > 0
    assert memory[3] == "< 400 MB"
    # The upload went to a copy: the city database is as it was built.
    store = Store(tmp_path / "city.duckdb")
    try:
        assert store.scalar("SELECT count(*) FROM progress") == 2 * 61 * 52
    finally:
        store.close()
