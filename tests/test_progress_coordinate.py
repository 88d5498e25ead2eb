"""需协调 (#36): a section flags a target in its progress report — a column of the ledger (.xlsx and
CSV, old templates without it still read), a checkbox of the in-app editor — the flag is a change
of its own, the audit names it, 目标详情 shows it, and the meeting's read (decisions.coordination)
lists a target by its latest report of the week, on DuckDB and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import tables, templates
from perfdash.store import ProgressRow, Store
from perfdash.workflows import decisions, ledger, periods, progress
from tests.fixtures import shipped_plan, signed_in

TODAY = date(2025, 12, 31)
SECTION = Actor.section("校安科")  # leads 7-2, 7-3, 7-4; co-leads 1-1-3, 1-8-2
HEADER = "编号,年度工作目标,完成时限,本科室角色,填报日期,完成率(%),状态,进展说明,需协调"
FLAG_COLUMN = 9  # I: after 进展说明


@pytest.fixture
def store(plan_store):
    return plan_store


def state(store: Store, as_of: date = TODAY) -> pd.DataFrame:
    return queries.target_state(store, 1, as_of, 2025)


def checked(store: Store, name: str, data: bytes, actor: Actor = SECTION) -> ledger.Upload:
    up = ledger.read_upload(name, data)
    if not up.errors:
        ledger.check_upload(store, 1, actor, up, today=TODAY)
    return up


def csv_bytes(lines: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def template_with(store: Store, edits: dict[str, dict[int, object]], actor: Actor = SECTION) -> bytes:
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


# -- the ledger column ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "flag"),
    [
        ("是", True),
        ("√", True),
        ("✓", True),
        ("Y", True),
        ("y", True),
        ("1", True),
        ("TRUE", True),
        ("需要", True),
        (" 是 ", True),
        ("否", False),
        ("N", False),
        ("0", False),
        ("FALSE", False),
        ("不需要", False),
        ("", False),
    ],
)
def test_csv_marks_people_use(store, mark, flag):
    up = checked(store, "台账.csv", csv_bytes([f"7-2,,,,2025-11-28,45,推进中,,{mark}"]))
    assert up.errors == []
    assert up.rows == [ProgressRow("7-2", date(2025, 11, 28), 45.0, "推进中", "", flag)]


def test_a_csv_without_the_column_still_reads(store):
    old = "编号,年度工作目标,完成时限,本科室角色,填报日期,完成率(%),状态,进展说明"
    up = checked(store, "旧.csv", csv_bytes(["7-2,,,,2025-11-28,45,推进中,排查中"], header=old))
    # No column: the row says nothing of 需协调 (None), and the target's latest flag carries on.
    assert up.errors == [] and up.rows == [ProgressRow("7-2", date(2025, 11, 28), 45.0, "推进中", "排查中", None)]


def test_an_xlsx_without_the_column_still_reads(store):
    old = Workbook()
    sheet = old.active
    sheet.title = ledger.SHEET
    sheet.append(["编号", "年度工作目标", "完成时限", "本科室角色", "填报日期", "完成率(%)", "状态", "进展说明"])
    sheet.append(["7-2", "平安建设", date(2025, 12, 31), "牵头", date(2025, 11, 28), 45, "推进中", "排查中"])
    buf = io.BytesIO()
    old.save(buf)
    up = checked(store, "旧模板.xlsx", buf.getvalue())
    assert up.errors == [] and [r.coordinate for r in up.rows] == [None]


OLD_HEADER = "编号,年度工作目标,完成时限,本科室角色,填报日期,完成率(%),状态,进展说明"  # before 需协调


def _flagged(store: Store) -> list[tuple[str, float]]:
    """The targets the meeting of 11-15 – 11-30 lists as 需协调, with the percent it shows."""
    found = decisions.coordination(store, 1, date(2025, 11, 15), date(2025, 11, 30))
    return [(str(c), float(p)) for c, p in zip(found["code"], found["completion_pct"], strict=True)]


def test_an_upload_without_the_column_keeps_each_targets_flag(store):
    """#36 review: a template of before the 需协调 column says nothing of it. 7-2, flagged on 11-21,
    uploaded again with the same values writes nothing and stays flagged; with a new percent it
    is written, the flag carried. Only a blank or 否 in a column that is there withdraws it."""
    store.add_progress(
        1, [ProgressRow("7-2", date(2025, 11, 21), 40, "推进中", "需财政协调", True)], SECTION, today=TODAY
    )
    assert _flagged(store) == [("7-2", 40.0)]
    same = checked(store, "旧.csv", csv_bytes(["7-2,,,,2025-11-28,40,推进中,"], header=OLD_HEADER))
    assert same.errors == [] and same.unchanged == [True]
    preview = progress.changes(state(store), same.rows, same.unchanged)
    assert (bool(preview.iloc[0]["coordinate"]), bool(preview.iloc[0]["changed"])) == (True, False)
    assert progress.commit(store, 1, SECTION, same.rows, today=TODAY) == 0
    assert _flagged(store) == [("7-2", 40.0)]

    moved = checked(store, "旧.csv", csv_bytes(["7-2,,,,2025-11-28,45,推进中,"], header=OLD_HEADER))
    assert moved.unchanged == [False]
    assert progress.commit(store, 1, SECTION, moved.rows, today=TODAY) == 1
    assert _flagged(store) == [("7-2", 45.0)]
    latest = store.rows("SELECT coordinate FROM progress WHERE code = '7-2' ORDER BY report_date DESC LIMIT 1")
    assert latest == [(True,)]
    new = store.rows("SELECT new_value FROM audit_log WHERE action = '填报进度' ORDER BY audit_id DESC LIMIT 1")[0][0]
    assert json.loads(new)[0]["coordinate"] is True

    # The column there, the cell blank: withdrawn (a change of its own).
    blank = checked(store, "新.csv", csv_bytes(["7-2,,,,2025-11-29,45,推进中,,"]))
    assert blank.rows[0].coordinate is False and blank.unchanged == [False]
    assert progress.commit(store, 1, SECTION, blank.rows, today=TODAY) == 1
    assert _flagged(store) == []


def test_a_row_without_the_flag_carries_the_latest_on_its_date():
    """carry_flags: the flag of the latest report on or before the row's date, stored or of the
    batch (an earlier row of the same file raising it); none for a target never reported on."""
    history = {"7-2": [(date(2025, 11, 21), 45.0, "推进中", "", True), (date(2025, 12, 5), 50.0, "推进中", "", False)]}
    rows = [
        ProgressRow("7-2", date(2025, 11, 28), 45, "推进中", "", None),  # 11-21's flag, not 12-05's
        ProgressRow("7-3", date(2025, 11, 21), 0, "未开始", "", True),
        ProgressRow("7-3", date(2025, 11, 28), 10, "推进中", "", None),  # the batch's own 11-21 raised it
        ProgressRow("7-4", date(2025, 11, 28), 0, "未开始", "", None),  # never reported: none
    ]
    assert [r.coordinate for r in progress.carry_flags(rows, history)] == [True, True, True, False]


def test_xlsx_marks_text_booleans_and_numbers(store):
    # 7-2 typed 是; 7-3 an Excel TRUE cell (a boolean); 7-4 the number 1; 1-8-2 否; 1-1-3 left blank.
    data = template_with(
        store,
        {
            "7-2": {6: 45, 7: "推进中", FLAG_COLUMN: "是"},
            "7-3": {6: 10, 7: "推进中", FLAG_COLUMN: True},
            "7-4": {FLAG_COLUMN: 1},
            "1-8-2": {FLAG_COLUMN: "否"},
        },
    )
    up = checked(store, "台账.xlsx", data)
    assert up.errors == []
    assert {r.code: r.coordinate for r in up.rows} == {
        "1-1-3": False,
        "1-8-2": False,
        "7-2": True,
        "7-3": True,
        "7-4": True,
    }
    # 7-4 changed only its flag: a change all the same. 1-8-2 and 1-1-3 repeat 0 % 未开始, no flag.
    assert dict(zip([r.code for r in up.rows], up.unchanged, strict=True)) == {
        "1-1-3": True,
        "1-8-2": True,
        "7-2": False,
        "7-3": False,
        "7-4": False,
    }
    assert progress.commit(store, 1, SECTION, up.rows, today=TODAY) == 3
    stored = store.rows("SELECT code, coordinate FROM progress ORDER BY code")
    assert stored == [("7-2", True), ("7-3", True), ("7-4", True)]


def test_a_mark_nobody_can_read_is_one_line_naming_file_sheet_row_and_column(store):
    expected = "“可能”不是可识别的需协调标记，需要领导协调的填“是”（也可填 √、Y、1），不需要的填“否”或留空"
    up = checked(store, "bad.csv", csv_bytes(["7-3,,,,2025-11-28,50,推进中,,", "7-2,,,,2025-11-28,45,推进中,,可能"]))
    assert [str(e) for e in up.errors] == [f"bad.csv 第3行“需协调”列：{expected}"]
    data = template_with(store, {"7-2": {6: 45, 7: "推进中", FLAG_COLUMN: "可能"}})
    up = checked(store, "台账.xlsx", data)
    row = next(c.row for c in load_workbook(io.BytesIO(data))[ledger.SHEET]["A"] if c.value == "7-2")
    assert [str(e) for e in up.errors] == [f"台账.xlsx 工作表“进度台账” 第{row}行“需协调”列：{expected}"]
    shown = tables.upload_errors(up.errors)
    assert list(shown.columns) == ["文件", "工作表", "行", "列", "问题"]
    assert list(shown.iloc[0])[:4] == ["台账.xlsx", "进度台账", str(row), "需协调"]
    assert "工作表" not in tables.upload_errors(checked(store, "bad.csv", csv_bytes(["7-2,,,,x,45,推进中,,"])).errors)


# -- the template ---------------------------------------------------------------------------------


def test_template_offers_yes_no_and_round_trips_the_flag(store):
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "", True)], SECTION, today=TODAY)
    data = templates.ledger_template_xlsx(state(store), SECTION, date(2025, 11, 28))
    ws = load_workbook(io.BytesIO(data))[ledger.SHEET]
    header = [c.value for c in ws[3]]
    assert header[-2:] == ["进展说明", "需协调"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["7-2"][FLAG_COLUMN - 1] == "是" and rows["7-3"][FLAG_COLUMN - 1] is None  # the latest report's flag
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    flag_rule = next(f for ref, f in lists.items() if ref.startswith("I"))
    assert flag_rule == '"是,否"'
    # Uploaded as it is: nothing new (the flag repeats the latest report's).
    same = checked(store, "原样.xlsx", data)
    assert same.errors == [] and same.changed_count == 0
    # Withdrawn (是 → 否): one record, without the flag.
    up = checked(store, "撤回.xlsx", template_with(store, {"7-2": {FLAG_COLUMN: "否"}}))
    assert up.errors == [] and up.changed_count == 1
    assert progress.commit(store, 1, SECTION, up.rows, today=TODAY) == 1
    assert store.rows("SELECT report_date, coordinate FROM progress WHERE code = '7-2' ORDER BY progress_id") == [
        (date(2025, 11, 21), True),
        (date(2025, 11, 28), False),
    ]


# -- the unchanged rule and the audit ------------------------------------------------------------


def test_the_flag_alone_is_a_change_and_repeating_it_is_not():
    history = {"7-2": [(date(2025, 11, 21), 45.0, "推进中", "排查中", True)]}
    rows = [
        ProgressRow("7-2", date(2025, 11, 28), 45, "推进中", "", True),  # repeats 11-21, flag and all
        ProgressRow("7-3", date(2025, 11, 28), 0, "未开始", "", True),  # never reported: raising it is a change
        ProgressRow("7-4", date(2025, 11, 28), 0, "未开始"),  # never reported, no flag: nothing new
    ]
    assert progress.unchanged_rows(rows, history) == [True, False, True]
    withdrawn = [ProgressRow("7-2", date(2025, 11, 28), 45, "推进中")]  # the same but the flag: a change
    assert progress.unchanged_rows(withdrawn, history) == [False]
    # Within one batch: 12-05 repeats the batch's own 11-28 (flag raised there).
    batch = [
        ProgressRow("7-4", date(2025, 11, 28), 0, "未开始", "", True),
        ProgressRow("7-4", date(2025, 12, 5), 0, "未开始", "", True),
    ]
    assert progress.unchanged_rows(batch, {}) == [False, True]


def test_the_audit_entry_carries_the_flag(store):
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中")], SECTION, today=TODAY)
    row = ProgressRow("7-2", date(2025, 11, 28), 45, "推进中", "", True)
    assert progress.commit(store, 1, SECTION, [row], today=TODAY) == 1
    old, new = store.rows("SELECT old_value, new_value FROM audit_log WHERE action = '填报进度' ORDER BY audit_id")[-1]
    assert json.loads(old) == {"7-2": {"completion_pct": 45.0, "status": "推进中", "coordinate": False}}
    assert json.loads(new)[0]["coordinate"] is True
    diff = progress.changes(state(store, date(2025, 11, 21)), [row])
    assert tables.changes(diff).iloc[0]["需协调"] == "需协调" and bool(diff.iloc[0]["changed"])
    back = progress.changes(state(store), [ProgressRow("7-2", date(2025, 12, 5), 45, "推进中")])
    assert tables.changes(back).iloc[0]["需协调"] == "取消需协调"


# -- the in-app editor -------------------------------------------------------------------------------


def test_editor_starts_from_the_latest_flag_and_sends_a_flag_change(store):
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "", True)], SECTION, today=TODAY)
    before = progress.editor_frame(state(store), SECTION)
    assert dict(zip(before["code"], before["coordinate"], strict=True))["7-2"] is True
    after = before.copy()
    after.loc[after["code"] == "7-3", "coordinate"] = True  # raised
    after.loc[after["code"] == "7-2", "completion_pct"] = 50.0  # a new percent keeps the flag
    assert progress.edited_rows(before, after, date(2025, 11, 28)) == [
        ProgressRow("7-2", date(2025, 11, 28), 50.0, "推进中", "", True),
        ProgressRow("7-3", date(2025, 11, 28), 0.0, "未开始", "", True),
    ]
    after.loc[after["code"] == "7-2", ["completion_pct", "coordinate"]] = [45.0, False]  # withdrawn only
    assert progress.edited_rows(before, after, date(2025, 11, 28))[0] == ProgressRow(
        "7-2", date(2025, 11, 28), 45.0, "推进中", "", False
    )


def test_summary_names_the_sections_flagged_targets(store):
    week = periods.Period(48, date(2025, 11, 22), date(2025, 11, 28))
    assert progress.flag_summary(state(store), SECTION, week) is None
    store.add_progress(
        1,
        [
            ProgressRow("7-2", date(2025, 11, 21), 45, "推进中", "", True),
            ProgressRow("7-3", date(2025, 11, 25), 10, "推进中", "", True),
        ],
        SECTION,
        today=TODAY,
    )
    assert progress.flag_summary(state(store, date(2025, 11, 28)), SECTION, week) == (
        "已标注“需协调”的目标 2 项：7-2（11月21日填报）、7-3（11月25日填报，本期）。"
        "其中 1 项为本期填报，将列入本期周例会“需要协调的事项”。"
    )
    assert progress.flag_summary(state(store), Actor.section("中教科"), week) is None  # not its targets


def _grid(at):
    return next(d for d in at.dataframe if str(d.key or "").startswith("editor"))


def test_editor_page_sets_the_flag(db):
    at = signed_in("pages/progress.py", "section", "校安科").run()
    assert not at.exception, at.exception
    grid = _grid(at)
    row = list(grid.value["code"]).index("7-4")
    assert not grid.value["coordinate"].any()  # the demo history flags nothing
    at.session_state[grid.key] = {"edited_rows": {row: {"coordinate": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "已修改 1 项" in at.caption[1].value and "需协调" in at.caption[1].value
    at.button(key="save_edits").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success if s.value.startswith("已保存")] == [
        "已保存 1 条进度记录。填报日期 2025-11-28。"
    ]
    store = Store(db)
    try:
        found = store.rows(
            "SELECT code, report_date, coordinate FROM progress WHERE reporter = '校安科' AND coordinate"
        )
    finally:
        store.close()
    assert found == [("7-4", date(2025, 11, 28), True)]
    # The page tells the section what it has flagged, the grid starts ticked, the log marks the report.
    flags = [i.value for i in at.info if "需协调" in i.value]
    assert flags == [
        "已标注“需协调”的目标 1 项：7-4（11月28日填报，本期）。其中 1 项为本期填报，将列入本期周例会“需要协调的事项”。"
    ]
    grid = _grid(at)
    assert bool(grid.value.set_index("code").loc["7-4", "coordinate"])
    log = at.dataframe[-1].value  # 填报记录, the last tab (AppTest keeps no key of a plain st.dataframe)
    assert list(log.iloc[0][["编号", "需协调"]]) == ["7-4", "需协调"]


def test_target_history_shows_the_flag(db):
    store = Store(db)
    try:
        store.add_progress(
            1, [ProgressRow("7-2", date(2025, 11, 28), 96, "推进中", "需财政协调", True)], SECTION, today=TODAY
        )
    finally:
        store.close()
    at = signed_in("pages/target.py", "office")
    at.query_params["code"] = "7-2"
    at.query_params["as_of"] = "2025-11-28"
    at.run()
    assert not at.exception, at.exception
    history = next(d.value for d in at.dataframe if "需协调" in d.value.columns)
    assert history.iloc[0]["填报日期"] == "2025-11-28" and history.iloc[0]["需协调"] == "需协调"
    assert set(history.iloc[1:]["需协调"]) == {""}  # the demo's reports carried no flag


# -- the meeting's read, on both backends -------------------------------------------------------------


def test_coordination_lists_the_weeks_latest_flag(db_target):
    """The week of 11-22 (Sat) to 11-28 (Fri), the plan's 第48期: 7-2 flagged on 11-25 (uploaded) shows; 7-3
    flagged only on 12-02 (after the week) does not; 7-4 flagged on 11-24 and reported again on
    11-27 without the flag is withdrawn. Before 7-2's report nothing shows."""
    s = Store(db_target)
    try:
        plan_id = s.import_plan(shipped_plan()).plan_id
        week = (date(2025, 11, 22), date(2025, 11, 28))
        assert periods.Calendar(2025).period_of(week[0]) == periods.Period(48, *week)
        assert decisions.coordination(s, plan_id, *week).empty
        s.add_progress(
            plan_id, [ProgressRow("7-4", date(2025, 11, 24), 20, "推进中", "待协调", True)], SECTION, today=TODAY
        )
        # The section's upload: 7-2 flagged, 7-4 reported again without the flag.
        upload = ledger.check_upload(
            s,
            plan_id,
            SECTION,
            ledger.read_upload(
                "校安科.csv",
                csv_bytes(
                    [
                        "7-2,,,,2025-11-25,60,有风险,需财政局协调经费,是",
                        "7-3,,,,2025-11-25,30,推进中,,",
                        "7-4,,,,2025-11-27,25,推进中,已协调解决,否",
                    ]
                ),
            ),
            today=TODAY,
        )
        assert upload.errors == [] and upload.changed_count == 3
        assert progress.commit(s, plan_id, SECTION, upload.rows, today=TODAY) == 3
        s.add_progress(plan_id, [ProgressRow("7-3", date(2025, 12, 2), 35, "推进中", "", True)], SECTION, today=TODAY)
        found = decisions.coordination(s, plan_id, *week)
        assert list(found["code"]) == ["7-2"]
        row = found.iloc[0]
        assert (row["section"], row["reporter"], row["status"], row["note"]) == (
            "校安科",
            "校安科",
            "有风险",
            "需财政局协调经费",
        )
        assert float(row["completion_pct"]) == 60 and pd.Timestamp(row["report_date"]).date() == date(2025, 11, 25)
        # The week before: 7-2's flag of 11-25 is not there yet.
        assert decisions.coordination(s, plan_id, date(2025, 11, 15), date(2025, 11, 21)).empty
        # The next week: only 7-3, flagged on 12-02.
        assert list(decisions.coordination(s, plan_id, date(2025, 11, 29), date(2025, 12, 5))["code"]) == ["7-3"]
        # 目标详情's history on this backend too.
        history = tables.target_history(
            progress.history_with_expected(queries.target_history(s, plan_id, "7-4"), date(2025, 12, 31), 2025)
        )
        assert list(history["需协调"]) == ["需协调", ""]
        # The editor and the template start from the latest flag: 7-2 yes, 7-4 withdrawn.
        now = queries.target_state(s, plan_id, date(2025, 11, 28), 2025).set_index("code")
        assert bool(now.loc["7-2", "coordinate"]) and not bool(now.loc["7-4", "coordinate"])
    finally:
        s.close()
