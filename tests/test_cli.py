"""The command line, run as a user runs it: python -m perfdash …"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from perfdash.plan import TARGET_KEYS
from perfdash.settings import PROJECT_ROOT
from tests.fixtures import PLAN_FILE


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "perfdash", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_plan_json_has_61_targets_with_exactly_the_keys():
    out = run("plan", str(PLAN_FILE.relative_to(PROJECT_ROOT)), "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 61
    assert all(tuple(r) == TARGET_KEYS for r in rows)
    assert rows[0]["code"] == "1-1-1" and rows[-1]["code"] == "7-4"
    assert sum(r["points"] for r in rows) == 100


def test_plan_summary_reports_the_prose_contradiction():
    out = run("plan", str(PLAN_FILE))
    assert out.returncode == 0
    assert "一级指标 24 个，年度工作目标 61 项，总分 100 分" in out.stdout
    assert "正文称年度工作目标总数为 66，考评表实有 61" in out.stdout
    assert "职能工作 70/70" in out.stdout


def test_plan_excel_template_round_trips(tmp_path):
    xlsx = tmp_path / "plan.xlsx"
    assert run("plan", str(PLAN_FILE), "--xlsx", str(xlsx)).returncode == 0
    from_doc = json.loads(run("plan", str(PLAN_FILE), "--json").stdout)
    from_xlsx = json.loads(run("plan", str(xlsx), "--json").stdout)
    assert from_xlsx == from_doc


def test_missing_file_exits_2_with_a_chinese_message(tmp_path):
    out = run("plan", str(tmp_path / "nope.txt"))
    assert out.returncode == 2
    assert "找不到方案文件" in out.stderr


def test_demo_then_import_is_idempotent(tmp_path):
    db = tmp_path / "cli.duckdb"
    out = run("demo", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "演示数据" in out.stdout and db.exists()
    again = run("import", str(PLAN_FILE), "--db", str(db))
    assert again.returncode == 0
    assert "方案与库中一致，未做改动" in again.stdout


def test_db_defaults_to_the_environment_variable(tmp_path):
    db = tmp_path / "env.duckdb"
    out = run("import", str(PLAN_FILE), env={"PERFDASH_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert db.exists()
