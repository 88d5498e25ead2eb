"""python -m perfdash assess: the 内设科室绩效考评 (workflows.assessment) — each section's group,
parts, adjustments, total, rank within its group and grade, as the page shows them; the locked
snapshot once the office locked the results, else 预估. With --docx / --xlsx it writes the
《内设科室绩效考评结果》 (perfdash.present.assessment_docs)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: importing these at run time would make --help slow
    from perfdash.ops.backup_folder import BackupFile
    from perfdash.present.assessment_docs import Standing

HELP = "内设科室绩效考评：各科室的分组、各部分得分、调整分、合计、组内名次和等次（未锁定为预估）"
# Every key --json may print, and when: the help lists them all (tests/test_assessment_docs.py checks both ways).
JSON_KEYS = {
    "as_of": "统计日期（已锁定时为锁定时的统计日期）",
    "locked": "true：绩效办已锁定考评结果；false：预估",
    "sections": "每个科室一个对象（按分组、组内名次排列），键如下",
    "snapshot": "所读备份的 taken_at 和 file（看板运行时）",
}
SECTION_KEYS = {
    "section": "科室",
    "group": "分组（分类考评）",
    "parts": "各部分得分，键如下",
    "adjustments": "绩效办调整分之和（理由见 --docx / --xlsx 或看板）",
    "total": "合计",
    "rank": "组内名次（合计相同的并列）",
    "grade": "等次（按本组考评方案的分界）",
}
PART_KEYS = {  # workflows.assessment.PART_LABELS, written out: importing it would load pandas for --help
    "completion": "目标完成",
    "process": "过程管理",
    "year_end": "年终评估",
    "innovation": "创新与加减分",
    "leader": "领导评价",
}
EXAMPLES = "\n".join(
    [
        "--json 的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in JSON_KEYS.items()),
        "sections 中每个对象的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in SECTION_KEYS.items()),
        "parts 的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in PART_KEYS.items()),
        "",
        "例：",
        "  python -m perfdash assess --db DB",
        "  python -m perfdash assess --db DB --json --as-of 2025-11-21",
        "  python -m perfdash assess --db DB --docx 考评结果.docx --xlsx 考评结果.xlsx",
        "统计日期默认为绩效办最近关闭的填报周期的截止日；考评结果锁定后按锁定时的结果显示。",
        "看板运行时读取最新一份备份，并注明其时间。",
    ]
)
PARENTS = (options.DB, options.PLAN, options.AS_OF)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The output form and the documents to write."""
    parser.add_argument("--json", action="store_true", help="输出一行 JSON（各键见下）")
    parser.add_argument("--docx", metavar="OUT", help="写出《内设科室绩效考评结果》（Word，公文格式）")
    parser.add_argument(
        "--xlsx", metavar="OUT", help="写出考评结果表（Excel，A4 横向打印；调整事项及理由在第二个工作表）"
    )


def run(args: argparse.Namespace) -> int:
    """Print the assessment and write the documents asked for (read-only; a copy of the newest
    backup while the app server holds the file)."""
    from perfdash.cli import opening
    from perfdash.present import assessment_docs

    for flag, out in (("--docx", args.docx), ("--xlsx", args.xlsx)):
        if out and not Path(out).parent.is_dir():
            raise options.Refused(f"{flag} {out}：目录 {Path(out).parent} 不存在")
    store, row = opening.open_plan(args, read_only=True, snapshot_ok=True)
    try:
        standing = assessment_docs.gather(store, int(row["plan_id"]), opening.as_of(args, store, row))
    finally:
        store.close()
    result = standing.result
    if result.locked and args.as_of and args.as_of != result.as_of:
        print(
            f"注意：考评结果已锁定，显示锁定时（统计截至 {result.as_of}）的结果，未按 --as-of {args.as_of} 计算。",
            file=sys.stderr,
        )
    snapshot = getattr(args, "snapshot", None)
    written = []
    if args.docx:
        Path(args.docx).write_bytes(assessment_docs.results_docx(standing))
        written.append(f"已写出《{assessment_docs.title(standing)}》：{args.docx}")
    if args.xlsx:
        Path(args.xlsx).write_bytes(assessment_docs.results_xlsx(standing))
        written.append(f"已写出考评结果表（Excel）：{args.xlsx}")
    if args.json:
        out = result.as_json()
        if snapshot is not None:  # read from a backup while the app serves: say which, and from when
            out["snapshot"] = {"taken_at": snapshot.taken_at.isoformat(), "file": str(snapshot.path)}
        print(json.dumps(out, ensure_ascii=False))
        for line in written:  # stdout holds the JSON only
            print(line, file=sys.stderr)
    else:
        print(_text(standing, snapshot))
        for line in written:
            print(line)
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, right: bool = True) -> str:
    pad = " " * max(width - _width(text), 0)
    return pad + text if right else text + pad


def _text(s: Standing, snapshot: BackupFile | None) -> str:
    """A readable table per group: rank, section, each part, adjustment, total, grade."""
    from perfdash.core import fmt
    from perfdash.present.assessment_docs import grade_counts, signed, weights
    from perfdash.workflows.assessment import PART_LABELS, PROVISIONAL

    r = s.result
    lines = []
    if snapshot is not None:
        lines.append(f"（数据截至 {snapshot.taken_at:%Y-%m-%d %H:%M:%S} 的备份：看板正在运行，未读取此后的改动）")
    state = f"已锁定（{r.locked_by}，{fmt.day(r.locked_at)}）" if r.locked else f"{PROVISIONAL}（尚未锁定）"
    demo = "（演示数据）" if s.demo else ""
    lines.append(f"{s.unit}{s.year}年度内设科室绩效考评{demo} · 统计截至 {r.as_of} · {state}")
    if r.table.empty:
        lines.append("本方案尚无可考评的科室。")
        return "\n".join(lines)
    parts = s.parts()
    name_width = max(_width("科室"), *(_width(str(x)) for x in r.table["section"]))
    widths = [max(_width(PART_LABELS[p]), 6) for p in parts]
    header = [_cell("名次", 4), _cell("科室", name_width, right=False)]
    header += [_cell(PART_LABELS[p], w) for p, w in zip(parts, widths, strict=True)]
    header += [_cell("调整分", 7), _cell("合计", 7), "  等次"]
    for group, rows in s.groups():
        scheme = s.scheme(group)
        lines += ["", f"{group}（{len(rows)} 个科室；满分 {scheme.full_marks:g}：{weights(scheme, parts)}）"]
        lines.append("  ".join(header))
        for t in rows.itertuples():
            cells = [_cell(str(int(t.rank)), 4), _cell(str(t.section), name_width, right=False)]
            cells += [_cell(fmt.score(getattr(t, p)), w) for p, w in zip(parts, widths, strict=True)]
            cells += [_cell(signed(t.adjustment), 7), _cell(fmt.score(t.total), 7), f"  {t.grade}"]
            lines.append("  ".join(cells))
        lines.append(f"等次：{grade_counts(s, rows)}")
        adjusted = s.adjustments[s.adjustments["section"].isin(set(rows["section"]))]
        lines += [f"  调整：{a.section} {signed(a.points)}：{a.reason}" for a in adjusted.itertuples()]
    if r.provisional:
        lines += ["", f"{PROVISIONAL}：考评结果尚未锁定，随进度填报、核验和绩效办的调整而变化，以锁定后的结果为准。"]
    return "\n".join(lines)
