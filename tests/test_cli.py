"""The command line, run as a user runs it: python -m perfdash …"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from perfdash.core.settings import PROJECT_ROOT
from perfdash.plan import TARGET_KEYS
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


def test_progress_template_and_import(tmp_path):
    db = tmp_path / "p.duckdb"
    assert run("import", str(PLAN_FILE), "--db", str(db)).returncode == 0
    xlsx = tmp_path / "校安科.xlsx"
    out = run("progress", "template", "--db", str(db), "--section", "校安科", "--out", str(xlsx))
    assert out.returncode == 0, out.stderr
    assert "5 项目标" in out.stdout and xlsx.exists()
    ok = run("progress", "import", str(xlsx), "--db", str(db), "--as", "校安科")
    assert ok.returncode == 0, ok.stderr
    assert "已导入 5 条进度记录" in ok.stdout


def test_progress_import_refuses_with_row_messages_and_writes_nothing(tmp_path):
    db = tmp_path / "p.duckdb"
    assert run("import", str(PLAN_FILE), "--db", str(db)).returncode == 0
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "编号,填报日期,完成率(%),状态\n7-2,2025-06-30,50,推进中\n1-1-1,2025-06-30,50,推进中\n7-3,2025-06-30,abc,推进中\n",
        encoding="gbk",
    )
    out = run("progress", "import", str(csv), "--db", str(db), "--as", "校安科")
    assert out.returncode == 1
    assert "未写入任何数据" in out.stderr
    assert "bad.csv 第4行“完成率(%)”列：完成率“abc”不是数字" in out.stderr
    # Office: the same file minus the bad row passes permission for every target.
    csv.write_text(
        "编号,填报日期,完成率(%),状态\n7-2,2025-06-30,50,推进中\n1-1-1,2025-06-30,50,推进中\n", encoding="gbk"
    )
    refused = run("progress", "import", str(csv), "--db", str(db), "--as", "校安科")
    assert "bad.csv 第3行“编号”列：1-1-1：“校安科”不是该目标的责任科室，无权填报" in refused.stderr
    leader = run("progress", "import", str(csv), "--db", str(db), "--as", "林长华")
    assert leader.returncode == 1 and "领导只能查看" in leader.stderr
    office = run("progress", "import", str(csv), "--db", str(db), "--as", "绩效办")
    assert office.returncode == 0, office.stderr
    unknown = run("progress", "import", str(csv), "--db", str(db), "--as", "某某科")
    assert unknown.returncode == 2 and "既不是绩效办" in unknown.stderr
