"""bench --protocol and bench --memory: people as websocket clients speaking Streamlit's protocol
against real servers: they sign in with the form, open the rush's pages, and the tables come out
whole; a wrong password is caught, not timed."""

from __future__ import annotations

import re

import pytest

from perfdash.bench import protocol_bench, servers
from perfdash.bench.bench import machine
from perfdash.bench.command import _counts
from perfdash.core.settings import PROJECT_ROOT
from perfdash.server.demo import build_demo
from perfdash.store import Store
from tests.fixtures import DEMO_SEED, demo_db_path, shipped_plan


def _rush_rows(report: str) -> list[list[str]]:
    rows = [line.strip("| ").split(" | ") for line in report.splitlines() if re.match(r"\| \d", line)]
    assert rows, report
    return rows


def test_a_visitor_signs_in_with_the_form_and_opens_the_pages_a_person_would(tmp_path):
    db = str(demo_db_path(tmp_path))
    password = servers.prepare(db)
    env = {"PERFDASH_DB": db, "PERFDASH_ADMIN_PASSWORD": "unused-" + "x" * 12}

    async def visit(url: str) -> tuple[list[str], bool, int]:
        async with protocol_bench.Visitor.connect(url) as tab:
            await tab.run()
            assert set(tab.widgets) == {"用户名", "密码", "登录"}  # the login form, nothing else
            await tab.sign_in(servers.BENCH_USER, password)
            assert tab.on("总览")  # the office lands on 总览
            seconds = await tab.go("按科室")
            assert 0 < seconds < protocol_bench.STEP_TIMEOUT_S
            return sorted(tab.widgets), tab.on("按科室"), tab.received

    async def wrong(url: str) -> None:
        async with protocol_bench.Visitor.connect(url) as tab:
            await tab.run()
            await tab.sign_in(servers.BENCH_USER, "not-the-password")

    with servers.streamlit(PROJECT_ROOT / "app.py", env, tmp_path / "app.log") as server:
        widgets, on_sections, received = servers.run_apart(visit(server.url))
        assert on_sections and "科室" in widgets and "用户名" not in widgets
        assert received > 10_000  # the pages' elements came down the websocket
        with pytest.raises(servers.BenchServerError, match="登录失败"):
            servers.run_apart(wrong(server.url))


def test_the_protocol_rush_table_on_duckdb(tmp_path):
    db = str(demo_db_path(tmp_path))
    report = protocol_bench.run_protocol(db, [3], [1], machine())
    assert "websocket 协议" in report
    (row,) = _rush_rows(report)
    processes, sessions = int(row[0]), int(row[1])
    assert (processes, sessions) == (1, 3)
    median, p95 = (float(x) for x in row[2].split(" / "))
    bare_median, bare_p95 = (float(x) for x in row[3].split(" / "))
    assert 0 < median <= p95 < 120 and 0 < bare_median <= bare_p95
    ratio = float(row[4].split("×")[0])
    # The times are shown to 0.1 s and the ratio comes from the unrounded ones: it must lie within
    # what the rounding allows (a bare median of 0.3 s may be 0.25–0.35 s).
    assert (median - 0.05) / (bare_median + 0.05) <= ratio <= (median + 0.05) / max(bare_median - 0.05, 0.001)
    peak, after = (float(x) for x in row[6].split(" / "))
    assert after > 100 and 100 < peak < 4000  # the server's own memory, read from /proc
    app_cores, bare_cores = (float(x) for x in row[9].split(" / "))
    assert 0 < app_cores <= 2.5 and 0 < bare_cores <= 2.5  # CPU seconds over the burst's wall time


def test_several_processes_need_postgresql(tmp_path):
    with pytest.raises(servers.BenchServerError, match="PostgreSQL"):
        protocol_bench.run_protocol(str(tmp_path / "x.duckdb"), [2], [1, 2], machine())


def test_one_and_two_processes_on_postgresql_in_one_run(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "evidence"))
    url = pg_cluster.new_database()
    store = Store(url)
    try:
        build_demo(store, shipped_plan(), DEMO_SEED)
    finally:
        store.close()
    report = protocol_bench.run_protocol(url, [4], [1, 2], machine())
    rows = _rush_rows(report)
    assert [(int(r[0]), int(r[1])) for r in rows] == [(1, 4), (2, 4)]
    one, two = (float(r[6].split(" / ")[0]) for r in rows)
    assert two > one * 1.3  # two processes' memory summed: each holds its own mirror


def test_session_memory_splits_what_open_sessions_add(tmp_path):
    from perfdash.bench.session_memory import session_memory

    # Shallow tracebacks: the split still finds Streamlit, and tracing costs far less time.
    growth = session_memory(str(demo_db_path(tmp_path)), 2, frames=8)
    assert 50 < growth.rss_before < 2000 and growth.rss_open > 0
    assert growth.traced_open > 0  # two signed-in sessions hold something
    owners = dict(growth.by_owner)
    assert any(name.startswith("streamlit/") for name in owners)  # the sessions' own state
    assert sum(owners.values()) <= growth.traced_open * 1.5  # the split adds up to the growth
    report = growth.report()
    assert "每个会话" in report and "| 分配位置" in report


def test_counts_are_positive_integers():
    assert _counts("1, 10,30") == [1, 10, 30]
    for bad in ("", "0", "1,-2", "x"):
        with pytest.raises(ValueError):
            _counts(bad)


def test_a_crowd_reports_the_cores_its_servers_kept_busy():
    crowd = servers.Crowd([1.0, 2.0], [0.5, 0.5], wall=4.0, peak_mb=300, cpu=6.0)
    assert crowd.cores == 1.5
    result = servers.RushResult(2, 1, crowd, servers.Crowd([0.5, 1.0], [0.1, 0.1], 2.0, 80, 1.0), after_mb=250)
    cells = result.cells()
    assert cells[:2] == ["1", "2"] and cells[4] == "2.00× / 2.00×" and cells[8] == "3.00 / 0.50"
    assert cells[9] == "1.50 / 0.50"
