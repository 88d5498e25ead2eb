"""Bounded reading of uploads: hostile files are refused fast and small; awkward real ones read right."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from perfdash.core import intake
from perfdash.present import templates
from perfdash.workflows import ledger, progress
from tests import hostile

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = {
    "dimension_bomb": (hostile.dimension_bomb, "第 1048576 行仍有内容"),
    "dimension_bomb_100_columns": (lambda: hostile.dimension_bomb(100), "第 1048576 行仍有内容"),
    "last_column": (hostile.wide_bomb, None),  # read, but only as wide as the ledger's columns
    "200k_rows": (hostile.many_rows, ("超出 5000 行的上限", "压缩比异常")),
    "zip_bomb": (hostile.zip_bomb, "解压后有"),
    "entity_bomb": (hostile.entity_bomb, "文档类型定义"),
    "20M_character_note": (hostile.long_cell, "解压后有"),
    "200k_character_note": (lambda: hostile.long_cell(200_000), "超过 5000 个字符"),
}

# Runs in a fresh interpreter so its peak memory is its own: read one file, report time and growth.
# Peak memory is the process's VmHWM: ru_maxrss would carry the forking pytest process's peak.
PEAK_MB = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"
PROBE = f"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from perfdash.workflows import ledger
data = open(sys.argv[2], "rb").read()
before = {PEAK_MB}
started = time.perf_counter()
up = ledger.read_upload("hostile.xlsx", data)
print(json.dumps({{
    "seconds": time.perf_counter() - started,
    "extra_mb": {PEAK_MB} - before,
    "errors": [str(e) for e in up.errors],
    "rows": len(up.rows),
}}, ensure_ascii=False))
"""


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_upload_is_refused_fast_and_small(kind: str, tmp_path: Path) -> None:
    build, message = HOSTILE[kind]
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(build())
    if kind in ("dimension_bomb", "200k_rows"):
        assert path.stat().st_size < 200_000  # the attack is a small file
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT), str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    result = json.loads(out.stdout)
    assert result["seconds"] < 2.0, result
    assert result["extra_mb"] < 300, result
    if message is None:
        assert result["rows"] == 0 and result["errors"], result  # rows without code, date … are problems
    else:
        assert result["rows"] == 0
        wanted = message if isinstance(message, tuple) else (message,)
        assert any(m in e for e in result["errors"] for m in wanted), result


def test_rows_without_numbers_are_counted_when_the_ratio_allows_them() -> None:
    limits = intake.Limits(max_bytes=ledger.MAX_BYTES, max_rows=ledger.MAX_ROWS, max_ratio=10_000)
    with pytest.raises(intake.FileRejected, match="第 10101 行仍有内容"):
        intake.read_xlsx("rows.xlsx", hostile.many_rows(), limits)


def test_dimension_bomb_from_the_cli_is_refused_fast(demo_db: Path, tmp_path: Path) -> None:
    db = demo_db
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(hostile.dimension_bomb())
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys, time; t = time.perf_counter(); sys.argv = sys.argv[1:];"
            "code = 0\ntry:\n    runpy.run_module('perfdash', run_name='__main__')\nexcept SystemExit as e:\n"
            f"    code = e.code\nprint('PROBE', time.perf_counter() - t, {PEAK_MB}, code, file=sys.stderr)",
            "perfdash",
            "progress",
            "import",
            str(bomb),
            "--db",
            str(db),
            "--as",
            "中教科",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    probe = next(line for line in out.stderr.splitlines() if line.startswith("PROBE")).split()
    seconds, peak_mb, code = float(probe[1]), float(probe[2]), probe[3]
    assert code == "1"
    assert "第 1048576 行仍有内容" in out.stderr
    assert seconds < 5.0  # includes the interpreter's imports and opening the database
    assert peak_mb < 400  # the whole CLI process, imports included


def test_ledger_at_the_row_limit_still_reads() -> None:
    rows = [["1-1-1", "2025-06-30", 50, "推进中"] for _ in range(ledger.MAX_ROWS)]
    up = ledger.read_upload("full.xlsx", hostile.ledger(rows))
    assert not up.errors
    assert len(up.rows) == ledger.MAX_ROWS


def test_one_row_over_the_limit_is_refused() -> None:
    rows = [["1-1-1", "2025-06-30", 50, "推进中"] for _ in range(ledger.MAX_ROWS + 1)]
    up = ledger.read_upload("full.xlsx", hostile.ledger(rows))
    assert [e.message for e in up.errors] == [f"数据超过 {ledger.MAX_ROWS} 行上限，请分成几个文件上传"]


def test_percent_formatted_cell_reads_as_shown() -> None:
    """Excel keeps a cell shown as 80% as 0.8: read as 80, never as 0.8 %."""
    up = ledger.read_upload("pct.xlsx", hostile.ledger([["1-1-1", "2025-06-30", 0.8, "推进中"]], styles={2: 1}))
    assert not up.errors
    assert up.rows[0].completion_pct == pytest.approx(80.0)


def test_percent_formatted_one_is_hundred() -> None:
    up = ledger.read_upload("pct.xlsx", hostile.ledger([["1-1-1", "2025-06-30", 1, "已完成"]], styles={2: 1}))
    assert not up.errors and up.rows[0].completion_pct == 100.0


@pytest.mark.parametrize(("value", "status"), [(0.8, "推进中"), (0.05, "推进中"), (1, "已完成")])
def test_plain_fraction_is_questioned_not_stored(value: float, status: str) -> None:
    up = ledger.read_upload("frac.xlsx", hostile.ledger([["1-1-1", "2025-06-30", value, status]]))
    # The row goes on to the plan's checks (every problem in one pass) without a number to store.
    assert [r.completion_pct for r in up.rows] == [None]
    assert len(up.errors) == 1
    assert f"是否指 {value * 100:g}%" in up.errors[0].message
    assert up.errors[0].row == 2 and up.errors[0].column == "完成率(%)"


def test_a_plain_one_is_one_percent_unless_it_means_the_whole() -> None:
    mixed = ledger.read_upload(
        "m.xlsx", hostile.ledger([["1-1-1", "2025-06-30", 1, "推进中"], ["1-1-2", "2025-06-30", 40, "推进中"]])
    )
    assert not mixed.errors and [r.completion_pct for r in mixed.rows] == [1.0, 40.0]
    fractions = ledger.read_upload(
        "f.xlsx", hostile.ledger([["1-1-1", "2025-06-30", 1, "推进中"], ["1-1-2", "2025-06-30", 0.4, "推进中"]])
    )
    assert [e.row for e in fractions.errors] == [2, 3]
    assert "是否指 100%" in fractions.errors[0].message and "是否指 40%" in fractions.errors[1].message


def test_csv_fraction_questioned_but_explicit_percent_sign_accepted() -> None:
    header = "编号,填报日期,完成率(%),状态\n"
    questioned = ledger.read_upload("a.csv", (header + "1-1-1,2025-06-30,0.8,推进中\n").encode())
    assert "是否指 80%" in questioned.errors[0].message
    explicit = ledger.read_upload("b.csv", (header + "1-1-1,2025-06-30,0.8%,推进中\n").encode())
    assert not explicit.errors and explicit.rows[0].completion_pct == 0.8


def test_hidden_sheet_named_like_the_template_is_not_read() -> None:
    data = hostile.hidden_ledger(
        visible_rows=[["1-1-1", "2025-06-30", 60, "推进中"]], hidden_rows=[["1-1-2", "2025-06-30", 10, "推进中"]]
    )
    up = ledger.read_upload("h.xlsx", data)
    assert not up.errors
    assert [(r.code, r.completion_pct) for r in up.rows] == [("1-1-1", 60.0)]


def test_formula_without_cached_value_is_named_as_such() -> None:
    up = ledger.read_upload("f.xlsx", hostile.formula_without_value())
    assert len(up.errors) == 1
    assert "公式" in up.errors[0].message and "完成率为空" not in up.errors[0].message
    assert up.errors[0].row == 2 and up.errors[0].column == "完成率(%)"


def test_damaged_archive_is_refused_with_a_message() -> None:
    data = hostile.ledger([["1-1-1", "2025-06-30", 50, "推进中"]])
    up = ledger.read_upload("cut.xlsx", data[: len(data) // 2])
    assert up.errors and "损坏" in up.errors[0].message


def test_limits_are_bounded_everywhere() -> None:
    """The row-number bound leaves room for blank rows but not for a sheet's whole height."""
    assert ledger.limits().max_row_number < 20_000
    assert intake.Limits(max_bytes=1, max_rows=10).max_row_number == 120


def test_template_round_trip_unchanged(tmp_path: Path) -> None:
    """The shipped template still reads back as written (dates, numbers, text)."""
    import pandas as pd

    state = pd.DataFrame(
        {
            "code": ["1-1-1"],
            "target": ["=SUM(A1)目标"],
            "deadline": [date(2025, 12, 31)],
            "sections": [["中教科"]],
            "completion_pct": [40.0],
            "status": ["推进中"],
        }
    )
    data = templates.ledger_template_xlsx(state, progress.Actor.section("中教科"), date(2025, 6, 30))
    up = ledger.read_upload("t.xlsx", data)
    assert not up.errors
    assert [(r.code, r.report_date, r.completion_pct, r.status) for r in up.rows] == [
        ("1-1-1", date(2025, 6, 30), 40.0, "推进中")
    ]
