"""The command line, run as a user runs it: python -m perfdash … (in this process through
tests.running.run_cli, or as a separate process where only one shows it: a traceback, imports)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from perfdash.cli import COMMANDS, docs, score
from perfdash.core.settings import PROJECT_ROOT
from perfdash.plan import TARGET_KEYS
from perfdash.plan.model import SOURCE_KEYS
from tests.fixtures import PLAN_FILE
from tests.running import run_cli as run


def test_plan_json_has_61_targets_with_exactly_the_keys():
    out = run("plan", str(PLAN_FILE.relative_to(PROJECT_ROOT)), "--json")
    rows = out.as_json()
    assert len(rows) == 61
    assert all(tuple(r) == TARGET_KEYS + SOURCE_KEYS for r in rows)
    assert rows[0]["code"] == "1-1-1" and rows[-1]["code"] == "7-4"
    # every value keeps the phrase it was read from
    assert rows[0]["sources"]["deadline"] == "12月底前" and rows[0]["sources"]["points"] == "2"
    assert sum(r["points"] for r in rows) == 100


def test_plan_json_help_names_exactly_its_keys():
    assert ", ".join(TARGET_KEYS) in " ".join(run("plan", "--help").out.split())


def test_plan_summary_reports_the_prose_contradiction():
    out = run("plan", str(PLAN_FILE))
    assert out.code == 0
    assert "一级指标 24 个，年度工作目标 61 项，总分 100 分" in out.out
    assert "正文称年度工作目标总数为 66，考评表实有 61" in out.out
    assert "职能工作 70/70" in out.out


def test_plan_excel_template_round_trips(tmp_path):
    xlsx = tmp_path / "plan.xlsx"
    assert run("plan", str(PLAN_FILE), "--xlsx", str(xlsx)).code == 0
    from_doc = run("plan", str(PLAN_FILE), "--json").as_json()
    from_xlsx = run("plan", str(xlsx), "--json").as_json()
    assert [{k: r[k] for k in TARGET_KEYS} for r in from_xlsx] == [{k: r[k] for k in TARGET_KEYS} for r in from_doc]


def test_missing_file_exits_2_with_a_chinese_message(tmp_path):
    out = run("plan", str(tmp_path / "nope.txt"))
    assert out.code == 2
    assert "找不到方案文件" in out.err


def test_demo_then_import_is_idempotent(tmp_path):
    db = tmp_path / "cli.duckdb"
    out = run("demo", "--db", str(db))
    assert out.code == 0, out.err
    assert "演示数据" in out.out and db.exists()
    again = run("import", str(PLAN_FILE), "--db", str(db))
    assert again.code == 0
    assert "方案与库中一致，未做改动" in again.out


def test_db_defaults_to_the_environment_variable(tmp_path):
    db = tmp_path / "env.duckdb"
    out = run("import", str(PLAN_FILE), env={"PERFDASH_DB": str(db)})
    assert out.code == 0, out.err
    assert db.exists()


def test_progress_template_and_import(plan_db, tmp_path):
    xlsx = tmp_path / "校安科.xlsx"
    out = run("progress", "template", "--db", str(plan_db), "--section", "校安科", "--out", str(xlsx))
    assert out.code == 0, out.err
    assert "5 项目标" in out.out and xlsx.exists()
    ok = run("progress", "import", str(xlsx), "--db", str(plan_db), "--as", "校安科")
    assert ok.code == 0, ok.err
    assert "已导入 0 条进度记录；另有 5 行与该目标最近一次填报相同" in ok.out  # the template as downloaded


def test_progress_import_refuses_with_row_messages_and_writes_nothing(plan_db, tmp_path):
    db = str(plan_db)
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "编号,填报日期,完成率(%),状态\n7-2,2025-06-30,50,推进中\n1-1-1,2025-06-30,50,推进中\n7-3,2025-06-30,abc,推进中\n",
        encoding="gbk",
    )
    out = run("progress", "import", str(csv), "--db", db, "--as", "校安科")
    assert out.code == 1
    assert "未写入任何数据" in out.err
    assert "bad.csv 第4行“完成率(%)”列：完成率“abc”不是数字" in out.err
    # Office: the same file minus the bad row passes permission for every target.
    csv.write_text(
        "编号,填报日期,完成率(%),状态\n7-2,2025-06-30,50,推进中\n1-1-1,2025-06-30,50,推进中\n", encoding="gbk"
    )
    refused = run("progress", "import", str(csv), "--db", db, "--as", "校安科")
    assert "bad.csv 第3行“编号”列：1-1-1：“校安科”不是该目标的责任科室，无权填报" in refused.err
    leader = run("progress", "import", str(csv), "--db", db, "--as", "林长华")
    assert leader.code == 1 and "领导只能查看" in leader.err
    office = run("progress", "import", str(csv), "--db", db, "--as", "绩效办")
    assert office.code == 0, office.err
    unknown = run("progress", "import", str(csv), "--db", db, "--as", "某某科")
    assert unknown.code == 2 and unknown.err.startswith("错误：") and "既不是绩效办" in unknown.err


# -- usage errors: argparse refuses, exit 2, one Chinese line and no traceback ---------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("score", "--as-of", "2025-13-01"),
            "错误：参数 --as-of：日期“2025-13-01”无效，应为 YYYY-MM-DD，如 2025-11-28",
        ),
        (("demo", "--until", "notadate"), "错误：参数 --until：日期“notadate”无效"),
        (("forecast", "--as-of", "20251128"), "错误：参数 --as-of：日期“20251128”无效"),  # ISO, but not YYYY-MM-DD
        (("score", "--set", "1-1-1=abc"), "错误：参数 --set：1-1-1=abc：完成率“abc”不是数字"),
        (("score", "--all", "101"), "错误：参数 --all：完成率 101 应在 0 到 100 之间"),
        (("demo", "--units", "0"), "错误：参数 --units：“0”无效，应为至少 1 的整数"),
        (("report",), "错误：缺少必需的参数：--out"),
        (("score", "--rule", "linear"), "错误：参数 --rule：无效的选项 'linear'（可选：'proportional', 'stepped'）"),
        (("scroe",), "错误：参数 <命令>：无效的选项 'scroe'"),
    ],
    ids=[
        "bad-day",
        "not-a-date",
        "compact-date",
        "set-not-a-number",
        "all-over-100",
        "units-0",
        "no-out",
        "rule",
        "typo",
    ],
)
def test_bad_input_is_a_usage_error_in_one_chinese_line(tmp_path, args, line):
    db = tmp_path / "never.duckdb"
    out = run(*args, "--db", str(db), process=True)
    assert out.code == 2
    assert "Traceback" not in out.err
    last = out.err.strip().splitlines()[-1]
    assert last.startswith(line), out.err
    assert out.err.startswith("usage: python -m perfdash")  # the usage above it, as argparse gives
    assert not db.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("score",),
        ("score", "--json"),
        ("forecast", "--backtest"),
        ("report", "--out", "r.docx"),
        ("progress", "template", "--section", "校安科", "--out", "t.xlsx"),
        ("progress", "import", "t.xlsx", "--as", "绩效办"),
        ("backup", "--out", "b"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_missing_database_is_refused_and_never_created(tmp_path, args):
    db = tmp_path / "nowhere" / "missing.duckdb"
    out = run(*args, "--db", str(db))
    assert out.code == 2
    assert out.err.strip().splitlines() in (
        [f"错误：数据库文件 {db} 不存在"],
        [f"错误：找不到数据库文件：{db}"],  # backup's own words
    )
    assert not db.parent.exists()


def test_the_commands_that_only_read_leave_the_database_file_as_it_was(demo_db, tmp_path):
    before = hashlib.sha256(demo_db.read_bytes()).hexdigest()
    db = str(demo_db)
    assert run("score", "--db", db, "--json").as_json()["total"] == 85.53
    assert run("forecast", "--db", db, "--json").as_json()["as_of"] == "2025-11-21"
    assert run("report", "--db", db, "--out", str(tmp_path / "r.docx")).code == 0
    assert run("progress", "template", "--db", db, "--section", "绩效办", "--out", str(tmp_path / "t.xlsx")).code == 0
    assert hashlib.sha256(demo_db.read_bytes()).hexdigest() == before
    assert not Path(f"{db}.wal").exists()


def test_a_database_from_an_earlier_version_is_refused_by_a_read_only_command(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db))
    con.execute("DELETE FROM meta WHERE key = (SELECT max(key) FROM meta WHERE key LIKE 'migration_%')")
    con.close()
    out = run("score", "--db", str(demo_db))
    assert out.code == 2 and "由较早的版本建立，需要先升级" in out.err


def test_score_json_prints_only_keys_its_help_lists(demo_db):
    shown = " ".join(run("score", "--help").out.split())
    assert all(f" {key} " in shown for key in score.JSON_KEYS)
    db = str(demo_db)
    official = run("score", "--db", db, "--json").as_json()
    what_if = run("score", "--db", db, "--json", "--set", "1-1-1=50", "--rule", "stepped").as_json()
    assert set(official) | set(what_if) <= set(score.JSON_KEYS)
    assert {"total", "groups", "grade", "possible", "as_of", "counts", "projected"} <= set(official)
    assert what_if["simulation"] == "模拟，非正式结果" and "projected" not in what_if
    assert official["counts"] == {"targets": 61, "done": 11, "late": 14, "overdue": 1}


def test_db_is_declared_once_in_a_parent_parser():
    declared = {p.name for p in (PROJECT_ROOT / "perfdash" / "cli").glob("*.py") if '"--db"' in p.read_text()}
    # restore's --db names the new file it makes; bench's (in perfdash/bench) the city database.
    assert declared == {"options.py", "restore.py"}


def test_ctrl_c_exits_130(monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(COMMANDS["kpis"], "run", interrupted)
    out = run("kpis", str(PLAN_FILE))
    assert out.code == 130 and "已中断" in out.err and "Traceback" not in out.err


# -- help: cheap, and the README's reference generated from it ------------------------------------

HELP_LINES = [[], *([name] for name in COMMANDS), ["progress", "template"], ["progress", "import"]]


@pytest.mark.parametrize("words", HELP_LINES, ids=lambda w: " ".join(w) or "top")
def test_help_imports_neither_pandas_nor_duckdb(words):
    probe = (
        "import sys\nfrom perfdash.__main__ import main\n"
        f"try:\n    main({[*words, '--help']!r})\nexcept SystemExit as stop:\n    assert stop.code == 0\n"
        "heavy = [m for m in ('pandas', 'duckdb', 'numpy', 'perfdash.store', 'streamlit') if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "[]"
    assert "usage: python -m perfdash" in out.stdout


def test_readme_command_reference_is_generated_from_help():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.block(readme) == docs.render(), (
        "README.md 的命令行说明与 --help 不一致：运行 make docs（python -m perfdash.cli.docs）重新生成"
    )


def test_the_reference_has_every_command_and_its_examples():
    text = docs.render()
    assert all(f"### python -m perfdash {name}\n" in text for name in COMMANDS)
    assert "### python -m perfdash progress template\n" in text and "--json 的键：" in text
    assert "score --db DB --json --as-of 2025-11-21 --set 1-1-1=50" in text  # the examples come along


def test_a_reader_that_stops_early_gets_no_traceback():
    """`python -m perfdash plan … --json | head`: the pipe closes under the command; it stops
    quietly (exit 1) instead of printing a BrokenPipeError traceback."""
    plan = PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"
    cmd = [sys.executable, "-m", "perfdash", "plan", str(plan), "--json"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the command writes a byte: its write must fail
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
