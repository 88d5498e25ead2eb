"""Official 加分/扣分 in a real browser (#31): the office enters a 扣分 on 综合评估 and sees it in
the official score at once; 评分模拟 lists official entries but offers no form for them. Every wait
is for what it checks."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import OFFICE_USER, demo_db, pick, serve, sign_in

MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("official") / "official.duckdb"
    demo_db(db)
    with serve(db, db.parent) as url:
        yield url


def metric(page, label: str) -> str:
    """The value of the st.metric labelled ``label``, once it shows."""
    box = page.locator(
        '[data-testid="stMetric"]', has=page.locator(f'[data-testid="stMetricLabel"]:has-text("{label}")')
    )
    box.first.wait_for(timeout=60_000)
    return box.first.locator('[data-testid="stMetricValue"]').inner_text()


def points(text: str) -> float:
    return float(re.search(r"[0-9]+\.[0-9]+", text).group())


def test_the_office_enters_a_deduction_where_it_evaluates(browser, server, artifacts):
    page = sign_in(browser, server, OFFICE_USER, "/evaluation")
    try:
        page.locator(f'{MAIN} h1:has-text("综合评估")').first.wait_for(timeout=60_000)
        before = points(metric(page, "评估总分"))
        page.get_by_role("tab", name="计分规则与加减分").click()
        form = page.locator('[data-testid="stForm"]', has=page.get_by_role("button", name="录入"))
        form.wait_for(timeout=60_000)
        pick(page, form.locator('[data-testid="stSelectbox"]').first, "扣分")
        amount = form.get_by_label("分值（一票否决不计分值）")
        amount.fill("0.5")
        form.get_by_label("事由（如 察访核验发现问题、创新成果获省级推广）").fill("察访核验发现台账不全")
        form.get_by_label("依据（文件或通报名称、文号，可不填）").fill("市效能办通报〔2025〕3号")
        form.get_by_role("button", name="录入").click()
        page.get_by_text("已录入，计入评估总分。").first.wait_for(timeout=60_000)
        page.wait_for_function(
            """([label, want]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
                .some(m => m.innerText.includes(label) && m.innerText.includes(want))""",
            arg=["评估总分", f"{before - 0.5:.2f}"],
            timeout=60_000,
        )
        page.screenshot(path=str(artifacts / "evaluation_official_entries.png"), full_page=True)

        page.locator('[data-testid="stSidebarNav"] a', has_text="评分模拟").first.click()
        page.locator(f'{MAIN} h1:has-text("评分模拟")').first.wait_for(timeout=60_000)
        assert points(metric(page, "当前得分")) == pytest.approx(before - 0.5)
        page.get_by_text("正式的加分 / 扣分 / 一票否决").first.wait_for(timeout=60_000)
        # Listed read-only (a data grid drawn on a canvas: its text is not in the page's DOM).
        page.get_by_text("正式的加减分由绩效办在“综合评估”录入和撤销").first.wait_for(timeout=60_000)
        assert page.get_by_role("button", name="录入").count() == 0  # no form for official entries
        assert page.get_by_role("button", name="撤销").count() == 0
    finally:
        page.close()
