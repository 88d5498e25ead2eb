"""核验与迎检 in a real browser (#34): two sections report their targets 100% 已完成; the office's
核验队列 accepts one claim and returns the other with a reason typed in its own row, and the queue
shows the result. Every wait is for what it checks."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import OFFICE_USER, demo_db, serve, settle, sign_in

MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A demo database with two claims waiting for the office (1-3-1 by 中教科, 7-4 by 校安科)."""
    from perfdash.core.access import Actor
    from perfdash.store import ProgressRow, Store

    db = tmp_path_factory.mktemp("verification") / "verification.duckdb"
    demo_db(db)
    store = Store(db)
    try:
        for code, section, note in (("1-3-1", "中教科", "帮扶结对全部完成"), ("7-4", "校安科", "消防演练完成")):
            row = ProgressRow(code, date(2025, 11, 28), 100, "已完成", note)
            store.add_progress(1, [row], Actor("section", section), today=date(2025, 12, 31))
        claims = dict(store.query("SELECT code, claim_id FROM claims WHERE state = 'pending'").values.tolist())
    finally:
        store.close()
    with serve(db, db.parent) as url:
        yield url, {code: int(cid) for code, cid in claims.items()}


def test_the_office_accepts_one_claim_and_returns_another(browser, server, artifacts):
    url, claims = server
    page = sign_in(browser, url, OFFICE_USER, "/verification")
    try:
        page.locator(f'{MAIN} h1:has-text("核验与迎检")').first.wait_for(timeout=60_000)
        first = page.locator(f".st-key-claim_{claims['1-3-1']}")
        second = page.locator(f".st-key-claim_{claims['7-4']}")
        first.wait_for(timeout=60_000)
        second.wait_for(timeout=60_000)
        page.get_by_text("待核验 2 项，已退回待科室修改 0 项").first.wait_for(timeout=60_000)
        settle(page)

        first.get_by_role("button", name="通过").click()
        page.get_by_text("已通过 1-3-1 的核验").first.wait_for(timeout=60_000)
        first.wait_for(state="detached", timeout=60_000)  # accepted: out of the queue
        settle(page)

        second.get_by_role("button", name="退回").click()  # no reason yet: refused in its row
        second.get_by_text("请填写核验意见").first.wait_for(timeout=60_000)
        settle(page)
        # While Streamlit redraws the tabs the old panel can linger beside the new one: fill the
        # field once only one card of this claim is on the page.
        one = f"() => document.querySelectorAll('.st-key-claim_{claims['7-4']} textarea').length === 1"
        page.wait_for_function(one, timeout=60_000, polling=100)
        field = second.get_by_label("核验意见（退回时必填，写明需要补充或改正什么）")
        field.fill("缺少消防演练照片和签到表")
        second.get_by_role("button", name="退回").click()
        page.get_by_text("已退回 7-4").first.wait_for(timeout=60_000)
        second.get_by_text("退回理由：缺少消防演练照片和签到表").first.wait_for(timeout=60_000)
        page.get_by_text("待核验 0 项，已退回待科室修改 1 项").first.wait_for(timeout=60_000)
        assert second.get_by_role("button", name="通过").count() == 0  # waits for its section now
        settle(page)
        page.screenshot(path=str(artifacts / "verification_queue_decided.png"), full_page=True)
    finally:
        page.close()
