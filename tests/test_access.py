"""Access under attack: the sign-in limit holds in parallel, nothing typed by strangers is stored,
sessions end with their password, accounts stay inside their units, every text has its limit, and
the minor holes of the attack run are closed. Each test names the finding it covers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from perfdash.core.access import Actor
from perfdash.core.settings import TEXT_LIMITS
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.server.demo import build_demo
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import evaluation, periods
from tests.fixtures import DEMO_SEED, shipped_plan

PASSWORD = "correct-horse-battery"
OFFICE = Actor("office", "绩效办", "admin")
TODAY = date(2025, 12, 31)


@pytest.fixture
def store(plan_store, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")
    auth.register_account(plan_store, OFFICE, "zhongjiao", "张少杰", "section", "中教科", PASSWORD)
    return plan_store


@pytest.fixture
def any_store(db_target, monkeypatch):
    """The same, once on DuckDB and once on PostgreSQL."""
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")
    s = Store(db_target)
    s.import_plan(shipped_plan())
    auth.register_account(s, OFFICE, "zhongjiao", "张少杰", "section", "中教科", PASSWORD)
    yield s
    s.close()


# -- finding 2: the lockout in parallel ------------------------------------------------------------


def test_forty_parallel_wrong_passwords_check_at_most_five(store, monkeypatch):
    checks = []
    real = auth._verify

    def counted(stored: str, password: str) -> bool:
        checks.append(password)
        return real(stored, password)

    monkeypatch.setattr(auth, "_verify", counted)
    start = threading.Barrier(40)

    def attempt(n: int) -> str:
        start.wait()
        try:
            auth.authenticate(store, "zhongjiao", f"wrong-password-{n}", source="10.0.0.9")
        except auth.AuthError as exc:
            return str(exc)
        return "signed in"

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(attempt, range(40)))
    assert len(checks) <= 5
    locked = [a for a in answers if a.startswith("登录失败次数过多")]
    assert len(locked) >= 35 and "signed in" not in answers
    # and the right password is refused too from that source, until the window has passed;
    # elsewhere the account signs in as ever (issue 29: the attacker's failures lock the attacker)
    with pytest.raises(auth.AuthError, match="登录失败次数过多"):
        auth.authenticate(store, "zhongjiao", PASSWORD, source="10.0.0.9")
    assert auth.authenticate(store, "zhongjiao", PASSWORD, source="10.0.0.1").username == "zhongjiao"


def test_thirty_people_signing_in_at_once_behind_one_address_all_get_in(any_store):
    """The weekly rush: one office's address, one account open on many devices. Attempts still
    being checked are not failures: later ones wait for them instead of being told 登录失败次数过多
    (the browser benchmark's 30 sessions were turned away that way, locked for 15 minutes)."""
    start = threading.Barrier(30)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return auth.authenticate(any_store, "zhongjiao", PASSWORD, source="10.0.0.1").username
        except auth.AuthError as exc:
            return str(exc)

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(attempt, range(30)))
    assert answers == ["zhongjiao"] * 30
    assert auth.locked_until(any_store, "zhongjiao") is None
    outcomes = any_store.current_rows("SELECT ok, count(*) FROM sign_in_attempts GROUP BY ok")
    assert outcomes == [(True, 30)]


def test_signing_in_and_out_reloads_nothing_in_the_postgresql_mirror(any_store, monkeypatch):
    """Sessions and sign-in attempts are read as committed, never from a process's mirror: a
    sign-in (attempt reserved, decided, session added) and a sign-out cost no mirror reload, so
    readers never wait on the mirror's lock while people sign in."""
    if not any_store.on_postgres:
        pytest.skip("the mirror is PostgreSQL's")
    from perfdash.db import postgres
    from perfdash.db.postgres import LIVE_ONLY, Mirror

    monkeypatch.setattr(postgres, "POLL_SECONDS", 0)  # every read looks at PostgreSQL's changes
    loads: list[list[str]] = []
    real = Mirror._load

    def counted(self: Mirror, pg: object, tables: list[str], counts: dict) -> None:
        loads.append(tables)
        real(self, pg, tables, counts)

    monkeypatch.setattr(Mirror, "_load", counted)
    account = auth.authenticate(any_store, "zhongjiao", PASSWORD, source="10.0.0.9")
    token = auth.start_session(any_store, account, source="10.0.0.9")
    assert auth.session_account(any_store, token).username == "zhongjiao"
    auth.end_session(any_store, token)
    assert auth.session_account(any_store, token) is None  # the sign-out reached the check at once
    any_store.version()  # a reader's look at the mirror
    assert [t for tables in loads for t in tables if t in LIVE_ONLY] == []
    assert loads == []


def test_a_wrong_password_among_a_rush_still_counts_and_still_locks(store):
    for n in range(4):
        with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
            auth.authenticate(store, "zhongjiao", f"wrong-{n}", source="10.0.0.1")
    assert auth.authenticate(store, "zhongjiao", PASSWORD, source="10.0.0.1").username == "zhongjiao"
    for n in range(5):  # a success forgives the earlier failures; five new ones lock again
        with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
            auth.authenticate(store, "zhongjiao", f"again-{n}", source="10.0.0.2")
    with pytest.raises(auth.AuthError, match="登录失败次数过多"):
        auth.authenticate(store, "zhongjiao", PASSWORD, source="10.0.0.2")
    assert auth.authenticate(store, "zhongjiao", PASSWORD, source="10.0.0.3").username == "zhongjiao"


def test_concurrent_password_checks_are_bounded(store, monkeypatch):
    """argon2 holds its memory (19 MiB) per check: never more checks at once than the slots."""
    running, peak = [0], [0]
    lock = threading.Lock()
    real = auth._hasher

    class Tracked:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def check_needs_rehash(self, stored: str) -> bool:
            return real.check_needs_rehash(stored)

        def verify(self, stored: str, password: str) -> bool:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                return real.verify(stored, password)
            finally:
                with lock:
                    running[0] -= 1

    monkeypatch.setattr(auth, "_hasher", Tracked())
    monkeypatch.setattr(auth, "_checks", threading.BoundedSemaphore(2))
    users = [f"user{n:02d}" for n in range(12)]
    for u in users:
        auth.register_account(store, OFFICE, u, u, "office", None, PASSWORD)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda u: auth.authenticate(store, u, PASSWORD), users))
    assert peak[0] <= 2


def test_one_source_is_limited_across_accounts(store, monkeypatch):
    monkeypatch.setenv("LOGIN_SOURCE_MAX_FAILURES", "6")
    for n in range(6):
        with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
            auth.authenticate(store, f"nobody{n}", "whatever-password", source="203.0.113.7")
    with pytest.raises(auth.AuthError, match="登录失败次数过多"):
        auth.authenticate(store, "zhongjiao", PASSWORD, source="203.0.113.7")
    assert auth.authenticate(store, "zhongjiao", PASSWORD, source="198.51.100.1").username == "zhongjiao"


# -- finding 3: strangers write nothing unbounded ---------------------------------------------------


def test_unknown_usernames_and_passwords_typed_as_names_are_never_stored(store):
    typed = ["x" * 4_000_000, "my-secret-password-123", "admin' OR 1=1 --"]
    for name in typed:
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, name, "wrong-password", source="192.0.2.1")
    stored = store.query("SELECT username, source FROM sign_in_attempts")
    # kept under a keyed hash of the name (the same limits as an account's name), never as typed
    assert all(n.startswith("#") and len(n) == 41 for n in stored["username"])
    assert stored["username"].nunique() == 3
    assert set(stored["source"]) == {"192.0.2.1"}
    everything = " ".join(str(v) for row in store.rows("SELECT * FROM sign_in_attempts") for v in row)
    assert "secret" not in everything and "OR 1=1" not in everything and len(everything) < 2000


def test_an_oversized_password_is_refused_without_hashing_it(store):
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.authenticate(store, "zhongjiao", "p" * 1_000_000)
    with pytest.raises(auth.AuthError, match="密码不能超过"):
        auth.hash_password("p" * 1000)


# -- finding 9: a new password ends the other sessions ------------------------------------------------


def test_changing_a_password_ends_the_other_sessions(store):
    account = auth.authenticate(store, "zhongjiao", PASSWORD)
    here, elsewhere = auth.start_session(store, account), auth.start_session(store, account)
    auth.change_password(store, account.actor, "zhongjiao", PASSWORD, "a-new-password-1", here)
    assert auth.session_account(store, here) is not None
    assert auth.session_account(store, elsewhere) is None


def test_a_reset_or_a_disabled_account_ends_every_session(store):
    account = auth.authenticate(store, "zhongjiao", PASSWORD)
    first = auth.start_session(store, account)
    auth.change_password(store, OFFICE, "zhongjiao", None, "reset-by-office-1")
    assert auth.session_account(store, first) is None
    second = auth.start_session(store, account)
    store.update_account(OFFICE, "zhongjiao", disabled=True)
    assert auth.session_account(store, second) is None


def test_sessions_expire_and_sign_out(store):
    account = auth.authenticate(store, "zhongjiao", PASSWORD)
    old = auth.start_session(store, account, now=datetime.now() - timedelta(hours=9))
    assert auth.session_account(store, old) is None
    token = auth.start_session(store, account)
    auth.end_session(store, token)
    assert auth.session_account(store, token) is None


def test_sign_in_bookkeeping_leaves_cached_reads_alone(store):
    version = store.version()
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "zhongjiao", "wrong-password")
    auth.start_session(store, auth.authenticate(store, "zhongjiao", PASSWORD))
    assert store.version() == version


# -- finding 4: accounts bound to their unit ---------------------------------------------------------


@pytest.fixture
def city(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")
    s = Store(databases.copy("city", tmp_path))
    yield s, [int(plan_id) for (plan_id,) in s.rows("SELECT plan_id FROM plans ORDER BY plan_id")]
    s.close()


def _unit(store: Store, plan_id: int) -> str:
    return store.plan_unit(plan_id)


def test_a_section_account_writes_only_its_own_units_plan(city):
    store, (first, second, _) = city
    auth.register_account(store, OFFICE, "zj1", "中教科一", "section", "中教科", PASSWORD, units=[_unit(store, first)])
    section = auth.load(store, "zj1").actor
    row = [ProgressRow("1-3-1", date(2025, 3, 28), 100, "已完成")]
    assert store.add_progress(first, row, section, today=TODAY) == 1
    before = store.scalar("SELECT count(*) FROM progress WHERE plan_id = ?", [second])
    with pytest.raises(StoreError, match="不能修改"):
        store.add_progress(second, row, section, today=TODAY)
    assert store.scalar("SELECT count(*) FROM progress WHERE plan_id = ?", [second]) == before


WRITES_IN_ANOTHER_UNIT = {
    "progress": lambda s, p, a: s.add_progress(
        p, [ProgressRow("1-3-1", date(2025, 3, 28), 50, "推进中")], a, today=TODAY
    ),
    "self_assessment": lambda s, p, a: s.submit_self_assessment(p, "1-3-1", 90, 1, "小结", a),
    "milestones": lambda s, p, a: s.set_milestones(p, "1-3-1", [("节点", date(2025, 6, 30), "", 1.0)], a),
    "kpi_actuals": lambda s, p, a: s.report_kpi_actuals(p, "1-3-1", {"x": 1.0}, date(2025, 3, 28), a, today=TODAY),
    "innovation": lambda s, p, a: s.add_innovation(p, "创新", "市级", "中教科", "简介", a),
    "survey_sample": lambda s, p, a: s.add_survey_sample(p, "张三", "某校", "学校", "123", "中教科", "", a),
}


@pytest.mark.parametrize("write", list(WRITES_IN_ANOTHER_UNIT))
def test_every_section_write_is_refused_in_another_unit(city, write):
    store, (first, second, _) = city
    auth.register_account(store, OFFICE, "zj1", "中教科一", "section", "中教科", PASSWORD, units=[_unit(store, first)])
    section = auth.load(store, "zj1").actor
    before = store.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(StoreError):
        WRITES_IN_ANOTHER_UNIT[write](store, second, section)
    assert store.scalar("SELECT count(*) FROM audit_log") == before


def test_an_office_bound_to_a_unit_stays_in_it(city):
    store, (first, second, _) = city
    auth.register_account(store, OFFICE, "office1", "一局绩效办", "office", None, PASSWORD, units=[_unit(store, first)])
    office = auth.load(store, "office1").actor
    assert office.units == (_unit(store, first),)
    store.add_adjustment(first, "bonus", 1, "本局加分", office)
    with pytest.raises(StoreError, match="不能修改"):
        store.add_adjustment(second, "bonus", 1, "他局加分", office)
    with pytest.raises(StoreError, match="只能把账户分配给本账户所属的单位"):
        auth.register_account(store, office, "zj2", "二局", "section", "中教科", PASSWORD, units=[_unit(store, second)])
    auth.register_account(
        store, OFFICE, "zj2", "二局中教科", "section", "中教科", PASSWORD, units=[_unit(store, second)]
    )
    with pytest.raises(StoreError):
        store.update_account(office, "zj2", disabled=True)
    assert list(queries.accounts(store, office.units)["username"]) == ["office1"]


def test_section_accounts_need_a_unit_where_there_are_several(city):
    store, _ = city
    with pytest.raises(StoreError, match="请为科室和领导账户指定所属单位"):
        auth.register_account(store, OFFICE, "zj9", "无单位", "section", "中教科", PASSWORD)


def test_the_plan_list_shows_only_the_accounts_units(databases, tmp_path, monkeypatch):
    """Through the page: a unit-bound section's plan picker lists its unit's plan only, even when
    the URL asks for another unit's."""
    from streamlit.testing.v1 import AppTest

    from perfdash.core.settings import PROJECT_ROOT

    db = databases.copy("city", tmp_path)
    s = Store(db)
    plan_ids = [int(plan_id) for (plan_id,) in s.rows("SELECT plan_id FROM plans ORDER BY plan_id")]
    auth.register_account(s, OFFICE, "zj1", "中教科一", "section", "中教科", PASSWORD, units=[s.plan_unit(plan_ids[0])])
    token = auth.start_session(s, auth.load(s, "zj1"))
    s.close()
    monkeypatch.setenv("PERFDASH_DB", str(db))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    at.query_params["plan"] = str(plan_ids[1])
    at.run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="plan_id")
    assert list(picker.options) == ["示范市第001局 2025年度"]
    assert picker.value == plan_ids[0]


# -- finding 5: the meeting screen re-checks its access -----------------------------------------------


def test_a_revoked_token_stops_the_screen_on_its_next_tick(db):
    from streamlit.testing.v1 import AppTest

    from perfdash.core.settings import PROJECT_ROOT

    s = Store(db)
    token = auth.new_kiosk_token(s, OFFICE, "会议室")
    s.close()
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "meeting.py"), default_timeout=60)
    at.query_params["token"] = token
    at.run()
    assert "总体态势" in " ".join(h.proto.body for h in at.get("html"))
    from perfdash.app import session

    live = session.get_store(str(db))  # the server's own store, as the admin page would use it
    live.revoke_kiosk_token(OFFICE, queries.kiosk_tokens(live).iloc[0]["token_hash"])
    at.run()  # the next tick
    assert not at.exception
    assert not any("总体态势" in h.proto.body for h in at.get("html"))
    assert any("令牌无效或已撤销" in e.value for e in at.error)


# -- finding 7: limits on every text path --------------------------------------------------------------


def test_a_note_over_the_limit_is_refused_in_the_write_path(store):
    section = Actor("section", "中教科", None, ("泉州市教育局",))
    long = "说" * (TEXT_LIMITS["note"] + 1)
    with pytest.raises(StoreError, match="进展说明有 501 个字，超过 500 字的上限"):
        store.add_progress(1, [ProgressRow("1-3-1", date(2025, 3, 7), 10, "推进中", long)], section, today=TODAY)
    assert store.scalar("SELECT count(*) FROM progress") == 0


def test_an_upload_note_over_the_limit_names_its_row():
    from perfdash.workflows import ledger, progress

    header = "编号,填报日期,完成率(%),状态,进展说明\n"
    data = (header + f"1-3-1,2025-06-30,50,推进中,{'长' * 501}\n").encode()
    store_rows = ledger.read_upload("long.csv", data)
    problems = progress.validate_progress(
        store_rows.rows, {"1-3-1": {"中教科"}}, Actor.section("中教科"), periods.Calendar(2025), TODAY
    )
    assert [(p.index, p.column) for p in problems] == [(0, "note")]


@pytest.mark.parametrize(
    ("write", "label"),
    [
        (lambda s: s.issue_order(1, "1-3-1", "督" * 1001, date(2025, 12, 1), OFFICE), "督办事项"),
        (lambda s: s.add_adjustment(1, "bonus", 1, "由" * 1001, OFFICE), "加减分的事由"),
        (lambda s: s.set_report_notes(1, "问" * 5001, "", OFFICE), "存在问题"),
        (lambda s: s.add_innovation(1, "名" * 101, "市级", "中教科", "简介", OFFICE), "创新成果的名称"),
        (lambda s: s.save_scenario(1, "情" * 101, "", "current", date(2025, 3, 7), "{}", {}, OFFICE), "情景名称"),
    ],
    ids=["order", "adjustment", "report", "innovation", "scenario"],
)
def test_every_text_field_has_its_limit(store, write, label):
    with pytest.raises(StoreError, match=f"{label}有 .* 个字，超过"):
        write(store)


def test_no_text_longer_than_the_safety_net_is_written_whatever_the_path(store):
    from perfdash.db.database import MAX_TEXT

    with pytest.raises(StoreError, match="超过"), store.write(OFFICE) as w:
        w.execute("INSERT INTO report_notes VALUES (1, ?, '', 'x', now())", ["字" * (MAX_TEXT + 1)])
    assert store.scalar("SELECT count(*) FROM report_notes") == 0


# -- finding 9: the minor holes -------------------------------------------------------------------------


def test_evidence_only_for_ones_own_innovation_of_this_plan(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "ev"))
    section = Actor("section", "中教科", None, ("泉州市教育局",))
    other = store.add_innovation(1, "校安创新", "市级", "校安科", "简介", OFFICE)
    pdf = b"%PDF-1.4 test"
    with pytest.raises(StoreError, match="由校安科申报"):
        evaluation.store_evidence(store, 1, None, "a.pdf", pdf, section, innovation_id=other)
    with pytest.raises(StoreError, match="没有编号为 999 的创新成果"):
        evaluation.store_evidence(store, 1, None, "a.pdf", pdf, section, innovation_id=999)
    assert not (tmp_path / "ev").exists() or not any((tmp_path / "ev").rglob("*.pdf"))  # no orphan file


def test_a_refused_evidence_upload_leaves_no_file(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "ev"))
    outsider = Actor("section", "校安科", None, ("泉州市教育局",))
    for n in range(8):
        with pytest.raises(StoreError, match="不是 1-3-1 的责任科室"):
            evaluation.store_evidence(store, 1, "1-3-1", f"{n}.pdf", b"%PDF-" + bytes([n]) * 10, outsider)
    assert not any((tmp_path / "ev").rglob("*")) if (tmp_path / "ev").exists() else True


@pytest.mark.parametrize("who", [Actor("screen", "大屏"), Actor.system(), Actor.leader("林长华")])
def test_screens_systems_and_leaders_add_no_innovations_or_samples(store, who):
    with pytest.raises(StoreError):
        store.add_innovation(1, "创新", "市级", "中教科", "简介", who)
    with pytest.raises(StoreError):
        store.add_survey_sample(1, "张三", "某校", "学校", "123", "中教科", "", who)


def test_after_the_lock_no_answers_or_samples_from_sections(store):
    section = Actor("section", "中教科", None, ("泉州市教育局",))
    order = store.issue_order(1, "1-3-1", "加快进度", date(2025, 12, 1), OFFICE)
    store.set_lock(1, True, OFFICE)
    with pytest.raises(StoreError, match="锁定"):
        store.respond_order(order, "已推进", section)
    with pytest.raises(StoreError, match="锁定"):
        store.add_survey_sample(1, "张三", "某校", "学校", "123", "中教科", "", section)
    with pytest.raises(StoreError, match=r"督办单 \d+ 由中教科答复"):  # the office reviews; only the section answers
        store.respond_order(order, "绩效办备注", OFFICE)


def test_saving_the_evaluation_is_all_or_nothing(store):
    scores = [(t.code, t.points, "", t.points) for t in shipped_plan().targets]
    scores[30] = (scores[30][0], 999.0, "", scores[30][3])  # one bad score among 61
    with pytest.raises(StoreError, match="的得分应在 0 到"):
        store.evaluate_many(1, scores, OFFICE)
    assert store.scalar("SELECT count(*) FROM evaluations") == 0
    scores[30] = (scores[30][0], scores[30][3], "", scores[30][3])
    store.evaluate_many(1, scores, OFFICE)
    assert store.scalar("SELECT count(*) FROM evaluations") == 61
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '评定得分'") == 1  # one transaction


def test_a_missing_evidence_file_is_a_message_not_a_traceback(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "ev"))
    eid = evaluation.store_evidence(store, 1, "1-3-1", "报告.pdf", b"%PDF-1.4 x", OFFICE)
    for f in (tmp_path / "ev").rglob("*.pdf"):
        f.unlink()
    with pytest.raises(StoreError, match="材料文件缺失"):
        evaluation.read_evidence(store, eid)


def test_migrating_an_old_database_drops_what_strangers_typed(tmp_path):
    """A database made before schema version 2 kept failed usernames as typed: the migration
    keeps only attempts of real accounts and binds section accounts to the units present."""
    import duckdb

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute((Path(__file__).parent / "data" / "schema_v1.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('data_version', '3')")
    con.execute("INSERT INTO plans (unit, year, title) VALUES ('甲局', 2025, 't'), ('乙局', 2025, 't')")
    con.execute(
        "INSERT INTO accounts (username, display_name, role, scope) VALUES ('admin', '管理员', 'office', NULL), "
        "('zj', '中教', 'section', '中教科')"
    )
    con.execute("INSERT INTO login_attempts VALUES ('zj', now(), false), ('hunter2-password', now(), false)")
    con.execute("INSERT INTO section_contacts VALUES ('中教科', 'zj@example.cn')")
    con.close()
    store = Store(path)
    try:
        from perfdash.db.database import SCHEMA_VERSION

        assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == SCHEMA_VERSION
        assert store.rows("SELECT username FROM sign_in_attempts") == [("zj",)]
        assert auth.load(store, "zj").units == ("乙局", "甲局")
        assert auth.load(store, "admin").units is None
        assert sorted(store.rows("SELECT unit, section FROM section_contacts")) == [
            ("乙局", "中教科"),
            ("甲局", "中教科"),
        ]
    finally:
        store.close()


# -- finding 9: nothing from the data is markup; no traceback reaches a visitor ---------------------------


def test_markdown_in_stored_text_is_shown_as_typed(tmp_path, monkeypatch):
    """A display name and a target text holding a markdown image: the page escapes them, so a
    viewer's browser never fetches the image."""
    import dataclasses

    from streamlit.testing.v1 import AppTest

    from perfdash.core.settings import PROJECT_ROOT

    db = tmp_path / "md.duckdb"
    monkeypatch.setenv("PERFDASH_DB", str(db))
    plan = shipped_plan()
    evil = "![x](http://evil.example/x.png)"
    plan.targets[0] = dataclasses.replace(plan.targets[0], target=evil + plan.targets[0].target)
    s = Store(db)
    build_demo(s, plan, DEMO_SEED)
    auth.register_account(s, OFFICE, "evil", evil, "office", None, PASSWORD)
    token = auth.start_session(s, auth.load(s, "evil"))
    s.close()
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "target.py"), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    at.query_params["code"] = plan.targets[0].code
    at.run()
    assert not at.exception
    shown = [m.value for m in at.markdown] + [c.value for c in at.sidebar.caption]
    assert any("evil" in v for v in shown)
    assert not any("![x](http" in v for v in shown)  # every ! [ ] ( ) escaped: text, not an image


def test_a_short_admin_password_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from perfdash.core.settings import PROJECT_ROOT

    monkeypatch.setenv("PERFDASH_DB", str(tmp_path / "short.duckdb"))
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "short")
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60).run()
    assert not at.exception
    assert any("系统尚未完成初始设置" in e.value for e in at.error)
    assert not any(str(tmp_path) in e.value for e in at.error)


def test_a_database_held_elsewhere_is_a_message_without_path_or_process(tmp_path, monkeypatch):
    import subprocess
    import sys

    from streamlit.testing.v1 import AppTest

    from perfdash.core.settings import PROJECT_ROOT

    db = tmp_path / "held.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("PERFDASH_DB", str(db))
        at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60).run()
        assert not at.exception
        message = " ".join(e.value for e in at.error)
        assert "系统暂时无法打开数据库" in message
        assert str(db) not in message and "PID" not in message and str(holder.pid) not in message
    finally:
        holder.communicate("", timeout=30)


def test_a_failing_page_shows_a_reference_not_a_traceback(db, tmp_path, monkeypatch):

    from perfdash.db import rollups

    monkeypatch.setenv("PERFDASH_SHOW_ERRORS", "0")  # as served to visitors
    from tests.fixtures import signed_in

    at = signed_in("app.py")

    def broken(*_a, **_k):
        raise RuntimeError(f"secret detail {tmp_path}")

    monkeypatch.setattr(rollups, "by_section", broken)
    at.switch_page("pages/sections.py").run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "页面出错了（错误编号" in message
    assert "secret detail" not in message and str(tmp_path) not in message
