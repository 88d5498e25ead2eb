"""The weekly meeting closes the loop (#36) in a real browser: on a 1366×768 laptop a signed-in
leader records a decision from the meeting screen's panel while the screen goes on rotating
behind it (what is typed stays) and the projector's token page goes on rotating in another
browser; the decision is then a 督办单 in the database. And the two new slides, 上周会议决定事项 and
需要协调的事项, fit 1366×768 and 1920×1080 as the others do. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFICE_PASSWORD, demo_db, pick, serve, settle
from tests.browser.test_meeting_screen import MEASURE, NEXT_FRAME, SLIDE, _slide, _wait_for_change

TEXT = "1-3-1 进度滞后：中教科本周五前报送推进方案"
DECIDED = date(2025, 11, 17)  # last week's meeting: inside the demo's last closed period (第47期)


def _token(db) -> str:
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    store = Store(db)
    try:
        return auth.new_kiosk_token(store, Actor.office(), "会议室投影")
    finally:
        store.close()


def _dots(page) -> int:
    """How many slides the screen rotates through (one dot each)."""
    return page.eval_on_selector_all(".pd-dots span", "e => e.length")


def _meeting_as_leader(browser, url: str, path: str):
    """A 1366×768 laptop that opens the meeting screen and signs in there as the leader l_0."""
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{url}{path}")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    page.get_by_label("用户名").fill("l_0")
    page.get_by_label("密码").fill(OFFICE_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(SLIDE, timeout=90_000)
    settle(page)
    return page


def test_a_leader_records_a_decision_while_the_projector_rotates(browser, tmp_path, artifacts):
    db = tmp_path / "capture.duckdb"
    demo_db(db, leaders=("李自坚",))
    token = _token(db)
    with serve(db, tmp_path) as url:
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        laptop = None
        try:
            projector.goto(f"{url}/meeting?token={token}&every=5")
            projector.wait_for_selector(SLIDE, timeout=90_000)
            assert projector.get_by_role("button", name="记录决定事项").count() == 0  # the room only watches

            laptop = _meeting_as_leader(browser, url, "/meeting?every=5")
            laptop.get_by_role("button", name="记录决定事项").click()
            panel = laptop.locator('[role="dialog"]')
            panel.get_by_text("本次会议已记录（0 项）").wait_for(timeout=60_000)
            settle(laptop)
            what = panel.get_by_label("决定事项")
            what.fill(TEXT)
            # The laptop's own rotation goes on behind the panel, and what is being typed stays.
            _wait_for_change(laptop, _slide(laptop), timeout=30)
            assert what.input_value() == TEXT
            pick(laptop, panel.locator('[class*="st-key-mc_code"]').first, "1-3-1 ")
            settle(laptop)
            expect(panel.locator('[class*="st-key-mc_section_1-3-1"] input').first).to_have_value("中教科（牵头）")
            panel.get_by_label("责任人（可选）").fill("张少杰")
            panel.get_by_label("责任人（可选）").press("Enter")
            assert what.input_value() == TEXT
            laptop.screenshot(path=str(artifacts / "meeting_capture_1366.png"))

            shown, slides = _slide(projector), _dots(laptop)
            panel.get_by_role("button", name="记录", exact=True).click()
            panel.get_by_text("已记录为督办单").wait_for(timeout=60_000)
            panel.get_by_text("本次会议已记录（1 项）").wait_for(timeout=60_000)
            settle(laptop)
            assert what.input_value() == ""  # ready for the next decision
            expect(panel.locator('[class*="st-key-mc_code"] input').first).to_have_value("不针对单个目标")
            expect(panel.locator('[class*="st-key-mc_section_all"] input').first).to_have_value("规划建设科")
            _wait_for_change(projector, shown, timeout=30)  # the room's screen never stopped
            # Decided today, after the week shown (第47期): next week's 上周会议决定事项, no slide yet.
            _wait_for_change(laptop, _slide(laptop), timeout=30)
            assert _dots(laptop) == slides == 6
            laptop.screenshot(path=str(artifacts / "meeting_capture_done_1366.png"))
        finally:
            projector.context.close()
            if laptop is not None:
                laptop.context.close()

    from perfdash.store import Store
    from perfdash.workflows import decisions

    store = Store(db)
    try:
        found = decisions.items(store, 1, date.today())
    finally:
        store.close()
    assert len(found) == 1
    o = found.iloc[0]
    assert (o["source"], o["what"], o["code"], o["section"], o["person"], o["source_leader"]) == (
        "meeting",
        TEXT,
        "1-3-1",
        "中教科",
        "张少杰",
        "李自坚",
    )
    assert str(o["source_day"])[:10] == date.today().isoformat()  # the meeting is today
    assert str(o["due_date"])[:10] == (date.today() + timedelta(days=7)).isoformat()  # the panel's default


@pytest.fixture(scope="module")
def followed_up(tmp_path_factory):
    """A demo database where last week's meeting (17 November, in 第47期) decided seven things, now
    at every stage, and two sections flagged a target 需协调 in their 第47期 reports; yields the
    app's URL and a kiosk token. Due days of the items still in time lie after today (the screen
    reads today's status)."""
    from perfdash.core.access import Actor
    from perfdash.store import ProgressRow, Store

    db = tmp_path_factory.mktemp("followed_up") / "followed_up.duckdb"
    demo_db(db, leaders=("李自坚",))
    office, li, cai = Actor("office", "绩效办", "admin"), Actor.leader("李自坚"), Actor.leader("蔡玉霖")
    later = date.today() + timedelta(days=40)
    store = Store(db)
    try:
        a = store.record_decision(1, "1-3-1 进度滞后：中教科周五前报送推进方案", "中教科", later, cai, code="1-3-1",
                                  person="张少杰", source_day=DECIDED, today=DECIDED)  # fmt: skip
        store.sign_order(a, Actor.section("中教科"))
        store.respond_order(a, "已报送推进方案，附时间节点表", Actor.section("中教科"))
        b = store.record_decision(
            1, "校园安全隐患排查情况书面报告", "校安科", later, li, code="7-2", source_day=DECIDED, today=DECIDED
        )
        store.sign_order(b, Actor.section("校安科"))
        store.respond_order(b, "已完成排查，报告待分管领导审核", Actor.section("校安科"))
        store.return_order(b, "缺少整改时限和责任人", office)
        store.record_decision(1, "协调财政局落实专项经费拨付，两周内到位", "财务科", later, li, source="instruction",
                              source_day=DECIDED, today=DECIDED)  # fmt: skip
        d = store.record_decision(1, "1-3-3 逾期：说明原因并提出补救措施", "中教科", date(2025, 11, 21), cai,
                                  code="1-3-3", source_day=DECIDED, today=DECIDED)  # fmt: skip
        store.sign_order(d, Actor.section("中教科"))
        e = store.record_decision(1, "教师培训经费使用情况报送", "财务科", date(2025, 11, 20), li,
                                  source_day=DECIDED, today=DECIDED)  # fmt: skip
        store.sign_order(e, Actor.section("财务科"))
        store.respond_order(e, "已报送", Actor.section("财务科"))
        store.close_order(e, "办结销号", office)
        f = store.record_decision(1, "研究制定民办学校年检整改方案，报分管领导审定后印发执行", "民管科（对外合作科）",
                                  later, cai, source_day=DECIDED, today=DECIDED)  # fmt: skip
        store.sign_order(f, Actor.section("民管科（对外合作科）"))
        store.record_decision(1, "各科室梳理年底前可完成的目标，列出需要局领导协调的事项", "办公室", later, li,
                              source_day=DECIDED, today=DECIDED)  # fmt: skip
        day, meeting = date(2025, 11, 21), date(2025, 11, 24)
        flagged = [
            ("1-3-1", "中教科", 94, "需财政局协调专项经费 300 万元，拨付进度滞后"),
            ("7-2", "校安科", 88, "需公安、消防部门开展联合检查"),
        ]
        for code, section, pct, note in flagged:
            row = ProgressRow(code, day, pct, "推进中", note, coordinate=True)
            store.add_progress(1, [row], Actor.section(section), today=meeting)
    finally:
        store.close()
    token = _token(db)
    with serve(db, db.parent) as url:
        yield url, token


SIZES = [(1366, 768), (1920, 1080)]


@pytest.mark.parametrize(("title", "name"), [("上周会议决定事项", "decisions"), ("需要协调的事项", "coordination")])
def test_the_new_slides_fit_the_screen(browser, followed_up, artifacts, title, name):
    """Held by the pause button, each new slide at 1366×768 and 1920×1080: nothing outside the
    window, nothing scrolls, type at least 24 px at 1080p (18 px at 768), every item on it."""
    url, token = followed_up
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(f"{url}/meeting?token={token}&every=5")
        page.wait_for_function(
            "(t) => document.querySelector('.pd-title')?.textContent.startsWith(t)", arg=title, timeout=90_000
        )
        page.get_by_role("button", name="暂停轮播").click()
        page.get_by_role("button", name="继续轮播").wait_for(timeout=60_000)
        settle(page)
        assert page.eval_on_selector(".pd-title", "e => e.textContent").startswith(title)  # still the held slide
        rows = page.eval_on_selector_all(".pd-body table.pd-table tr", "e => e.length") - 1
        assert rows == (7 if name == "decisions" else 2)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate(NEXT_FRAME)
            m = page.evaluate(MEASURE)
            where = (name, width, m)
            assert m["n_out"] == 0, where
            assert m["scroll"] <= 1 and m["mainScroll"] <= 1, where
            assert m["minFont"] >= 24 * height / 1080 - 0.5, where
            page.screenshot(path=str(artifacts / f"meeting_{name}_slide_{width}x{height}.png"))
        if name == "decisions":
            for status in ("逾期", "签收超时", "待复核", "办理中", "已办结"):
                assert page.locator(".pd-body td b", has_text=status).count() >= 1, status
            assert page.get_by_text("退回：缺少整改时限和责任人").count() == 1
    finally:
        page.close()


def test_on_a_phone_a_leader_can_still_record(browser, followed_up, artifacts):
    """On a phone (390×844) the screen shows its note instead of the slides, and the 记录决定事项
    button stays, across the bottom; the panel it opens fills the phone's width."""
    url, _ = followed_up
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{url}/meeting")
        page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
        page.get_by_label("用户名").fill("l_0")
        page.get_by_label("密码").fill(OFFICE_PASSWORD)
        page.get_by_role("button", name="登录").tap()
        page.locator(".pd-phone").wait_for(state="visible", timeout=90_000)
        settle(page)
        button = page.get_by_role("button", name="记录决定事项")
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844, box
        assert box["width"] >= 300 and box["height"] >= 44, box  # a thumb's target
        assert not page.get_by_role("button", name="暂停轮播").is_visible()
        button.tap()
        panel = page.locator('[role="dialog"]')
        panel.get_by_text("本次会议已记录").wait_for(timeout=60_000)
        settle(page)
        r = panel.bounding_box()
        assert r and r["x"] >= 0 and r["x"] + r["width"] <= 390 and r["width"] >= 300, r
        assert panel.get_by_label("决定事项").is_visible()
        page.screenshot(path=str(artifacts / "meeting_capture_phone_390x844.png"))
    finally:
        context.close()
