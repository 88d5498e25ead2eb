"""The 内设科室绩效考评 handed in (#35): ``python -m perfdash assess`` prints what
workflows.assessment computes; the 《内设科室绩效考评结果》 (.docx and .xlsx, read back) states the
same ranks and totals; the 绩效评估报告 sums it up under its 二级绩效管理 target (5-6). On the demo
plan with two groups, a scheme of their own for the direct units (with 领导评价) and two
adjustments with reasons. (How LibreOffice prints both documents: tests/test_office_suite.py.)"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook

from perfdash.cli import assess as assess_cli
from perfdash.core.access import Actor
from perfdash.present import assessment_docs, evaluation_report
from perfdash.store import Store
from perfdash.workflows import assessment
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
AS_OF = date(2025, 11, 21)  # the demo plan's 统计日期 (its last closed reporting period)
DIRECT = ("考试院", "教科院", "资源中心", "督评中心")  # 直属单位; every other section 业务科室
ADJUSTED = {"办公室": (2.0, "承办全市教育系统绩效管理工作会议"), "教科院": (-1.5, "督办事项逾期答复")}


@pytest.fixture(scope="module")
def graded(databases, tmp_path_factory) -> Path:
    """The demo database with the office's settings: two groups, the 直属单位 on a scheme with
    领导评价 (completion 50, leader 10), two leaders' scores for 教科院, two adjustments."""
    path = databases.copy("demo", tmp_path_factory.mktemp("assess"))
    s = Store(path)
    try:
        sections = assessment.sections_of(s, 1)
        s.set_groups(1, {x: "直属单位" if x in DIRECT else "业务科室" for x in sections}, OFFICE)
        s.set_scheme(1, "直属单位", json.dumps({"completion": 50, "leader": 10}), OFFICE)
        s.rate_section(1, "教科院", "王局", 90, OFFICE)
        s.rate_section(1, "教科院", "李局", 80, OFFICE)
        for section, (points, reason) in ADJUSTED.items():
            s.add_section_adjustment(1, section, points, reason, OFFICE)
    finally:
        s.close()
    return path


@contextlib.contextmanager
def reading(path: Path) -> Iterator[Store]:
    store = Store(path, read_only=True)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def expected(graded) -> assessment.Result:
    with reading(graded) as s:
        return assessment.assess(s, 1, AS_OF, 2025)


def _by_section(result: assessment.Result) -> dict[str, dict]:
    return result.table.set_index("section").to_dict("index")


# -- the command --------------------------------------------------------------------------------


def test_json_is_the_assessment_as_the_page_computes_it(graded, expected):
    before = hashlib.sha256(graded.read_bytes()).hexdigest()
    out = run_cli("assess", "--db", str(graded), "--json").as_json()
    assert out == expected.as_json()  # as_of defaults to the plan's 统计日期, as the page's
    assert hashlib.sha256(graded.read_bytes()).hexdigest() == before  # read-only
    rows = {r["section"]: r for r in out["sections"]}
    assert out["locked"] is False and out["as_of"] == "2025-11-21"
    assert {r["group"] for r in out["sections"]} == {"业务科室", "直属单位"}
    # 教科院 on the 直属单位 scheme: 领导评价 10 × mean(90, 80) / 100 = 8.5, and its -1.5.
    assert rows["教科院"]["parts"]["leader"] == 8.5 and rows["教科院"]["adjustments"] == -1.5
    assert rows["办公室"]["adjustments"] == 2.0 and rows["办公室"]["parts"]["leader"] == 0.0
    for r in out["sections"]:  # the total is its parts and adjustment; ranks are within the group
        assert r["total"] == pytest.approx(sum(r["parts"].values()) + r["adjustments"], abs=0.011)
        mates = [x for x in out["sections"] if x["group"] == r["group"]]
        assert r["rank"] == 1 + sum(x["total"] > r["total"] for x in mates)
    direct = sorted((r for r in out["sections"] if r["group"] == "直属单位"), key=lambda r: r["rank"])
    assert [r["rank"] for r in direct] == [1, 2, 3, 4] and {r["section"] for r in direct} == set(DIRECT)


def test_as_of_chooses_the_day(graded):
    with reading(graded) as s:
        want = assessment.assess(s, 1, date(2025, 6, 30), 2025).as_json()
    assert run_cli("assess", "--db", str(graded), "--json", "--as-of", "2025-06-30").as_json() == want


def test_help_lists_every_key_the_json_prints(graded):
    shown = " ".join(run_cli("assess", "--help").out.split())
    out = run_cli("assess", "--db", str(graded), "--json").as_json()
    keys = set(out) | {k for r in out["sections"] for k in r} | {k for r in out["sections"] for k in r["parts"]}
    listed = set(assess_cli.JSON_KEYS) | set(assess_cli.SECTION_KEYS) | set(assess_cli.PART_KEYS)
    assert keys <= listed and all(f" {key} " in shown for key in listed)
    assert assess_cli.PART_KEYS == assessment.PART_LABELS


def test_text_is_a_table_per_group_marked_provisional(graded, expected):
    out = run_cli("assess", "--db", str(graded))
    assert out.code == 0, out.err
    lines = out.out.splitlines()
    assert "预估（尚未锁定）" in lines[0] and "演示数据" in lines[0]
    assert lines[-1].startswith("预估：考评结果尚未锁定")
    assert any(x.startswith("直属单位（4 个科室；满分 100：目标完成50、") for x in lines)
    for r in expected.table.itertuples():  # each section's row: rank, name, …, total, grade
        row = next(x for x in lines if re.match(rf"\s*{r.rank}\s+{re.escape(r.section)}\s", x))
        assert row.split()[-2:] == [f"{r.total:.2f}", r.grade], row
    for section, (points, reason) in ADJUSTED.items():
        assert f"  调整：{section} {points:+.2f}：{reason}" in lines


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--as-of", "2025-02-30"), "错误：参数 --as-of：日期“2025-02-30”无效，应为 YYYY-MM-DD，如 2025-11-28"),
        (("--unit", "某某局"), "错误：数据库 "),
        (("--year", "2019"), "错误：数据库 "),
        (("--docx", "/nonexistent/dir/x.docx"), "错误：--docx /nonexistent/dir/x.docx：目录 /nonexistent/dir 不存在"),
    ],
    ids=["bad-day", "unknown-unit", "unknown-year", "no-folder"],
)
def test_usage_errors_exit_2_in_one_chinese_line(graded, args, line):
    out = run_cli("assess", "--db", str(graded), *args)
    assert out.code == 2 and "Traceback" not in out.err and out.out == ""
    last = out.err.strip().splitlines()[-1]
    assert last.startswith(line), out.err
    if "--unit" in args or "--year" in args:
        assert "中没有匹配的方案" in last


# -- the documents -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(graded, tmp_path_factory) -> dict[str, Path]:
    """Both documents as the command writes them (with the JSON on stdout, the notices on stderr)."""
    folder = tmp_path_factory.mktemp("assess-docs")
    docx, xlsx = folder / "考评结果.docx", folder / "考评结果.xlsx"
    out = run_cli("assess", "--db", str(graded), "--json", "--docx", str(docx), "--xlsx", str(xlsx))
    assert out.code == 0, out.err
    json.loads(out.out)  # stdout holds the JSON only
    assert f"已写出《泉州市教育局2025年度内设科室绩效考评结果（预估）（演示数据）》：{docx}" in out.err
    return {"docx": docx, "xlsx": xlsx}


def test_docx_states_each_sections_rank_and_total(written, expected):
    read = assessment_docs.read_results(written["docx"].read_bytes())
    want = expected.table
    assert list(read["科室"]) == list(want["section"]) and list(read["分组"]) == list(want["group"])
    assert [int(x) for x in read["名次"]] == list(want["rank"])
    assert [float(x) for x in read["合计"]] == list(want["total"])
    assert list(read["等次"]) == list(want["grade"])
    for part, label in assessment.PART_LABELS.items():
        shown = read[label].notna()  # 领导评价 only in the 直属单位's table: only they weigh it
        assert [float(x) for x in read.loc[shown, label]] == list(want.loc[shown, part]), part
    assert list(read.loc[read["领导评价"].notna(), "分组"]) == ["直属单位"] * len(DIRECT)
    assert [float(x) for x in read["调整分"]] == list(want["adjustment"])


def test_docx_is_the_official_form_with_reasons_and_the_scheme(written, expected):
    doc = Document(io.BytesIO(written["docx"].read_bytes()))
    texts = [p.text for p in doc.paragraphs]
    body = "\n".join(texts)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    assert texts[:2] == ["泉州市教育局2025年度内设科室绩效考评结果（预估）（演示数据）", "（统计截至2025年11月21日）"]
    assert doc.paragraphs[0].style.name == "公文标题"
    assert [t for t in texts if re.match(r"^[一二三]、", t)] == ["一、考评结果", "二、考评办法"]
    assert [p.text for p in doc.paragraphs if p.style.name == "二级标题"] == [
        "（一）业务科室",
        "（二）直属单位",
        "（一）适用于业务科室",
        "（二）适用于直属单位",
    ]
    for section_name, (points, reason) in ADJUSTED.items():
        assert re.search(
            r"\d\." + re.escape(f"{section_name}{points:+.2f}分：{reason}（绩效办录入，") + r"\d{4}年", body
        ), section_name
    assert "**" not in body and "领导评价（10 分）：各分管领导打分" in body  # the scheme, without markdown
    assert "以上为预估结果：考评结果尚未锁定" in body
    assert texts[-2:] == ["泉州市教育局", "2025年11月21日"]  # the 落款: the data's date
    assert "本组4个科室，满分100（目标完成50、过程管理20、年终评估10、创新与加减分10、领导评价10）" in body
    assert [c.text for c in doc.tables[1].rows[0].cells][2:7] == [
        "目标\n完成",
        "过程\n管理",
        "年终\n评估",
        "创新与\n加减分",
        "领导\n评价",
    ]


def test_xlsx_states_the_same_table_and_the_reasons(written, expected):
    book = load_workbook(written["xlsx"])
    assert book.sheetnames == ["考评结果", "调整事项"]
    ws = book["考评结果"]
    assert ws["A1"].value == "泉州市教育局2025年度内设科室绩效考评结果（预估）（演示数据）"
    header_row = int(ws.print_title_rows.split(":")[1].strip("$"))
    header = [c.value for c in ws[header_row]]
    assert header == [
        "名次",
        "科室",
        "目标完成",
        "过程管理",
        "年终评估",
        "创新与加减分",
        "领导评价",
        "调整分",
        "合计",
        "等次",
    ]
    rows, bands = [], []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        (rows if row[1] is not None else bands).append(row)
    assert [b[0] for b in bands] == [
        "业务科室（16个科室；满分100：目标完成60、过程管理20、年终评估10、创新与加减分10）",
        "直属单位（4个科室；满分100：目标完成50、过程管理20、年终评估10、创新与加减分10、领导评价10）",
    ]
    got = pd.DataFrame(rows, columns=header)
    want = expected.table
    assert list(got["科室"]) == list(want["section"]) and list(got["名次"]) == list(want["rank"])
    assert list(got["合计"]) == list(want["total"]) and list(got["等次"]) == list(want["grade"])
    assert list(got["调整分"]) == list(want["adjustment"]) and list(got["领导评价"]) == list(want["leader"])
    reasons = [r for r in book["调整事项"].iter_rows(min_row=3, values_only=True)]
    assert [(r[1], r[2], r[3], r[4]) for r in reasons] == [
        (s, "直属单位" if s in DIRECT else "业务科室", p, why) for s, (p, why) in ADJUSTED.items()
    ]


def test_locked_results_are_the_snapshot_without_provisional(graded, tmp_path):
    path = tmp_path / "locked.duckdb"
    path.write_bytes(graded.read_bytes())
    s = Store(path)
    try:
        s.lock_assessment(1, AS_OF, 2025, OFFICE)
        standing = assessment_docs.gather(s, 1, date(2025, 12, 31))  # a later day: still the snapshot
    finally:
        s.close()
    out = run_cli("assess", "--db", str(path), "--json", "--as-of", "2025-12-31")
    assert out.as_json() == standing.result.as_json() and out.as_json()["locked"] is True
    assert out.as_json()["as_of"] == "2025-11-21" and "考评结果已锁定" in out.err
    text = run_cli("assess", "--db", str(path)).out
    assert "已锁定（绩效办，" in text and "预估" not in text
    assert assessment_docs.title(standing) == "泉州市教育局2025年度内设科室绩效考评结果（演示数据）"
    body = "\n".join(p.text for p in Document(io.BytesIO(assessment_docs.results_docx(standing))).paragraphs)
    assert "考评结果已由绩效办于" in body and "预估" not in body
    ws = load_workbook(io.BytesIO(assessment_docs.results_xlsx(standing)))["考评结果"]
    assert ws["A1"].value == "泉州市教育局2025年度内设科室绩效考评结果（演示数据）"


def test_a_plan_with_no_adjustments_says_so(demo_store):
    standing = assessment_docs.gather(demo_store, 1, AS_OF)
    body = "\n".join(p.text for p in Document(io.BytesIO(assessment_docs.results_docx(standing))).paragraphs)
    assert "本组无调整事项。" in body and "20个内设科室（单位）统一考评，按合计排名" in body
    sheet = load_workbook(io.BytesIO(assessment_docs.results_xlsx(standing)))["调整事项"]
    assert sheet["A3"].value == "无调整事项"


# -- the report's 二级绩效管理 paragraph -----------------------------------------------------------


def test_report_sums_up_the_assessment_under_target_5_6(graded, expected):
    with reading(graded) as s:
        data, _ = evaluation_report.build(s, 1, AS_OF)
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    target = next(n for n, t in enumerate(texts) if "（5-6：" in t)
    paragraph = texts[target + 1]
    assert paragraph.startswith("二级绩效管理方面，我局坚持分类考评、奖优罚劣，对20个内设科室（单位）分2组考评")
    tops = expected.table[expected.table["rank"] == 1].set_index("group")
    for group, top in tops.iterrows():
        assert f"{group}第一名为{top['section']}（{top['total']:.2f}分）" in paragraph
    counts = expected.table["grade"].value_counts()
    assert (
        "等次分布为" + "、".join(f"{g}{counts[g]}个" for g in ("优秀", "良好", "合格", "不合格") if g in counts)
        in paragraph
    )
    assert "预估结果（尚未锁定" in paragraph and "业务科室：目标完成60" in paragraph
    assert all(
        re.fullmatch(r"\d+\.\d\d", a) for a in re.findall(r"(\d+(?:\.\d+)?)分", paragraph)
    )  # the report's format


def test_no_paragraph_without_a_target_on_second_level_management(demo_store):
    from perfdash.db import queries

    state = queries.target_state(demo_store, 1, AS_OF, 2025)
    assert evaluation_report.second_level_paragraph(demo_store, 1, state, AS_OF)[0] == "5-6"
    state["target"] = state["target"].str.replace("二级绩效管理", "绩效管理")
    assert evaluation_report.second_level_paragraph(demo_store, 1, state, AS_OF) is None
