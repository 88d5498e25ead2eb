"""The 全市绩效汇总表 (#38) printed by LibreOffice when the city is large: 60 units in three groups
(a table made by hand, the city table's columns) print on A4 landscape, one page wide and legible,
over several pages, each with the title, the explanation and the column headers repeated, every
group's header row and every unit on some page, nothing cut off or drawn over. The registry's entry
(perfdash.present.downloads: city_summary) is also printed from the demo database with every other
download by tests/test_office_suite.py."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from perfdash.present import city_docs
from tests import office
from tests.office import Pdf
from tests.test_office_suite import LEGIBLE_PT, first_headers, pages_without_titles, print_size

pytestmark = pytest.mark.office

AS_OF = date(2025, 11, 21)
GROUPS = ("经济调节", "市场监管", "公共服务")


def city_table(units: int = 60) -> pd.DataFrame:
    """``units`` units, a third in each group, the n-th at completion 100 − n/2 % against 88 %,
    ranked in that order; every tenth with a reason for attention."""
    rows = []
    for n in range(1, units + 1):
        completion = 100 - n / 2
        rows.append(
            {
                "unit": f"示范市第{n:03d}局",
                "group": GROUPS[(n - 1) * len(GROUPS) // units],
                "plan_id": n,
                "total_points": 100.0,
                "sections_total": 21,
                "sections_reported": 21 - n % 4,
                "last_report": AS_OF,
                "completion": completion,
                "expected": 88.0,
                "score": completion,
                "projected": min(100.0, completion + 5),
                "grade": "优秀" if completion >= 90 else "良好" if completion >= 80 else "一般",
                "lagging": n % 7,
                "overdue": n % 3,
                "orders_open": n % 5,
                "orders_overdue": n % 2,
                "self_assessed": 0,
                "self_total": 61,
                "evidence_gaps": n % 9,
                "attention": ["远落后于序时进度、督办逾期"] if n % 10 == 0 else [],
            }
        )
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("group").cumcount() + 1
    return table


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Pdf, object]:
    office.install()
    tmp = tmp_path_factory.mktemp("city_print")
    book = tmp / "city_summary.xlsx"
    book.write_bytes(city_docs.summary_xlsx(city_table(), 2025, AS_OF, demo=True))
    office.convert([book], tmp / "pdf")
    return Pdf.read(tmp / "pdf" / "city_summary.pdf"), book


def test_the_city_summary_prints_by_group_with_its_headers_on_every_page(printed):
    pdf, book = printed
    assert pdf.is_a4(landscape=True), pdf.size
    assert pdf.pages >= 3  # 60 units and three group rows do not fit two pages
    for n, text in enumerate(pdf.texts, start=1):
        flat = re.sub(r"\s+", "", text)
        assert f"第{n}页共{pdf.pages}页" in flat, n
        assert "市直绩效办" in flat and "统计截至2025-11-21" in flat, n  # the page header
    assert pages_without_titles(pdf, book) == []  # title, explanation and column headers on every page
    assert all("组内排名" in re.sub(r"\s+", "", t) for t in pdf.texts[:-1])  # the headers (the last is 需要关注)
    assert print_size(pdf) >= LEGIBLE_PT  # one page wide without shrinking
    assert pdf.overlaps() == []
    for header in first_headers(book):
        assert pdf.cut_rows(header) == [], header
    text = pdf.flat()
    for group, first in zip(GROUPS, (1, 21, 41), strict=True):
        assert f"{group}（20个单位）：平均完成率" in text, group
        assert f"示范市第{first:03d}局" in text
    assert all(f"示范市第{n:03d}局" in text for n in range(1, 61))
    assert "2025年度需要关注的市直单位" in text and "远落后于序时进度、督办逾期" in text
