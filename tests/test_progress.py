"""Progress reporting: template, uploads (xlsx, CSV in UTF-8 / BOM / GBK), every bad input with
its message, all-or-nothing commit, permissions at the perfdash layer, in-app edits."""

from __future__ import annotations

import io
import time
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from perfdash.core import excel
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import templates
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import ledger, periods, progress
from tests.fixtures import shipped_plan

TODAY = date(2025, 12, 31)
HEADER = "编号,年度工作目标,完成时限,本科室角色,填报日期,完成率(%),状态,进展说明"


@pytest.fixture
def store(plan_store):
    return plan_store


def state(store: Store, as_of: date = TODAY) -> pd.DataFrame:
    return queries.target_state(store, 1, as_of, 2025)


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


def checked(store: Store, name: str, data: bytes, actor: Actor) -> ledger.Upload:
    up = ledger.read_upload(name, data)
    if not up.errors:
        ledger.check_upload(store, 1, actor, up, today=TODAY)
    return up


# -- the template ------------------------------------------------------------


def test_template_holds_the_sections_targets_with_validation(store):
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 5, 9), 45, "推进中")], Actor.section("中教科"), today=TODAY)
    data = templates.ledger_template_xlsx(state(store), Actor.section("中教科"), date(2025, 11, 28))
    wb = load_workbook(io.BytesIO(data))
    ws = wb[ledger.SHEET]
    rows = list(ws.iter_rows(values_only=True))
    # A title and a note above the header, all three printed on every page.
    assert rows[0][0] == "2025年度绩效目标进度台账（科室·中教科）" and ws.print_title_rows == "$1:$3"
    assert rows[2] == tuple(h for _, h, _, _ in ledger.COLUMNS)
    codes = [r[0] for r in rows[3:]]
    # 中教科 leads 1-3-1, 1-3-2, 1-3-3 and co-leads six more.
    assert codes == ["1-1-2", "1-2-2", "1-2-3", "1-3-1", "1-3-2", "1-3-3", "1-11-1", "1-12-2", "1-14-1"]
    by_code = {r[0]: r for r in rows[3:]}
    assert by_code["1-3-1"][3] == "牵头" and by_code["1-1-2"][3] == "协作"
    assert by_code["1-3-1"][5] == 45 and by_code["1-3-1"][6] == "推进中"
    kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
    assert kinds == ["date", "decimal", "list", "list"]  # 状态, and 需协调 (是/否)


def test_unchanged_template_uploads_cleanly_and_adds_no_record(store):
    data = templates.ledger_template_xlsx(state(store), Actor.section("校安科"), date(2025, 11, 28))
    up = checked(store, "校安科.xlsx", data, Actor.section("校安科"))
    assert up.errors == []
    assert [r.code for r in up.rows] == ["1-1-3", "1-8-2", "7-2", "7-3", "7-4"]
    assert up.unchanged == [True] * 5 and up.changed_count == 0  # never reported: 0 % 未开始, as the template says
    assert progress.commit(store, 1, Actor.section("校安科"), up.rows, today=TODAY) == 0
    assert store.scalar("SELECT count(*) FROM progress") == 0


def _template_with(store: Store, actor: Actor, edits: dict[str, dict[int, object]]) -> bytes:
    """The actor's template for 2025-11-28 with some cells changed: {code: {column number: value}}."""
    wb = load_workbook(io.BytesIO(templates.ledger_template_xlsx(state(store), actor, date(2025, 11, 28))))
    ws = wb[ledger.SHEET]
    for code, cells in edits.items():
        row = next(c.row for c in ws["A"] if c.value == code)
        for column, value in cells.items():
            ws.cell(row, column).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_only_the_changed_row_of_a_template_becomes_a_record(store):
    section = Actor.section("校安科")
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "排查中")], section, today=TODAY)
    # Unchanged: 7-2 as stored (its note left blank is no new note), the others never reported.
    same = checked(store, "原样.xlsx", _template_with(store, section, {}), section)
    assert same.errors == [] and same.changed_count == 0
    assert progress.commit(store, 1, section, same.rows, today=TODAY) == 0
    assert store.scalar("SELECT count(*) FROM progress") == 1
    # One row changed (7-3: 0 % 未开始 → 30 % 推进中; columns F and G): exactly one record.
    data = _template_with(store, section, {"7-3": {6: 30, 7: "推进中"}})
    up = checked(store, "改一行.xlsx", data, section)
    assert up.errors == [] and up.unchanged == [True, True, True, False, True]
    diff = progress.changes(state(store), up.rows, up.unchanged)
    assert list(diff.loc[diff["changed"], "code"]) == ["7-3"]
    written = progress.commit(store, 1, section, up.rows, today=TODAY)
    assert written == 1
    assert store.rows("SELECT code, completion_pct::DOUBLE, status FROM progress ORDER BY progress_id") == [
        ("7-2", 45.0, "推进中"),
        ("7-3", 30.0, "推进中"),
    ]
    assert progress.saved_text(written, len(up.rows)) == (
        "1 条进度记录；另有 4 行与该目标最近一次填报相同（完成率、状态、需协调未变，也没有新的进展说明），未重复保存"
    )
    # The same file a second time: nothing new.
    again = checked(store, "改一行.xlsx", data, section)
    assert again.changed_count == 0 and progress.commit(store, 1, section, again.rows, today=TODAY) == 0
    assert store.scalar("SELECT count(*) FROM progress") == 2


def test_unchanged_rows_are_skipped_on_both_backends(db_target):
    """The comparison reads the stored reports in the upload check (Database.rows) and inside the
    write (Write.execute): the same SQL on DuckDB and PostgreSQL."""
    s = Store(db_target)
    try:
        plan_id = s.import_plan(shipped_plan()).plan_id
        section = Actor.section("校安科")
        s.add_progress(plan_id, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "排查中")], section, today=TODAY)
        rows = [
            ProgressRow("7-2", date(2025, 11, 28), 45, "推进中"),
            ProgressRow("7-3", date(2025, 11, 28), 10, "推进中"),
        ]
        assert progress.unchanged_rows(rows, progress.stored_history(s, plan_id, rows)) == [True, False]
        assert progress.commit(s, plan_id, section, rows, today=TODAY) == 1
        assert s.scalar("SELECT count(*) FROM progress") == 2
    finally:
        s.close()


def test_a_new_note_alone_is_a_change(store):
    section = Actor.section("校安科")
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "排查中")], section, today=TODAY)
    up = checked(
        store, "n.csv", csv_bytes(["7-2,,,,2025-11-28,45,推进中,已约谈", "7-3,,,,2025-11-28,0,未开始,"]), section
    )
    assert up.unchanged == [False, True]
    assert progress.commit(store, 1, section, up.rows, today=TODAY) == 1
    repeat = checked(store, "n.csv", csv_bytes(["7-2,,,,2025-11-28,45,推进中,已约谈"]), section)
    assert repeat.unchanged == [True]  # the note is the one stored


def test_rows_are_compared_with_the_record_in_force_on_their_date():
    history = {"7-2": [(date(2025, 5, 30), 40.0, "推进中", "", False), (date(2025, 9, 30), 80.0, "推进中", "", False)]}
    rows = [
        ProgressRow("7-2", date(2025, 6, 30), 40, "推进中"),  # 40 was in force on 06-30 (not the latest 80)
        ProgressRow("7-2", date(2025, 7, 31), 55, "推进中"),  # a change against 06-30's 40
        ProgressRow("7-2", date(2025, 8, 29), 55, "推进中"),  # repeats the batch's own 07-31
        ProgressRow("7-2", date(2025, 10, 31), 80.04, "推进中"),  # 80.0 as stored (one decimal)
        ProgressRow("7-3", date(2025, 6, 30), 0, "推进中"),  # never reported (0 % 未开始): the status changed
        ProgressRow("7-4", None, None, "推进中"),  # unreadable: never counted as unchanged
    ]
    assert progress.unchanged_rows(rows, history) == [True, False, True, True, False, False]


def test_formula_like_notes_round_trip_in_new_and_old_templates(store):
    # Today's template: a note typed as text stays text and reads back as typed.
    data = templates.ledger_template_xlsx(state(store), Actor.section("校安科"), date(2025, 11, 28))
    wb = load_workbook(io.BytesIO(data))
    ws = wb[ledger.SHEET]
    first = next(c.row for c in ws["A"] if c.value == "7-2")
    excel.put(ws.cell(first, 8), "=1+1 已整改")
    buf = io.BytesIO()
    wb.save(buf)
    up = checked(store, "新模板.xlsx", buf.getvalue(), Actor.section("校安科"))
    assert up.errors == [] and next(r.note for r in up.rows if r.code == "7-2") == "=1+1 已整改"
    # A template from before: header in the first row, formula-like text guarded by an apostrophe.
    old = Workbook()
    sheet = old.active
    sheet.title = ledger.SHEET
    sheet.append([h for _, h, _, _ in ledger.COLUMNS])
    sheet.append(
        ["7-2", "'=平安建设成效。", date(2025, 12, 31), "牵头", date(2025, 11, 28), 95, "推进中", "'=1+1 已整改"]
    )
    buf = io.BytesIO()
    old.save(buf)
    up = checked(store, "旧模板.xlsx", buf.getvalue(), Actor.section("校安科"))
    assert up.errors == [] and [(r.code, r.note) for r in up.rows] == [("7-2", "=1+1 已整改")]


# -- encodings -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_excel_writes(store, encoding):
    data = csv_bytes(["7-2,平安建设成效。,2025-12-31,牵头,2025-06-30,55,推进中,已完成半年排查"], encoding)
    up = checked(store, f"平安.{encoding}.csv", data, Actor.section("校安科"))
    assert up.errors == []
    # No 需协调 column in this file: None, the target's latest flag carries on (progress.carry_flags).
    assert up.rows == [ProgressRow("7-2", date(2025, 6, 30), 55.0, "推进中", "已完成半年排查", None)]


def test_percent_sign_and_slashed_dates_are_accepted(store):
    up = checked(store, "a.csv", csv_bytes(["7-2,,,,2025/6/30,55%,推进中,"]), Actor.section("校安科"))
    assert up.errors == []
    assert up.rows[0].completion_pct == 55 and up.rows[0].report_date == date(2025, 6, 30)


# -- every bad input, with file, row and column in its message ---------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("9-9-9,,,,2025-06-30,50,推进中,", "bad.csv 第2行“编号”列：方案中没有编号为“9-9-9”的目标"),
        ("1-1-1,,,,2025-06-30,50,推进中,", "bad.csv 第2行“编号”列：1-1-1：“校安科”不是该目标的责任科室，无权填报"),
        ("7-2,,,,2025-06-30,120,推进中,", "bad.csv 第2行“完成率(%)”列：完成率 120 超出 0–100"),
        ("7-2,,,,2025-06-30,-5,推进中,", "bad.csv 第2行“完成率(%)”列：完成率 -5 超出 0–100"),
        ("7-2,,,,2025-06-30,一半,推进中,", "bad.csv 第2行“完成率(%)”列：完成率“一半”不是数字"),
        ("7-2,,,,2025-06-30,,推进中,", "bad.csv 第2行“完成率(%)”列：完成率为空"),
        ("7-2,,,,2025-06-30,50,快好了,", "bad.csv 第2行“状态”列：状态“快好了”不在可选范围"),
        ("7-2,,,,2024-12-30,50,推进中,", "bad.csv 第2行“填报日期”列：填报日期 2024-12-30 不在方案年度 2025 年内"),
        ("7-2,,,,2025-13-45,50,推进中,", "bad.csv 第2行“填报日期”列：填报日期“2025-13-45”无法识别"),
        ("7-2,,,,,50,推进中,", "bad.csv 第2行“填报日期”列：填报日期为空"),
        (
            "7-2,,,,2025-06-30,20,未开始,",
            "bad.csv 第2行“状态”列：7-2：状态为“未开始”，完成率却是 20%：已有进展请把状态改为“推进中”等实际状态，"
            "尚未开始请把完成率填 0",
        ),
        (
            "7-2,,,,2025-06-30,80,已完成,",
            "bad.csv 第2行“状态”列：7-2：状态为“已完成”，完成率却是 80%："
            "确已完成请把完成率填 100，尚未完成请改选实际状态",
        ),
        (
            "7-2,,,,2025-06-30,100,推进中,",
            "bad.csv 第2行“状态”列：7-2：完成率为 100%，状态却是“推进中”：确已完成请把状态改为“已完成”，"
            "尚未完成请填写实际完成率（低于 100）",
        ),
    ],
    ids=[
        "unknown-code",
        "not-this-section",
        "pct>100",
        "pct<0",
        "pct-text",
        "pct-empty",
        "status",
        "date-year",
        "date-garbage",
        "date-empty",
        "not-started-with-progress",
        "done-below-100",
        "100-not-done",
    ],
)
def test_bad_rows_are_named(store, line, expected):
    # A good row first: the bad one is on line 3 of the file, and only it is reported.
    up = checked(store, "bad.csv", csv_bytes(["7-3,,,,2025-06-30,50,推进中,", line]), Actor.section("校安科"))
    messages = [str(e) for e in up.errors]
    assert len(messages) == 1, messages
    assert messages[0].startswith(expected.replace("第2行", "第3行")), messages


def test_date_in_the_future_is_refused(store):
    up = ledger.read_upload("f.csv", csv_bytes(["7-2,,,,2025-09-01,50,推进中,"]))
    ledger.check_upload(store, 1, Actor.section("校安科"), up, today=date(2025, 8, 31))
    assert [str(e) for e in up.errors] == ["f.csv 第2行“填报日期”列：填报日期 2025-09-01 晚于今天（2025-08-31）"]


def test_duplicate_rows_are_refused(store):
    lines = ["7-2,,,,2025-06-30,50,推进中,", "7-3,,,,2025-06-30,50,推进中,", "7-2,,,,2025-06-30,60,推进中,"]
    up = checked(store, "dup.csv", csv_bytes(lines), Actor.section("校安科"))
    assert [str(e) for e in up.errors] == ["dup.csv 第4行“编号”列：7-2 在 2025-06-30 重复填报（与第 1 条重复）"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty.csv：文件是空的"),
        ("编号,填报日期\n7-2,2025-06-30\n".encode(), "empty.csv 第1行：缺少必填列：完成率(%)、状态"),
        (HEADER.encode() + b"\n", "empty.csv：文件只有表头，没有数据行"),
        (b"\xff\xfe\x00\x00garbage\x00", "empty.csv：无法识别文件编码（应为 UTF-8 或 GBK 的 CSV，或 .xlsx）"),
        (b"\x00\x01\x02binary\x00", "empty.csv：不是文本格式的 CSV 文件，也不是 .xlsx"),
        (b"PK\x03\x04 not really a zip", "empty.csv：无法作为 Excel 文件读取"),
    ],
    ids=["empty", "missing-columns", "header-only", "encoding", "binary", "broken-xlsx"],
)
def test_bad_files_are_refused(data, expected):
    up = ledger.read_upload("empty.csv", data)
    assert not up.rows
    assert str(up.errors[0]).startswith(expected), up.errors


def test_too_large_and_too_many_rows(monkeypatch):
    big = ledger.read_upload("big.csv", b"x" * (ledger.MAX_BYTES + 1))
    assert str(big.errors[0]).startswith("big.csv：文件有 2.0 MB，超过 2 MB 上限")
    monkeypatch.setattr(ledger, "MAX_ROWS", 3)
    many = ledger.read_upload("many.csv", csv_bytes(["7-2,,,,2025-06-30,50,推进中,"] * 4))
    assert str(many.errors[0]) == "many.csv：文件有 4 行数据，超过 3 行上限"


# -- all or nothing ------------------------------------------------------------------------------


def test_one_bad_row_writes_nothing(store, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(["7-2,,,,2025-06-30,50,推进中,", "7-3,,,,2025-06-30,150,推进中,"]))
    written, read, errors = ledger.import_file(store, 1, Actor.section("校安科"), path, today=TODAY)
    assert (written, read) == (0, 2)
    assert [str(e) for e in errors] == ["mixed.csv 第3行“完成率(%)”列：完成率 150 超出 0–100"]
    assert store.scalar("SELECT count(*) FROM progress") == 0


def test_a_failure_inside_the_transaction_rolls_everything_back(store, monkeypatch):
    import perfdash.db.database as store_module

    real = store_module._insert_rows

    def insert_then_fail(cur, table, columns, rows):
        real(cur, table, columns, rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "_insert_rows", insert_then_fail)
    rows = [ProgressRow("7-2", date(2025, 6, 30), 50, "推进中"), ProgressRow("7-3", date(2025, 6, 30), 50, "推进中")]
    with pytest.raises(RuntimeError):
        store.add_progress(1, rows, Actor.section("校安科"), today=TODAY)
    monkeypatch.setattr(store_module, "_insert_rows", real)
    assert store.scalar("SELECT count(*) FROM progress") == 0
    # The store still works afterwards.
    assert store.add_progress(1, rows, Actor.section("校安科"), today=TODAY) == 2


# -- diff and edits ------------------------------------------------------------------------------


def test_changes_show_from_what_to_what(store):
    store.add_progress(1, [ProgressRow("7-2", date(2025, 5, 30), 40, "推进中")], Actor.section("校安科"), today=TODAY)
    rows = [ProgressRow("7-2", date(2025, 6, 30), 55, "推进中"), ProgressRow("7-3", date(2025, 6, 30), 0, "未开始")]
    diff = progress.changes(state(store), rows).set_index("code")
    assert (diff.loc["7-2", "old_pct"], diff.loc["7-2", "new_pct"], diff.loc["7-2", "changed"]) == (40, 55, True)
    assert (diff.loc["7-3", "old_pct"], diff.loc["7-3", "changed"]) == (0, False)


@pytest.mark.parametrize(
    ("pct", "status"),
    [(0, "未开始"), (0, "推进中"), (40, "推进中"), (40, "有风险"), (40, "已暂停"), (100, "已完成"), (0, "已暂停")],
)
def test_status_and_percent_that_agree_are_accepted(store, pct, status):
    row = ProgressRow("7-2", date(2025, 6, 30), pct, status)
    assert progress.status_problem(pct, status) is None
    assert store.add_progress(1, [row], Actor.section("校安科"), today=TODAY) == 1


def test_status_against_percent_is_refused_on_every_way_in(store):
    section = Actor.section("校安科")
    # The write path: all or nothing, every contradiction named by its target.
    rows = [
        ProgressRow("7-2", date(2025, 6, 30), 20, "未开始"),
        ProgressRow("7-3", date(2025, 6, 30), 50, "推进中"),
        ProgressRow("7-4", date(2025, 6, 30), 99.5, "已完成"),
    ]
    with pytest.raises(StoreError) as refused:
        store.add_progress(1, rows, section, today=TODAY)
    assert [(p.index, p.column) for p in refused.value.problems] == [(0, "status"), (2, "status")]
    assert str(refused.value).splitlines()[0].startswith("7-2：状态为“未开始”，完成率却是 20%")
    assert str(refused.value).splitlines()[1].startswith("7-4：状态为“已完成”，完成率却是 99.5%")
    assert store.scalar("SELECT count(*) FROM progress") == 0
    # The in-app editor: shown before saving, with the editor's row.
    before = progress.editor_frame(state(store), section)
    after = before.copy()
    after.loc[after["code"] == "7-2", "completion_pct"] = 20.0  # the case: 20 %, left 未开始
    edits = progress.edited_rows(before, after, date(2025, 7, 4))
    assert progress.edit_problems(before, edits) == [
        "第 3 行（7-2）：状态为“未开始”，完成率却是 20%：已有进展请把状态改为“推进中”等实际状态，尚未开始请把完成率填 0"
    ]
    after.loc[after["code"] == "7-2", "status"] = "推进中"
    assert progress.edit_problems(before, progress.edited_rows(before, after, date(2025, 7, 4))) == []


def test_edits_become_reports_only_where_something_changed(store):
    before = progress.editor_frame(state(store), Actor.section("校安科"))
    after = before.copy()
    after.loc[after["code"] == "7-2", "completion_pct"] = 60.0
    after.loc[after["code"] == "7-4", "status"] = "推进中"
    after.loc[after["code"] == "1-8-2", "note"] = "已开工"
    rows = progress.edited_rows(before, after, date(2025, 7, 4))
    assert rows == [
        ProgressRow("1-8-2", date(2025, 7, 4), 0.0, "未开始", "已开工"),
        ProgressRow("7-2", date(2025, 7, 4), 60.0, "未开始"),
        ProgressRow("7-4", date(2025, 7, 4), 0.0, "推进中"),
    ]


def test_default_report_date_is_the_open_periods_cut_off_never_today_clipped():
    after_the_year = date(2026, 11, 25)
    assert periods.Calendar(2025, closed_through=date(2025, 11, 21)).report_day(after_the_year) == date(2025, 11, 28)
    assert periods.Calendar(2025).report_day(after_the_year) == date(2025, 12, 31)  # the year's last period
    assert periods.Calendar(2025, closed_through=date(2025, 12, 31)).report_day(after_the_year) == date(2025, 12, 31)
    assert periods.Calendar(2026).report_day(after_the_year) == after_the_year


# -- speed ---------------------------------------------------------------------------------------


def test_validate_and_commit_1000_rows_quickly(store, capsys):
    codes = [t.code for t in shipped_plan().targets]
    days = pd.date_range("2025-01-03", periods=17, freq="7D").date
    lines = [f"{c},,,,{d},{min(100, 5 * k)},推进中," for k, d in enumerate(days) for c in codes][:1000]
    data = csv_bytes(lines)
    started = time.perf_counter()
    up = checked(store, "office.csv", data, Actor.office())
    assert up.errors == []
    written = progress.commit(store, 1, Actor.office(), up.rows, today=TODAY)
    elapsed = time.perf_counter() - started
    assert written == 1000
    with capsys.disabled():
        print(f"\n1,000-row CSV: validated and committed in {elapsed:.3f} s")
    assert elapsed < 2.0
