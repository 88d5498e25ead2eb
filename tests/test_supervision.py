"""Supervision: milestone-based 序时进度, the not-reported list, reminders received by loopback
SMTP and webhook servers, escalation at its date boundaries, dynamic targets in the score."""

from __future__ import annotations

import json
import socketserver
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import decisions, periods, scoring, supervision
from tests.fixtures import shipped_plan, signed_in

OFFICE = Actor("office", "绩效办", "admin")
XIAOAN = Actor("section", "校安科", "xa")
ZHONGJIAO = Actor("section", "中教科", "zj")
AS_OF = date(2025, 11, 21)
# The demo's open reporting period: closed through Friday 21 November, nobody has reported since.
OPEN = periods.Period(48, date(2025, 11, 22), date(2025, 11, 28))


@pytest.fixture
def store(demo_store):
    return demo_store


def _state(store, as_of=AS_OF):
    return queries.target_state(store, 1, as_of, 2025).set_index("code")


# -- milestones ------------------------------------------------------------------------------------


def test_milestones_replace_the_straight_line(store):
    before = _state(store, date(2025, 2, 28)).loc["7-2", "expected_pct"]
    assert before == 15.9  # 58 of 364 days
    # Front-loaded: three quarters of the work due by the end of February.
    store.set_milestones(
        1,
        "7-2",
        [("隐患排查", date(2025, 2, 28), "胡志强", 3.0), ("复查验收", date(2025, 12, 31), "胡志强", 1.0)],
        XIAOAN,
    )
    after = _state(store, date(2025, 2, 28)).loc["7-2"]
    assert after["expected_pct"] == 75.0
    assert _state(store, date(2025, 1, 30)).loc["7-2", "expected_pct"] == 37.5  # half-way to the first milestone
    assert _state(store, date(2025, 12, 31)).loc["7-2", "expected_pct"] == 100.0
    # the lag status follows: 7-2 had about 10 % at the end of February
    assert after["lag_status"] in ("红色滞后", "黄色滞后")
    with pytest.raises(StoreError, match="由牵头科室（校安科）或绩效办设置"):
        store.set_milestones(1, "7-2", [], Actor("section", "中教科", "zj"))
    with pytest.raises(StoreError, match="不在方案年度"):
        store.set_milestones(1, "7-2", [("x", date(2026, 1, 5), "", 1.0)], XIAOAN)
    store.set_milestones(1, "7-2", [], OFFICE)  # removed: the straight line again
    assert _state(store, date(2025, 2, 28)).loc["7-2", "expected_pct"] == 15.9


# -- reporting discipline --------------------------------------------------------------------------


def test_not_reported_means_no_report_in_the_period(store):
    """未报送 is about a reporting period: the demo closed 11-21, and in the open period 11-22–11-28
    no section has reported yet; one report in it takes a section off the list, whichever target."""
    assert periods.calendar(store, 1).open_period(date(2025, 11, 26)) == OPEN
    missing = supervision.not_reported(store, 1, OPEN.start, OPEN.end).set_index("section")
    assert len(missing) == 14  # every lead section with unfinished targets
    assert list(missing.loc["中教科", "missing"]) == ["1-3-1", "1-3-2", "1-3-3"]
    assert missing.loc["中教科", "last_report"].date() == date(2025, 11, 21)  # its report in the closed period
    # 中教科 reports one of its three targets on 26 November: it has reported in this period.
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 26), 80, "推进中")], ZHONGJIAO, today=date(2025, 11, 26))
    after = supervision.not_reported(store, 1, OPEN.start, OPEN.end)
    assert "中教科" not in set(after["section"]) and len(after) == 13
    assert supervision.section_reports(store, 1, "中教科", OPEN.start, OPEN.end) == 1
    # The office entering a report on a target 校安科 leads counts for 校安科 too.
    store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 26), 60, "推进中")], OFFICE, today=date(2025, 11, 26))
    assert "校安科" not in set(supervision.not_reported(store, 1, OPEN.start, OPEN.end)["section"])
    assert supervision.section_reports(store, 1, "校安科", OPEN.start, OPEN.end) == 1
    # A closed period is asked the same way: in 10-18–10-24 考试院 and 规划建设科 reported nothing.
    october = periods.calendar(store, 1).period_of(date(2025, 10, 24))
    assert (october.start, october.end) == (date(2025, 10, 18), date(2025, 10, 24))
    silent = supervision.not_reported(store, 1, october.start, october.end)
    assert list(silent["section"]) == ["考试院", "规划建设科"]
    # Who reported in the open period, for the office before closing it.
    waiting = periods.period_reports(store, 1, OPEN.start, OPEN.end)
    assert waiting[["reporter", "reports", "targets"]].values.tolist() == [["中教科", 1, 1], ["绩效办", 1, 1]]


def test_a_section_that_reports_drops_out_of_the_reminder_and_its_texts(store, monkeypatch):
    monkeypatch.setenv("PERFDASH_SMTP_HOST", "")  # no mail server: the reminder is logged as failed
    before = supervision.not_reported(store, 1, OPEN.start, OPEN.end)
    texts = supervision.reminder_texts("泉州市教育局", before, OPEN, supervision.contacts(store, 1))
    text = texts.set_index("section").loc["中教科", "text"]
    assert text == (
        "【催报】中教科：你科室牵头的 3 项年度工作目标在第48期填报周期（11月22日—11月28日）尚未报送进度"
        "（1-3-1、1-3-2、1-3-3），请尽快在绩效管理系统中填报。——泉州市教育局绩效办"
    )
    store.add_progress(1, [ProgressRow("1-3-2", date(2025, 11, 25), 70, "推进中")], ZHONGJIAO, today=date(2025, 11, 25))
    after = supervision.not_reported(store, 1, OPEN.start, OPEN.end)
    texts = supervision.reminder_texts("泉州市教育局", after, OPEN, supervision.contacts(store, 1))
    assert "中教科" not in set(texts["section"]) and not texts["text"].str.contains("中教科").any()
    # A reminder chosen for it before it reported goes to the others only: asked again when sent.
    supervision.remind(store, 1, "泉州市教育局", list(before["section"]), "email", OPEN, OFFICE)
    logged = supervision.reminders(store, 1).iloc[0]
    assert "中教科" not in list(logged["sections"]) and len(logged["sections"]) == 13
    sent, message = supervision.remind(store, 1, "泉州市教育局", ["中教科"], "email", OPEN, OFFICE)
    assert not sent and message == "所选科室在第48期（11月22日—11月28日）都已报送，无需催报"
    subject, body = supervision.reminder_text("泉州市教育局", after, OPEN)
    assert subject == "【催报】泉州市教育局绩效目标进度填报提醒（第48期 11月22日—11月28日 未报送）"
    assert "中教科" not in body


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message on loopback."""

    received: ClassVar[list[str]] = []

    def handle(self) -> None:
        self.wfile.write(b"220 localhost ESMTP test\r\n")
        data, in_data = [], False
        while line := self.rfile.readline():
            text = line.decode("utf-8", "replace")
            if in_data:
                if text in (".\r\n", ".\n"):
                    in_data = False
                    _SMTP.received.append("".join(data))
                    self.wfile.write(b"250 OK\r\n")
                else:
                    data.append(text)
                continue
            cmd = text[:4].upper()
            if cmd in ("HELO", "EHLO"):
                self.wfile.write(b"250 localhost\r\n")
            elif cmd == "DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif cmd == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers(monkeypatch):
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    hook = HTTPServer(("127.0.0.1", 0), _Hook)
    for server in (smtp, hook):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PERFDASH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PERFDASH_SMTP_PORT", str(smtp.server_address[1]))
    monkeypatch.setenv("PERFDASH_WEBHOOK_URL", f"http://127.0.0.1:{hook.server_address[1]}/robot/send")
    _SMTP.received.clear()
    _Hook.received.clear()
    yield
    smtp.shutdown()
    hook.shutdown()
    smtp.server_close()
    hook.server_close()


def test_reminders_reach_loopback_smtp_and_webhook_and_are_logged(store, servers):
    missing = supervision.not_reported(store, 1, OPEN.start, OPEN.end)
    sections = list(missing["section"])
    for s in sections:
        store.set_section_contact(s, f"{abs(hash(s)) % 10**6}@edu.example", OFFICE)
    sent, message = supervision.remind(store, 1, "泉州市教育局", sections, "email", OPEN, OFFICE)
    assert sent, message
    assert len(_SMTP.received) == 1
    mail = _SMTP.received[0]
    assert "Subject:" in mail and "@edu.example" in mail
    sent, _ = supervision.remind(store, 1, "泉州市教育局", sections, "webhook", OPEN, OFFICE)
    assert sent
    content = _Hook.received[0]["text"]["content"]
    assert _Hook.received[0]["msgtype"] == "text"
    assert "【催报】" in content and all(s in content for s in sections)
    log = supervision.reminders(store, 1)
    # a robot at an address that is not DingTalk's, with no signing secret: 企业微信's format
    assert list(log["channel"]) == ["wecom", "email"] and log["ok"].all()
    with pytest.raises(StoreError, match="只有绩效办可以发送催报"):
        supervision.remind(store, 1, "x", sections, "email", OPEN, XIAOAN)


def test_a_failed_reminder_is_logged_too(store, monkeypatch):
    monkeypatch.setenv("PERFDASH_SMTP_HOST", "")
    sections = list(supervision.not_reported(store, 1, OPEN.start, OPEN.end)["section"])
    sent, message = supervision.remind(store, 1, "泉州市教育局", sections, "email", OPEN, OFFICE)
    assert not sent and "未配置 SMTP" in message
    log = supervision.reminders(store, 1)
    assert not log.iloc[0]["ok"] and "未配置 SMTP" in log.iloc[0]["error"]


# -- 督办 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "closed", "level"),
    [
        (date(2025, 11, 1), False, "蓝色"),
        (date(2025, 11, 10), False, "蓝色"),  # on its date: still blue
        (date(2025, 11, 11), False, "橙色"),
        (date(2025, 11, 17), False, "橙色"),  # 7 days late
        (date(2025, 11, 18), False, "红色"),
        (date(2025, 12, 30), True, "已办结"),
    ],
)
def test_escalation_boundaries(today, closed, level):
    assert supervision.order_level(date(2025, 11, 10), closed, today) == level


@pytest.mark.parametrize(
    ("today", "signed", "level"),
    [
        (date(2025, 11, 26), False, "蓝色"),  # on its sign-by day: not late yet
        (date(2025, 11, 27), False, "橙色"),  # 签收超时 escalates as an overdue order does
        (date(2025, 11, 27), True, "蓝色"),  # signed: only the due day counts
        (date(2025, 12, 3), False, "橙色"),  # 7 days late to sign
        (date(2025, 12, 4), False, "红色"),
        (date(2025, 12, 4), True, "蓝色"),
        (date(2025, 12, 11), True, "橙色"),  # past its due day 12-10, signed or not
    ],
)
def test_an_unsigned_order_escalates_from_its_sign_by_day(today, signed, level):
    assert supervision.order_level(date(2025, 12, 10), False, today, date(2025, 11, 26), signed) == level


@pytest.mark.parametrize(
    ("today", "answered", "level"),
    [
        (date(2025, 11, 20), date(2025, 11, 9), "蓝色"),  # answered on time, waiting for 复核: no escalation
        (date(2025, 12, 30), date(2025, 11, 10), "蓝色"),  # answered on its due day: blue however long it waits
        (date(2025, 11, 30), date(2025, 11, 12), "橙色"),  # answered 2 days late: held orange, not red
        (date(2025, 11, 30), date(2025, 11, 18), "红色"),  # answered 8 days late: red when answered
        (date(2025, 11, 12), date(2025, 12, 1), "橙色"),  # a reply after the day asked does not count yet
    ],
)
def test_an_answer_waiting_for_review_does_not_escalate(today, answered, level):
    """#36 review: an item the section answered waits for the office's 复核; the wait is the
    office's, so its colour stays what it was on the reply's day (the three colours' rule)."""
    assert supervision.order_level(date(2025, 11, 10), False, today, answered=answered) == level


def test_every_page_takes_an_items_colour_from_one_rule(store):
    """supervision.orders (总览, 进度填报, the meeting's 逾期与临期) and decisions.board (督办与催报)
    give every item the same level on every day: 签收超时 escalating, 待复核 held (decisions.level)."""
    meeting = date(2025, 11, 24)
    due = date(2025, 11, 28)
    unsigned = store.record_decision(1, "报送推进方案", "中教科", due, OFFICE, source_day=meeting, today=meeting)
    signed = store.record_decision(1, "报送整改清单", "中教科", due, OFFICE, source_day=meeting, today=meeting)
    store.sign_order(signed, ZHONGJIAO)
    answered = store.record_decision(1, "协调经费", "中教科", due, OFFICE, source_day=meeting, today=meeting)
    store.respond_order(answered, "已协调", ZHONGJIAO)
    order = store.issue_order(1, "7-2", "完成隐患整改", due, OFFICE)
    for day in (date(2025, 11, 26), date(2025, 11, 27), date(2025, 12, 3), date(2025, 12, 8)):
        board = decisions.board(store, 1, day).set_index("order_id")["level"].to_dict()
        assert supervision.orders(store, 1, day).set_index("order_id")["level"].to_dict() == board
    levels = supervision.orders(store, 1, date(2025, 11, 27)).set_index("order_id")["level"]
    assert levels[unsigned] == "橙色" and levels[signed] == "蓝色"  # 签收 by 11-26 missed; the due day not yet
    assert order in levels.index


def test_orders_answered_by_the_section_closed_by_the_office(store):
    oid = store.issue_order(1, "7-2", "12月15日前完成校园周边隐患整改", date(2025, 12, 15), OFFICE)
    with pytest.raises(StoreError, match="只有绩效办可以下发督办单"):
        store.issue_order(1, "7-2", "x", date(2025, 12, 15), XIAOAN)
    with pytest.raises(StoreError, match="由校安科答复"):
        store.respond_order(oid, "不是我的", Actor("section", "中教科", "zj"))
    store.respond_order(oid, "已完成整改 80%", XIAOAN)
    with pytest.raises(StoreError, match="只有绩效办可以办结督办单"):
        store.close_order(oid, "自己办结", XIAOAN)
    found = supervision.orders(store, 1, date(2025, 12, 20)).set_index("order_id").loc[oid]
    assert found["level"] == "橙色" and found["responses"] == 1 and found["last_response"] == "已完成整改 80%"
    store.close_order(oid, "整改到位", OFFICE)
    assert supervision.orders(store, 1, date(2025, 12, 31)).set_index("order_id").loc[oid, "level"] == "已办结"
    with pytest.raises(StoreError, match="已办结"):
        store.respond_order(oid, "再答复", XIAOAN)


# -- dynamic targets -----------------------------------------------------------------------------


def test_a_dynamic_target_flows_into_the_score_and_survives_a_reimport(store):
    state = queries.target_state(store, 1, AS_OF, 2025)
    copy = supervision.similar_targets(state.set_index("code").loc["1-1-3", "target"], state)
    assert copy.iloc[0]["code"] == "1-1-3" and copy.iloc[0]["similarity"] == 1.0
    fresh = supervision.similar_targets("做好台风汛期学校停课复课和灾后校舍修复工作", state)
    assert fresh.empty
    code = supervision.next_dynamic_code(state)
    assert code == "3-1"
    target = supervision.dynamic_target(
        code,
        "做好台风汛期学校停课复课和灾后校舍修复工作",
        2,
        date(2025, 12, 31),
        ["校安科", "规划建设科"],
        ["胡志强", "洪玮玮"],
        ["庄映峰"],
    )
    with pytest.raises(StoreError, match="只有绩效办可以添加动态目标"):
        store.add_dynamic_target(1, target, XIAOAN)
    store.add_dynamic_target(1, target, OFFICE)
    store.add_progress(1, [ProgressRow("3-1", date(2025, 11, 20), 50, "推进中")], XIAOAN, today=date(2025, 12, 31))
    state = queries.target_state(store, 1, AS_OF, 2025)
    row = state.set_index("code").loc["3-1"]
    assert (row["group"], row["indicator"], row["lead_section"], row["origin"]) == (
        "职能工作",
        "动态工作目标",
        "校安科",
        "dynamic",
    )
    full = scoring.score(state, completion=dict.fromkeys(state["code"], 100.0))
    assert full.total == 102 and full.groups["职能工作"] == 72
    assert scoring.score(state).targets.set_index("code").loc["3-1", "score"] == 1.0
    assert supervision.next_dynamic_code(state) == "3-2"
    # Re-importing the (amended) plan document keeps the dynamic target and its progress.
    import dataclasses

    amended = shipped_plan()
    amended.targets[0] = dataclasses.replace(amended.targets[0], target=amended.targets[0].target + "（修订）")
    result = store.import_plan(amended)
    assert result.changed == ["1-1-1"] and result.removed == []
    assert "3-1" in set(queries.target_state(store, 1, AS_OF, 2025)["code"])


def test_supervision_page(db):
    """The office issues an order on the page; its lead section sees it as a card to sign for, signs,
    and answers it (the whole loop with files and the office's review: tests/test_supervision_page.py)."""
    at = signed_in("pages/supervision.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["催报", "督办单", "节点", "动态目标", "迎检缺项"]  # 迎检缺项: #34
    at.text_input(key="order_what").input("本月内补报进度")
    next(b for b in at.button if b.label == "下发督办单").click().run()
    assert not at.exception
    assert any("已向" in s.value for s in at.success)
    code = at.selectbox(key="order_code").value
    board = next(d for d in at.dataframe if "督办事项" in d.value.columns).value
    assert list(board["督办事项"]) == ["本月内补报进度"] and list(board["状态"]) == ["未签收"]
    s = Store(db)
    try:
        lead = queries.target_state(s, 1, AS_OF, 2025).set_index("code").loc[code, "lead_section"]
        oid = int(s.scalar("SELECT max(order_id) FROM supervision_orders"))
    finally:
        s.close()
    section = signed_in("pages/supervision.py", "section", lead).run()
    assert not section.exception
    assert any("本月内补报进度" in m.value for m in section.markdown)
    section.button(key=f"sign_{oid}").click().run()
    assert any(f"已签收督办单 #{oid}" in s.value for s in section.success)
    section.text_area(key=f"reply_text_{oid}_0").input("已补报")
    section.button(key=f"reply_{oid}").click().run()
    assert any("已提交督办单" in s.value for s in section.success)


# -- DingTalk's signed robot, WeCom's @-mentions, texts for sending by hand -----------------------

SECRET = "SEC0123456789abcdef-test-secret"


class _DingTalk(BaseHTTPRequestHandler):
    """A DingTalk-style robot on loopback that checks 加签 as DingTalk does: the timestamp (ms) is
    within an hour, and sign = urlencoded base64(HMAC-SHA256(secret, "timestamp\nsecret"))."""

    secret = SECRET
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:  # the name http.server calls
        import base64
        import hashlib
        import hmac
        import time
        import urllib.parse

        raw_query = urllib.parse.urlsplit(self.path).query
        query = urllib.parse.parse_qs(raw_query)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stamp = query.get("timestamp", [""])[0]
        want = base64.b64encode(
            hmac.new(_DingTalk.secret.encode(), f"{stamp}\n{_DingTalk.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        fresh = stamp.isdigit() and abs(time.time() * 1000 - int(stamp)) < 3_600_000
        ok = fresh and query.get("access_token") == ["abc"] and query.get("sign") == [want]
        # the sign travels urlencoded: base64's '=' (and '+', '/') never appear raw in the query
        ok = ok and "%3D" in raw_query.split("sign=", 1)[1]
        _DingTalk.received.append({"body": body, "verified": ok})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        reply = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
        self.wfile.write(json.dumps(reply).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dingtalk(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _DingTalk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(
        "PERFDASH_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=abc"
    )
    monkeypatch.setenv("PERFDASH_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("PERFDASH_WEBHOOK_KIND", raising=False)
    _DingTalk.received.clear()
    yield
    server.shutdown()
    server.server_close()


def test_a_signed_dingtalk_robot_gets_the_reminder_with_the_mentions(store, dingtalk, monkeypatch):
    sections = list(supervision.not_reported(store, 1, OPEN.start, OPEN.end)["section"])
    assert len(sections) >= 2
    phones = {s: f"1380000{n:04d}" for n, s in enumerate(sections[:-1])}  # the last has an e-mail only
    for s, phone in phones.items():
        store.set_section_contact(s, "", OFFICE, 1, phone=phone)
    store.set_section_contact(sections[-1], "last@edu.example", OFFICE, 1)
    sent, message = supervision.remind(store, 1, "泉州市教育局", sections, "webhook", OPEN, OFFICE)
    assert sent, message
    [got] = _DingTalk.received
    assert got["verified"]
    body = got["body"]
    assert body["msgtype"] == "text" and body["at"] == {"atMobiles": list(phones.values()), "isAtAll": False}
    assert all(f"@{p}" in body["text"]["content"] for p in phones.values())  # DingTalk notifies only these
    assert "【催报】" in body["text"]["content"] and all(s in body["text"]["content"] for s in sections)
    log = supervision.reminders(store, 1).iloc[0]
    assert log["channel"] == "dingtalk" and log["ok"]
    assert log["recipients"] == "钉钉群" + "".join(f" @{p}" for p in phones.values())
    audit = store.scalar("SELECT new_value FROM audit_log WHERE action = '发送催报' ORDER BY logged_at DESC LIMIT 1")
    assert json.loads(audit)["方式"] == "钉钉群"
    # a wrong secret: the robot refuses, and the failure is logged with DingTalk's reason
    monkeypatch.setenv("PERFDASH_WEBHOOK_SECRET", "SECwrong")
    sent, message = supervision.remind(store, 1, "泉州市教育局", sections, "webhook", OPEN, OFFICE)
    assert not sent and "310000" in message and "钉钉群" in message
    assert not _DingTalk.received[-1]["verified"]
    failed = supervision.reminders(store, 1).iloc[0]
    assert failed["channel"] == "dingtalk" and not failed["ok"] and "310000" in failed["error"]


def test_wecom_mentions_by_mobile_list_and_the_kind_can_be_set(servers, monkeypatch):
    import urllib.parse

    from perfdash.ops import notify

    assert notify.send_webhook("催报", mobiles=["13800000001", "", "13800000001", "13900000002"]) == "wecom"
    assert _Hook.received[-1] == {
        "msgtype": "text",
        "text": {"content": "催报", "mentioned_mobile_list": ["13800000001", "13900000002"]},
    }
    assert notify.robot_kind("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert notify.robot_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") == "wecom"
    monkeypatch.setenv("PERFDASH_WEBHOOK_KIND", "dingtalk")  # a DingTalk robot behind a proxy, unsigned
    assert notify.send_webhook("催报", mobiles=["13800000001"]) == "dingtalk"
    assert _Hook.received[-1]["at"]["atMobiles"] == ["13800000001"]
    url = notify.signed_url("http://x/robot?access_token=t", "SECabc", timestamp_ms=1_700_000_000_000)
    assert url.startswith("http://x/robot?access_token=t&timestamp=1700000000000&sign=")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sign"] == [
        notify.dingtalk_sign("SECabc", 1_700_000_000_000)
    ]


def test_contacts_take_a_phone_within_limits(store):
    store.set_section_contact("校安科", "xa@edu.example", OFFICE, 1, phone="138-0000 0001")
    store.set_section_contact("校安科", "xa2@edu.example", OFFICE, 1)  # no phone given: the stored one stays
    assert store.rows("SELECT email, phone FROM section_contacts WHERE section = '校安科'") == [
        ("xa2@edu.example", "13800000001")
    ]
    with pytest.raises(StoreError, match="不是有效的手机号"):
        store.set_section_contact("校安科", "", OFFICE, 1, phone="138abc")
    with pytest.raises(StoreError, match="超过 50 字"):
        store.set_section_contact("校安科", "", OFFICE, 1, phone="1" * 60)
    with pytest.raises(StoreError, match="请至少填写校安科的邮箱或手机号"):
        store.set_section_contact("校安科", "", OFFICE, 1, phone="")
    with pytest.raises(StoreError, match="只有绩效办可以设置科室联系方式"):
        store.set_section_contact("校安科", "", XIAOAN, 1, phone="13800000001")
    assert store.rows("SELECT email, phone FROM section_contacts WHERE section = '校安科'") == [
        ("xa2@edu.example", "13800000001")
    ]


def test_the_reminder_sheet_is_print_ready_and_runs_nothing():
    import io

    import pandas as pd
    from openpyxl import load_workbook

    from perfdash.present.exports import reminder_xlsx

    texts = pd.DataFrame(
        [
            {"section": "校安科", "targets": "7-2", "email": "", "phone": "+8613800000001", "text": "【催报】校安科…"},
            {"section": '=HYPERLINK("http://x")', "targets": "1-1-1", "email": "a@b.cn", "phone": "", "text": "-1+1"},
        ]
    )
    ws = load_workbook(io.BytesIO(reminder_xlsx(texts, "泉州市教育局", OPEN, AS_OF))).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"  # 9: A4 in Excel
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$3" and "&P" in ws.oddFooter.center.text  # title, the period, header
    assert ws["A2"].value == "第48期填报周期（11月22日—11月28日）未报送进度的科室"
    headers = ["序号", "科室", "未报送的目标", "邮箱", "手机号", "催报内容", "已发送（签字/日期）"]
    assert [c.value for c in ws[3]] == headers
    # a leading + is where a spreadsheet starts a formula: the phone is kept as text, shown as typed
    assert [c.value for c in ws[4]][:6] == [1, "校安科", "7-2", None, "+8613800000001", "【催报】校安科…"]
    assert ws["E4"].data_type == "s" and ws["E4"].quotePrefix
    assert ws["B5"].value == '=HYPERLINK("http://x")' and ws["B5"].data_type == "s"
    assert ws["F5"].value == "-1+1" and ws["F5"].data_type == "s"
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    for row in ws.iter_rows(min_row=3, max_row=5):
        assert all(c.border.left.style == "thin" and c.border.bottom.style == "thin" for c in row)


def test_without_a_channel_the_page_offers_the_texts(db, monkeypatch):
    for name in ("PERFDASH_SMTP_HOST", "PERFDASH_WEBHOOK_URL", "PERFDASH_WEBHOOK_SECRET", "PERFDASH_WEBHOOK_KIND"):
        monkeypatch.delenv(name, raising=False)
    at = signed_in("pages/supervision.py")
    at.run()
    period = at.selectbox(key="remind_period").value
    assert period == OPEN  # 本期, the open period: nobody has reported in it yet
    s = Store(db)
    try:
        missing = supervision.not_reported(s, 1, period.start, period.end)
        s.set_section_contact(missing.iloc[0]["section"], "", OFFICE, 1, phone="13800000009")
        s.log_reminder(1, "dingtalk", "钉钉群", ["校安科"], "s", "b", True, None, OFFICE)
    finally:
        s.close()
    assert len(missing) >= 2
    at.run()
    assert not at.exception
    assert any("未配置邮件服务器和工作群机器人" in i.value for i in at.info)
    assert at.button(key="remind_email").disabled and at.button(key="remind_webhook").disabled
    codes = [c.value for c in at.code]
    for r in missing.itertuples():
        text = next(t for t in codes if t.startswith(f"【催报】{r.section}："))
        assert "、".join(r.missing) in text and "第48期填报周期（11月22日—11月28日）" in text
    assert any("13800000009" in m.value for m in at.markdown)
    assert "下载催报清单（Excel）" in [b.proto.label for b in at.get("download_button")]
    log = next(d.value for d in at.dataframe if "方式" in d.value.columns)
    assert list(log["方式"]) == ["钉钉群"]


# -- 督办 items in the reminders (#36) -------------------------------------------------------------

REMIND_DAY = date(2025, 11, 27)  # a Thursday of the open period 11-22–11-28


def _three_items(store) -> tuple[int, int, int]:
    """中教科: 1-3-1 decided Monday 11-24, due 11-28, not signed by 11-26 (未签收); a free-standing item
    due 11-26 (已逾期). 督导科, which leads no target and so is never 未报送: due 11-29 (即将到期)."""
    meeting = date(2025, 11, 24)
    leader = Actor("leader", "蔡玉霖", "cyl")
    x = store.record_decision(
        1, "报送推进方案", "中教科", date(2025, 11, 28), leader, code="1-3-1", source_day=meeting, today=meeting
    )
    y = store.record_decision(
        1, "周五前报送整改清单", "中教科", date(2025, 11, 26), leader, source_day=meeting, today=meeting
    )
    z = store.record_decision(
        1, "协调财政资金", "督导科", date(2025, 11, 29), OFFICE, source="instruction", source_leader="林长华",
        source_day=meeting, today=meeting,
    )  # fmt: skip
    store.sign_order(z, Actor("section", "督导科"))
    return x, y, z


def test_a_sections_reminder_carries_its_orders(store):
    x, y, z = _three_items(store)
    due = decisions.due_reminders(store, 1, REMIND_DAY)
    assert list(zip(due["kind"], due["order_id"], strict=True)) == [("已逾期", y), ("未签收", x), ("即将到期", z)]
    missing = supervision.not_reported(store, 1, OPEN.start, OPEN.end)
    texts = supervision.reminder_texts("泉州市教育局", missing, OPEN, supervision.contacts(store, 1), None, due)
    assert list(texts["section"]) == [*missing["section"], "督导科"]  # the reminded after the not reported
    by = texts.set_index("section")
    assert by.loc["中教科", "text"] == (
        "【催报】中教科：你科室牵头的 3 项年度工作目标在第48期填报周期（11月22日—11月28日）尚未报送进度"
        "（1-3-1、1-3-2、1-3-3），请尽快在绩效管理系统中填报。\n"
        "督办事项：已逾期 1 项、未签收 1 项，请在“督办与催报”中签收、答复。\n"
        f"  #{y} 周五前报送整改清单（办理时限 11月26日，已逾期）\n"
        f"  #{x} 1-3-1 报送推进方案（签收时限 11月26日，未签收）\n"
        "——泉州市教育局绩效办"
    )
    assert by.loc["督导科", "text"] == (
        "【督办提醒】督导科：你科室的督办事项即将到期 1 项，请在“督办与催报”中签收、答复。\n"
        f"  #{z} 协调财政资金（办理时限 11月29日，即将到期）\n"
        "——泉州市教育局绩效办"
    )
    assert by.loc["督导科", "targets"] == ""
    assert "督办" not in by.loc["校安科", "text"]  # no items: the reminder as it always was
    # The e-mail names each item; the chat message only counts them.
    mine = missing[missing["section"] == "中教科"]
    _, mail = supervision.reminder_text("泉州市教育局", mine, OPEN, due=due)
    assert mail.splitlines() == [
        "以下科室在第48期填报周期（11月22日—11月28日）尚未报送进度，请尽快在绩效管理系统中填报：",
        "· 中教科：1-3-1、1-3-2、1-3-3",
        "  督办事项：已逾期 1 项、未签收 1 项，请在“督办与催报”中签收、答复。",
        f"    #{y} 周五前报送整改清单（办理时限 11月26日，已逾期）",
        f"    #{x} 1-3-1 报送推进方案（签收时限 11月26日，未签收）",
        "以下科室有督办事项需要签收或办理：",
        "· 督导科：即将到期 1 项，请在“督办与催报”中签收、答复。",
        f"  #{z} 协调财政资金（办理时限 11月29日，即将到期）",
        "（本消息由绩效管理系统自动发送，局绩效办）",
    ]
    _, chat = supervision.reminder_text("泉州市教育局", mine, OPEN, items=0, due=due)
    assert (
        "#" not in chat and "  督办事项：已逾期 1 项、未签收 1 项，请在“督办与催报”中签收、答复。" in chat.splitlines()
    )
    # The print-ready 催报清单 takes the same texts: 督导科 on a row of its own, last.
    import io

    from openpyxl import load_workbook

    from perfdash.present.exports import reminder_xlsx

    ws = load_workbook(io.BytesIO(reminder_xlsx(texts, "泉州市教育局", OPEN, AS_OF))).active
    last = [c.value for c in ws[3 + len(texts)]]
    assert last[:3] == [len(texts), "督导科", None] and last[5] == by.loc["督导科", "text"]


def test_remind_reaches_the_sections_with_orders_too(store, servers):
    x, y, z = _three_items(store)
    for s, mail in (("中教科", "zj@edu.example"), ("督导科", "dd@edu.example")):
        store.set_section_contact(s, mail, OFFICE, 1)
    both = ["中教科", "督导科"]
    sent, message = supervision.remind(store, 1, "泉州市教育局", both, "email", OPEN, OFFICE, today=REMIND_DAY)
    assert message == "已向 2 个科室发送催报（含督办事项 3 项）" and sent
    log = store.query("SELECT sections, recipients, body FROM reminders ORDER BY reminder_id DESC").iloc[0]
    assert list(log["sections"]) == both
    assert log["recipients"] == "zj@edu.example, dd@edu.example"
    assert f"#{x} 1-3-1 报送推进方案" in log["body"] and f"#{z} 协调财政资金" in log["body"]
    # 中教科 reports and answers its items: only 督导科's reminder is left, a 督办提醒 of its own.
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 26), 80, "推进中")], ZHONGJIAO, today=date(2025, 11, 26))
    store.respond_order(x, "已报送", ZHONGJIAO)
    store.respond_order(y, "已报送", ZHONGJIAO)
    sent, message = supervision.remind(store, 1, "泉州市教育局", both, "webhook", OPEN, OFFICE, today=REMIND_DAY)
    assert sent and message == "已向 1 个科室发送催报（含督办事项 1 项）"
    content = _Hook.received[-1]["text"]["content"]
    assert content.startswith("【督办提醒】泉州市教育局督办事项签收与办理提醒\n以下科室有督办事项需要签收或办理：")
    assert "· 督导科：即将到期 1 项" in content and "中教科" not in content and "#" not in content
    # Nothing left to remind: the message as before.
    store.respond_order(z, "已对接", Actor("section", "督导科"))
    sent, message = supervision.remind(store, 1, "泉州市教育局", both, "email", OPEN, OFFICE, today=REMIND_DAY)
    assert not sent and message == "所选科室在第48期（11月22日—11月28日）都已报送，无需催报"
