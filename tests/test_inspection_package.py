"""The 察访核验 inspection package (#34): folders by 一级指标 and target, files named after their
checklist item, a 目录 (.docx) and an index (.xlsx), only what the viewer may see, hostile names
made safe, a lost file listed and not packed, the CLI writing the same, and memory bounded while a
500 MB package is written. Numbers are hand-checkable on the demo database: 中教科 is a section
of 9 targets (it leads 1-3-1, 1-3-2 and 1-3-3), 初幼教科 of 1-3-2 but not of 1-3-1."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from statistics import median

import duckdb
import pytest
from docx import Document
from openpyxl import load_workbook

from perfdash.core.access import Actor, may_see_evidence
from perfdash.core.settings import PROJECT_ROOT
from perfdash.present import inspection_package as ip
from perfdash.server.demo import demo_pdf
from perfdash.store import Store, StoreError
from perfdash.workflows import claims, evaluation
from tests.fixtures import copy_base
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科", "zj")
CHUYOU = Actor("section", "初幼教科", "cy")
ZJ_TARGETS = ["1-1-2", "1-11-1", "1-12-2", "1-14-1", "1-2-2", "1-2-3", "1-3-1", "1-3-2", "1-3-3"]
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"old word file " * 200  # a .doc as check_evidence sees it
FORBIDDEN = set('/\\:*?"<>|')


def _evidence(db: Path) -> dict[str, int]:
    """A few files on the demo plan: 1-3-1 two under item 1 (2 and 3 pages), one under item 2 and
    an unfiled .doc with a hostile name; 1-3-2 one under item 1; 1-1-1 (规划建设科) one under item 1."""
    store = Store(db)
    try:
        put = {
            "a": ("1-3-1", "验收报告.pdf", demo_pdf("1-3-1 a", 2), 1),
            "b": ("1-3-1", "验收报告.pdf", demo_pdf("1-3-1 b", 3), 1),
            "c": ("1-3-1", "照片.pdf", demo_pdf("1-3-1 c", 1), 2),
            "d": ("1-3-1", '..旧稿:草*稿?<1>|"2".doc', OLE, None),
            "e": ("1-3-2", "方案.pdf", demo_pdf("1-3-2 e", 1), 1),
            "f": ("1-1-1", "开工.pdf", demo_pdf("1-1-1 f", 1), 1),
        }
        return {k: evaluation.store_evidence(store, 1, c, n, d, OFFICE, item_seq=s) for k, (c, n, d, s) in put.items()}
    finally:
        store.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A demo database with the files of ``_evidence`` (closed: copy it before changing it)."""
    db = copy_base("demo", tmp_path_factory.mktemp("small") / "demo.duckdb")
    _evidence(db)
    return db


def _copy(db: Path, folder: Path) -> Path:
    """An own copy of a database and its evidence folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, folder / db.name)
    if (db.parent / "evidence").is_dir():
        shutil.copytree(db.parent / "evidence", folder / "evidence")
    return folder / db.name


def _build(db: Path, out: Path, actor: Actor = OFFICE, section: str | None = None, **kw) -> ip.PackageResult:
    store = Store(db, read_only=True)
    try:
        return ip.build_package(store, 1, out, actor, section, **kw)
    finally:
        store.close()


def _index_rows(data: bytes) -> list[tuple]:
    """The index's table rows (under the title, the summary and the header)."""
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in ws[3]] == [c.header for c in ip.INDEX_COLUMNS]
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4)]


def _codes(names: list[str]) -> list[str]:
    """The target codes of a package's target folders."""
    return sorted({n.split("/")[1].split(" ")[0] for n in names if n.count("/") >= 2})


@pytest.fixture(scope="module")
def whole(small, tmp_path_factory) -> tuple[ip.PackageResult, zipfile.ZipFile, list[tuple]]:
    """The whole plan's package of ``small``, built once, with the progress calls it made."""
    calls: list[tuple] = []
    out = tmp_path_factory.mktemp("whole") / "pkg.zip"
    result = _build(small, out, progress=lambda *a: calls.append(a))
    return result, zipfile.ZipFile(out), calls


def test_the_package_opens_with_a_folder_per_indicator_and_target(small, whole):
    result, zf, calls = whole
    assert zf.testzip() is None
    names = zf.namelist()
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["pkg.zip"]  # no temporary file left
    store = Store(small, read_only=True)
    try:
        indicators = len(store.query("SELECT * FROM indicators WHERE plan_id = 1"))
        items = claims.checklist(store, 1)
        gaps = claims.gaps(store, 1)
    finally:
        store.close()
    tops = {n.split("/")[0] for n in names if "/" in n}
    assert len(tops) == indicators == 24 and all(t[:2].isdigit() and t[2] == " " for t in tops)
    assert len(_codes(names)) == result.targets == 61
    assert {ip.CONTENTS_NAME, ip.INDEX_NAME} <= set(names)
    # 6 files recorded, every one packed; missing items as the gaps list counts them.
    assert (result.files, result.lost) == (6, 0)
    assert result.missing_items == int((gaps["kind"] == "缺少佐证").sum()) == len(items) - 4  # 4 items with a file
    assert [c[:2] for c in calls] == [(n, 61) for n in range(1, 62)]  # once per target, in order


def test_files_are_named_after_their_checklist_item(small, whole):
    _, zf, _ = whole
    store = Store(small, read_only=True)
    try:
        items = claims.checklist(store, 1, ["1-3-1"])
    finally:
        store.close()
    titles = dict(zip(items["seq"], items["title"], strict=True))
    folder = next(n for n in zf.namelist() if n.count("/") >= 2 and n.split("/")[1].startswith("1-3-1 "))
    folder = "/".join(folder.split("/")[:2])
    inside = sorted(n[len(folder) + 1 :] for n in zf.namelist() if n.startswith(folder + "/") and n != folder + "/")
    first, second = (ip.safe_name(f"01-{k} {titles[1]}", ip.ITEM_CHARS + 5, ".pdf") for k in (1, 2))
    assert first.startswith("01-1 ") and "…" not in first  # the demo's item 1 of 1-3-1 fits whole
    assert inside == [
        first,  # two files under item 1: numbered
        second,
        ip.safe_name(f"02 {titles[2]}", ip.ITEM_CHARS + 3, ".pdf"),
        "未归类/",
        "未归类/旧稿：草＊稿？＜1＞｜＂2＂.doc",  # its own name, made safe
    ]
    info = {i.filename: i for i in zf.infolist()}
    assert info[f"{folder}/{first}"].compress_type == zipfile.ZIP_STORED  # a PDF is compressed already
    assert info[f"{folder}/未归类/旧稿：草＊稿？＜1＞｜＂2＂.doc"].compress_type == zipfile.ZIP_DEFLATED
    assert zf.read(f"{folder}/{second}") == demo_pdf("1-3-1 b", 3)


def test_files_follow_the_checklist_as_the_office_orders_it(small, tmp_path):
    db = _copy(small, tmp_path / "db")
    store = Store(db)
    try:
        titles = list(claims.checklist(store, 1, ["1-3-1"])["title"])
        store.set_checklist(1, "1-3-1", [titles[1], titles[0], *titles[2:]], OFFICE)  # the first two swapped
    finally:
        store.close()
    zf = zipfile.ZipFile(_build(db, tmp_path / "pkg.zip", ZHONGJIAO).path)
    inside = sorted(n.rsplit("/", 1)[1] for n in zf.namelist() if "/1-3-1 " in n and n.endswith(".pdf"))
    assert inside == sorted(
        [
            ip.safe_name(f"01 {titles[1]}", ip.ITEM_CHARS + 3, ".pdf"),  # its file keeps its item, at its new place
            ip.safe_name(f"02-1 {titles[0]}", ip.ITEM_CHARS + 5, ".pdf"),
            ip.safe_name(f"02-2 {titles[0]}", ip.ITEM_CHARS + 5, ".pdf"),
        ]
    )
    rows = _index_rows(zf.read(ip.INDEX_NAME))
    assert [r[2] for r in rows if r[1] == "1-3-1"][:3] == [f"1. {titles[1]}", f"2. {titles[0]}", f"2. {titles[0]}"]


def test_the_contents_and_the_index_list_every_target_and_gap(whole):
    result, zf, _ = whole
    doc = Document(io.BytesIO(zf.read(ip.CONTENTS_NAME)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.top_margin.mm)) == (28, 37)
    assert "察访核验材料目录" in text and "共61个目标、6份材料" in text
    assert all(f"{code}　" in text for code in _codes(zf.namelist()))  # every target's heading
    assert len(doc.tables) == 61
    assert "3 页" in cells and "2 页" in cells and ip.MISSING in cells  # PDF pages; items without a file
    rows = _index_rows(zf.read(ip.INDEX_NAME))
    assert len(rows) == result.files + result.missing_items  # a row per file and per missing item
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert sum(r[6] == "已打包" for r in rows) == 6 and sum(r[6] == ip.MISSING for r in rows) == result.missing_items
    packed = {r[3] for r in rows if r[6] == "已打包"}
    assert packed == {n for n in zf.namelist() if n.endswith((".pdf", ".doc"))}


def test_without_evidence_every_checklist_item_is_missing(demo_db, tmp_path):
    result = _build(demo_db, tmp_path / "empty.zip", section="中教科")
    store = Store(demo_db, read_only=True)
    try:
        items = claims.checklist(store, 1, ZJ_TARGETS)
    finally:
        store.close()
    assert (result.targets, result.files, result.missing_items) == (9, 0, len(items))
    zf = zipfile.ZipFile(result.path)
    assert len([n for n in zf.namelist() if n.count("/") == 2 and n.endswith("/")]) == 9  # empty folders shown


def test_a_section_package_holds_only_its_targets(small, tmp_path):
    mine = _build(small, tmp_path / "zj.zip", ZHONGJIAO)  # a section's own package by default
    names = zipfile.ZipFile(mine.path).namelist()
    assert _codes(names) == sorted(ZJ_TARGETS) and (mine.targets, mine.files) == (9, 5)
    co = _build(small, tmp_path / "cy.zip", CHUYOU)  # a co-section sees that target too
    assert "1-3-2" in _codes(zipfile.ZipFile(co.path).namelist())
    assert "1-3-1" not in _codes(zipfile.ZipFile(co.path).namelist())
    by_office = _build(small, tmp_path / "office-zj.zip", OFFICE, "中教科")
    assert sorted(zipfile.ZipFile(by_office.path).namelist()) == sorted(names)
    rows = _index_rows(zipfile.ZipFile(mine.path).read(ip.INDEX_NAME))
    assert {r[1] for r in rows} == set(ZJ_TARGETS)


def test_a_section_may_not_build_another_sections_package(small, tmp_path):
    with pytest.raises(StoreError, match="“中教科”只能生成本科室的材料包，不能生成“初幼教科”的"):
        _build(small, tmp_path / "x.zip", ZHONGJIAO, "初幼教科")
    with pytest.raises(StoreError, match="不能查看迎评材料"):
        _build(small, tmp_path / "x.zip", Actor("screen", "大屏"))
    with pytest.raises(StoreError, match="不能修改"):  # an account of another unit
        _build(small, tmp_path / "x.zip", Actor("office", "绩效办", "o", units=("示范市第001局",)))
    with pytest.raises(StoreError, match="方案中没有科室“某某科”"):
        _build(small, tmp_path / "x.zip", OFFICE, "某某科")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_may_see_evidence():
    assert may_see_evidence(OFFICE, ["中教科"]) and may_see_evidence(Actor.leader("林长华"), [])
    assert may_see_evidence(ZHONGJIAO, ["初幼教科", "中教科"]) and not may_see_evidence(ZHONGJIAO, ["初幼教科"])
    assert not may_see_evidence(Actor("screen", "大屏"), ["中教科"]) and not may_see_evidence(Actor.system(), [])


def test_hostile_names_are_made_safe(small, tmp_path):
    db = _copy(small, tmp_path / "db")
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE targets SET target_text = ? WHERE plan_id = 1 AND code = '1-3-1'",
        ['../..\\evil/目标:一*二?"三"<四>|五\x07 ' + "长" * 80],
    )
    con.execute("UPDATE indicators SET title = '  ...CON' WHERE plan_id = 1 AND indicator_code = '1-3'")
    con.close()
    result = _build(db, tmp_path / "pkg.zip", ZHONGJIAO)
    zf = zipfile.ZipFile(result.path)
    for name in zf.namelist():
        for part in filter(None, name.split("/")):
            assert not FORBIDDEN & set(part) and part.isprintable() and part == part.strip(), part
            assert not part.startswith(".") and len(part) <= 80, part
    top = {n.split("/")[0] for n in zf.namelist() if "/" in n}
    assert "03 _CON" in top and len(top) == 6  # leading spaces and dots gone, never a device name
    target = {n.split("/")[1] for n in zf.namelist() if n.startswith("03 _CON/1-3-1")}
    assert len(target) == 1
    name = target.pop()
    assert name.startswith("1-3-1 ..／..＼evil／目标：") and name.endswith("…") and len(name) == ip.TARGET_CHARS + 6
    out = tmp_path / "unpacked"
    zf.extractall(out)
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    # The helpers on their own.
    assert ip.safe_name("CON", 10) == "_CON" and ip.safe_name("nul", 10, ".pdf") == "_nul.pdf"
    assert ip.safe_name(" ... ", 10) == "_" and ip.safe_name("a\tb\nc", 10) == "a b c"
    assert ip.safe_name("一" * 30, 10) == "一" * 9 + "…" and ip.safe_name("x", 10, ".p/df") == "x"
    taken: set[str] = set()
    assert [ip.unique(n, taken) for n in ("a.pdf", "A.PDF", "a.pdf", "b")] == ["a.pdf", "A（2）.PDF", "a（3）.pdf", "b"]


def test_a_lost_file_is_listed_not_packed(small, tmp_path):
    db = _copy(small, tmp_path / "db")
    store = Store(db, read_only=True)
    try:
        files = claims.filed(store, 1).set_index("file_name")
        lost = evaluation.evidence_path(store, files.loc["照片.pdf", "content_sha256"], "照片.pdf")
        spoilt = evaluation.evidence_path(store, files.loc["方案.pdf", "content_sha256"], "方案.pdf")
    finally:
        store.close()
    lost.unlink()
    spoilt.write_bytes(demo_pdf("something else", 1))
    result = _build(db, tmp_path / "pkg.zip", ZHONGJIAO)
    assert (result.files, result.lost) == (3, 2)  # of 5: the build went on
    zf = zipfile.ZipFile(result.path)
    assert not [n for n in zf.namelist() if n.startswith("0") and "/1-3-2 " in n and n.endswith(".pdf")]
    cells = "\n".join(
        c.text for t in Document(io.BytesIO(zf.read(ip.CONTENTS_NAME))).tables for r in t.rows for c in r.cells
    )
    assert "文件缺失\n" in cells + "\n" and "文件缺失（校验值不符）" in cells
    assert "（原文件：照片.pdf）" in cells and "（原文件：方案.pdf）" in cells
    rows = _index_rows(zf.read(ip.INDEX_NAME))
    assert sorted(r[4] for r in rows if r[6] == ip.LOST) == ["方案.pdf", "照片.pdf"]
    assert len(rows) == 5 + result.missing_items


def test_a_failed_build_leaves_nothing(small, tmp_path):
    def fail(done: int, total: int, what: str) -> None:
        if done == 2:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        _build(small, tmp_path / "pkg.zip", ZHONGJIAO, progress=fail)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(StoreError, match="不存在"):
        _build(small, tmp_path / "nowhere" / "pkg.zip", ZHONGJIAO)


def test_the_cli_writes_the_same_package(small, tmp_path):
    db = _copy(small, tmp_path / "db")
    out = tmp_path / "cli.zip"
    done = run_cli("package", "--db", str(db), "--out", str(out), "--section", "中教科")
    assert done.code == 0, done.err
    line = done.out.strip()
    assert len(line.splitlines()) == 1 and line.startswith("已写出察访核验材料包：9 个目标，5 份材料，缺少佐证")
    assert line.endswith(f"秒：{out}")
    api = _build(db, tmp_path / "api.zip", OFFICE, "中教科")
    cli, ref = zipfile.ZipFile(out), zipfile.ZipFile(api.path)
    assert cli.namelist() == ref.namelist()
    assert [i.CRC for i in cli.infolist() if i.filename.endswith(".pdf")] == [
        i.CRC for i in ref.infolist() if i.filename.endswith(".pdf")
    ]
    # As a section: its own only.
    mine = run_cli("package", "--db", str(db), "--out", str(tmp_path / "zj.zip"), "--as", "中教科")
    assert mine.code == 0 and "9 个目标" in mine.out, mine.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--section", "某某科"), "错误：方案中没有科室“某某科”。可选科室："),
        (("--as", "中教科", "--section", "初幼教科"), "错误：“中教科”只能生成本科室的材料包"),
        (("--as", "某人"), "错误：“某人”既不是绩效办"),
    ],
    ids=["unknown-section", "other-section", "unknown-actor"],
)
def test_the_cli_refuses_in_one_chinese_line(small, tmp_path, args, says):
    db = _copy(small, tmp_path / "db")
    done = run_cli("package", "--db", str(db), "--out", str(tmp_path / "pkg.zip"), *args)
    assert done.code == 2 and "Traceback" not in done.err
    assert done.err.strip().splitlines() == [done.err.strip()] and done.err.startswith(says), done.err
    if args[0] == "--section":
        assert "中教科" in done.err and "初幼教科" in done.err  # the sections there are
    assert not (tmp_path / "pkg.zip").exists()


def test_the_cli_refuses_a_file_that_is_not_a_zip(small, tmp_path):
    done = run_cli("package", "--db", str(small), "--out", str(tmp_path / "pkg.docx"))
    assert done.code == 2 and done.err.strip() == "错误：材料包应写成 .zip 文件（收到 pkg.docx）"


# -- the demo plan with generated evidence, and a 500 MB package (slow) ---------------------------


@pytest.mark.slow
def test_demo_evidence_and_the_whole_package(tmp_path, capsys):
    db = tmp_path / "demo.duckdb"
    made = run_cli("demo", "--db", str(db), "--evidence")
    assert made.code == 0 and "已生成演示佐证材料 183 份" in made.out, made.err
    again = run_cli("demo", "--db", str(db), "--evidence")
    assert again.code == 0 and "未生成演示佐证材料" in again.out
    out = tmp_path / "pkg.zip"
    done = run_cli("package", "--db", str(db), "--out", str(out))
    assert done.code == 0, done.err
    zf = zipfile.ZipFile(out)
    assert zf.testzip() is None
    store = Store(db, read_only=True)
    try:
        items = claims.checklist(store, 1)
    finally:
        store.close()
    pdfs = [n for n in zf.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 183 and len(_codes(zf.namelist())) == 61
    for code, part in items.groupby("code"):  # its first three items (a short list: the last repeated)
        titles = list(part["title"])  # in the order shown
        places = [min(k, len(titles) - 1) + 1 for k in range(3)]
        expected = []
        for place in dict.fromkeys(places):
            n = places.count(place)
            numbers = [f"{place:02d}"] if n == 1 else [f"{place:02d}-{k}" for k in range(1, n + 1)]
            expected += [ip.safe_name(f"{x} {titles[place - 1]}", ip.ITEM_CHARS + len(x) + 1, ".pdf") for x in numbers]
        names = sorted(n.rsplit("/", 1)[1] for n in pdfs if n.split("/")[1].split(" ")[0] == code)
        assert names == sorted(expected), code
    doc = Document(io.BytesIO(zf.read(ip.CONTENTS_NAME)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert all(f"{c}　" in text for c in items["code"].unique())
    rows = _index_rows(zf.read(ip.INDEX_NAME))
    missing = int(items.groupby("code").size().sub(3).clip(lower=0).sum())
    assert len(rows) == 183 + missing and sum(r[6] == ip.MISSING for r in rows) == missing
    assert {r[5] for r in rows if r[6] == "已打包"} == {"1 页", "2 页", "3 页"}
    with capsys.disabled():
        print(f"\n演示方案材料包（61 个目标 × 3 份）：{done.out.strip()}")


CHILD = """
import json, sys
from pathlib import Path
from perfdash.core.access import Actor
from perfdash.present import inspection_package
from perfdash.store import Store

store = Store(sys.argv[1], read_only=True)
result = inspection_package.build_package(store, 1, Path(sys.argv[2]), Actor.office())
store.close()
# The peak resident memory of this process since its start: VmHWM belongs to the process's own
# memory map, new at exec (ru_maxrss carries over the forking parent's peak across exec).
peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"files": result.files, "bytes": result.bytes, "seconds": result.seconds, "peak": peak}))
"""


@pytest.mark.slow
def test_a_500_mb_package_is_written_in_bounded_memory(tmp_path, capsys):
    import os

    db = copy_base("demo", tmp_path / "big.duckdb")
    size = evaluation.MAX_EVIDENCE_BYTES  # the upload limit: 20 MB each
    store = Store(db)
    try:
        codes = list(store.query("SELECT code FROM targets WHERE plan_id = 1 ORDER BY seq")["code"])[:25]
        for code in codes:
            data = b"%PDF-1.4\n" + os.urandom(size - 9)
            evaluation.store_evidence(store, 1, code, f"{code}.pdf", data, OFFICE, item_seq=1)
            del data
    finally:
        store.close()
    out = tmp_path / "big.zip"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["files"] == 25 and got["bytes"] > 25 * size
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    with capsys.disabled():
        print(
            f"\n500 MB 材料包：{got['bytes'] / (1 << 20):.0f} MB，用时 {got['seconds']:.1f} 秒，"
            f"峰值内存 {got['peak'] / (1 << 20):.0f} MB（负载 {' '.join(load)}）"
        )
    assert got["peak"] < 300 * (1 << 20)


# -- printed by LibreOffice (office lane) ---------------------------------------------------------

TYPE_AREA_MM = {"left": 28, "top": 37, "right": 210 - 26, "bottom": 297 - 35}  # GB/T 9704 on A4
CJK_CLOSING = "。，、；：？！”’）》」』】"  # may hang into the right margin


@pytest.mark.office
def test_contents_and_index_print_on_a4(whole, tmp_path):
    from tests import office
    from tests.office import MM, Pdf

    office.install()
    _, zf, _ = whole
    docx, xlsx = tmp_path / "contents.docx", tmp_path / "index.xlsx"
    docx.write_bytes(zf.read(ip.CONTENTS_NAME))
    xlsx.write_bytes(zf.read(ip.INDEX_NAME))
    office.convert([docx, xlsx], tmp_path / "pdf")
    contents, index = Pdf.read(tmp_path / "pdf" / "contents.pdf"), Pdf.read(tmp_path / "pdf" / "index.pdf")
    # The 目录: A4 portrait within the 公文 type area, "— n —" at the foot of every page.
    assert contents.is_a4(landscape=False) and contents.overlaps() == []
    body = [w for page in contents.words for w in page if w.y0 < TYPE_AREA_MM["bottom"] * MM]
    assert abs(min(w.x0 for w in body) / MM - TYPE_AREA_MM["left"]) <= 1.5
    assert TYPE_AREA_MM["top"] - 1.5 <= min(w.y0 for w in body) / MM <= TYPE_AREA_MM["top"] + 5
    assert max(w.x1 for w in body if w.text[-1] not in CJK_CLOSING) / MM <= TYPE_AREA_MM["right"] + 1.5
    assert max(w.y1 for w in body) / MM <= TYPE_AREA_MM["bottom"] + 1.5
    for n, words in enumerate(contents.words, start=1):
        assert [w.text for w in words if w.y0 >= TYPE_AREA_MM["bottom"] * MM] == ["—", str(n), "—"], n
    assert all(f"{code}" in contents.flat() for code in _codes(zf.namelist()))
    # The index: A4 landscape, one page wide and legible, numbered, its header on every page.
    assert index.is_a4(landscape=True) and index.overlaps() == [] and index.cut_rows("序号") == []
    for n, text in enumerate(index.texts, start=1):
        flat = "".join(text.split())
        assert f"第{n}页共{index.pages}页" in flat and "序号" in flat and "包内文件" in flat, n
    assert median(w.y1 - w.y0 for page in index.words for w in page) >= 9.5  # not shrunk to fit (as the suite checks)
