"""The test suite's own machinery: base databases copied per test, one run_cli both ways, and the
speed-up that keeps `make check` within minutes (conftest.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import streamlit

from perfdash.core.access import Actor
from tests.fixtures import BASE_KINDS, PLAN_FILE
from tests.running import run_cli


def test_each_test_writes_to_its_own_copy_never_to_the_base(databases, demo_store):
    base = databases.base("demo")
    assert Path(demo_store.path).parent != base.parent
    demo_store.add_adjustment(1, "bonus", 1.5, "只在本测试的副本里", Actor.office())
    assert demo_store.scalar("SELECT count(*) FROM adjustments") == 1
    con = duckdb.connect(str(base), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM adjustments").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM progress").fetchone() == (2280,)  # the demo history
    finally:
        con.close()


@pytest.mark.parametrize(("kind", "plans", "reports"), [("plan", 1, 0), ("demo", 1, 2280), ("city", 3, 183 * 13)])
def test_each_base_holds_what_its_kind_says(databases, tmp_path, kind, plans, reports):
    assert kind in BASE_KINDS
    con = duckdb.connect(str(databases.copy(kind, tmp_path)), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM plans").fetchone() == (plans,)
        assert con.execute("SELECT count(*) FROM progress").fetchone() == (reports,)
    finally:
        con.close()


def test_run_cli_answers_the_same_in_this_process_and_in_its_own(tmp_path):
    here = run_cli("plan", str(PLAN_FILE), "--json")
    apart = run_cli("plan", str(PLAN_FILE), "--json", process=True)
    assert here.code == apart.code == 0
    assert here.as_json() == apart.as_json()
    unknown = run_cli("no-such-command")
    assert unknown.code == 2 and "usage" in unknown.err and not unknown.out  # argparse's exit, caught


def test_app_tests_share_one_scan_of_the_installed_components():
    """conftest.py caches Streamlit's scan for components (0.15 s per AppTest). If an upgrade
    renames or moves it, the page tests still pass but the fast lane slows by a minute: say so."""
    import inspect

    from streamlit.components.v2 import component_manager, manifest_scanner

    where = f"Streamlit {streamlit.__version__}"
    assert hasattr(manifest_scanner.scan_component_manifests, "cache_info"), where
    discover = inspect.getsource(component_manager.BidiComponentManager.discover_and_register_components)
    assert "from streamlit.components.v2.manifest_scanner import" in discover, where
    assert "scan_component_manifests()" in discover, where
