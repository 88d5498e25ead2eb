"""核验与迎检 (#34) through AppTest: the office accepts and returns claims, a section resubmits with
a note and files evidence under checklist items, the office saves a checklist; the package's job
runner (with a stand-in builder, and the real one once perfdash.present.inspection_package is
there); every role's view in Chinese with claims in every state."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from perfdash.app import package_jobs
from perfdash.core.access import Actor
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import evaluation
from tests.fixtures import signed_in
from tests.test_chinese import CJK, ENGLISH, RAW_JSON, _bad_cell, _headers, _texts

PAGE = "pages/verification.py"
OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1, 1-3-2, 1-3-3
XIAOAN = Actor("section", "校安科", "xa")  # leads 7-4 (90 %, 推进中 in the demo)
TODAY = date(2025, 12, 31)
DAY = date(2025, 11, 28)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _claim(db: Path, code: str, actor: Actor) -> int:
    """A section reports ``code`` 100% 已完成: a claim in the queue; returns its number."""
    store = Store(db)
    try:
        store.add_progress(1, [ProgressRow(code, DAY, 100, "已完成", "全部完成")], actor, today=TODAY)
        return int(store.scalar("SELECT max(claim_id) FROM claims WHERE code = $c", {"c": code}))
    finally:
        store.close()


def _row(db: Path, sql: str, params: list | None = None) -> tuple | None:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchone()
    finally:
        con.close()


def _with(db: Path, write) -> None:
    store = Store(db)
    try:
        write(store)
    finally:
        store.close()


def _texts_of(at: AppTest, kind: str) -> list[str]:
    return [str(e.value).replace("\\", "") for e in at.get(kind)]  # markdown escapes shown text


def test_the_office_accepts_one_claim_and_returns_another_with_a_reason(db):
    first, second = _claim(db, "1-3-1", ZHONGJIAO), _claim(db, "7-4", XIAOAN)
    at = signed_in(PAGE).run()
    assert not at.exception, at.exception
    shown = "\n".join(_texts_of(at, "markdown"))
    assert "待核验 **2** 项" in shown and "1-3-1" in shown and "7-4" in shown
    assert any("须经绩效办核验后才计入正式得分" in c for c in _texts_of(at, "caption"))

    at.button(key=f"accept_{first}").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT state FROM claims WHERE claim_id = ?", [first]) == ("accepted",)
    assert any("已通过 1-3-1 的核验" in s for s in _texts_of(at, "success"))

    # 退回 without a reason is refused in place; nothing changes.
    at.button(key=f"return_{second}").click().run()
    assert any("请填写核验意见" in e for e in _texts_of(at, "error"))
    assert _row(db, "SELECT state FROM claims WHERE claim_id = ?", [second]) == ("pending",)
    at.text_area(key=f"decide_note_{second}").set_value("缺少消防演练照片")
    at.button(key=f"return_{second}").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT state, decision_note FROM claims WHERE claim_id = ?", [second]) == (
        "returned",
        "缺少消防演练照片",
    )
    shown = "\n".join(_texts_of(at, "markdown"))
    assert "已退回待科室修改 **1** 项" in shown and "退回理由**：缺少消防演练照片" in shown
    assert not [b for b in at.button if b.key == f"return_{second}"]  # a returned claim waits for its section


def test_a_refused_resubmission_keeps_the_note(db):
    cid = _claim(db, "1-3-1", ZHONGJIAO)
    _with(db, lambda s: s.decide_claim(1, cid, False, "缺少验收报告", OFFICE))
    at = signed_in(PAGE, "section", "中教科").run()
    at.text_area(key=f"resubmit_note_{cid}").set_value("已补充验收报告")
    _with(db, lambda s: s.set_lock(1, True, OFFICE))  # the office locks the year meanwhile
    at.button(key=f"resubmit_{cid}").click().run()
    assert any("已由绩效办锁定" in e for e in _texts_of(at, "error"))
    assert at.text_area(key=f"resubmit_note_{cid}").value == "已补充验收报告"
    assert _row(db, "SELECT state FROM claims WHERE claim_id = ?", [cid]) == ("returned",)


def test_a_section_sees_why_and_resubmits_with_a_note(db):
    cid = _claim(db, "1-3-1", ZHONGJIAO)
    _with(db, lambda s: s.decide_claim(1, cid, False, "缺少验收报告", OFFICE))
    at = signed_in(PAGE, "section", "中教科").run()
    assert not at.exception, at.exception
    assert any("退回理由**：缺少验收报告" in m for m in _texts_of(at, "markdown"))
    at.button(key=f"resubmit_{cid}").click().run()  # no note: refused
    assert any("请填写修改说明" in e for e in _texts_of(at, "error"))
    at.text_area(key=f"resubmit_note_{cid}").set_value("已补充验收报告")
    at.button(key=f"resubmit_{cid}").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT state, resubmit_note FROM claims WHERE claim_id = ?", [cid]) == (
        "pending",
        "已补充验收报告",
    )
    assert any("已重新提交 1-3-1" in s for s in _texts_of(at, "success"))
    # The office sees what was fixed.
    office = signed_in(PAGE).run()
    assert any("科室已修改并重新提交" in m and "已补充验收报告" in m for m in _texts_of(office, "markdown"))


def test_the_office_saves_a_checklist_and_confirms_the_rest(db):
    at = signed_in(PAGE).run()
    at.selectbox(key="checklist_code").set_value("1-3-1").run()
    titles = list(at.dataframe[0].value["清单项"])
    assert len(titles) >= 2 and titles[-1] == "工作完成情况说明"
    at.text_area(key="checklist_text_1-3-1").set_value("结对协议\n" + titles[-1])
    at.button(key="checklist_save_1-3-1").click().run()
    assert not at.exception, at.exception
    assert any("已保存 1-3-1 的佐证清单（2 项）" in s for s in _texts_of(at, "success"))
    con = duckdb.connect(str(db))
    try:
        stored = con.execute("SELECT title FROM evidence_items WHERE code = '1-3-1' ORDER BY position").fetchall()
    finally:
        con.close()
    assert [t for (t,) in stored] == ["结对协议", "工作完成情况说明"]
    # Too many items: refused, the text stays as typed.
    many = "\n".join(f"第{n}项" for n in range(1, 10))
    at.text_area(key="checklist_text_1-3-1").set_value(many)
    at.button(key="checklist_save_1-3-1").click().run()
    assert any("最多 8 项" in e for e in _texts_of(at, "error"))
    assert at.text_area(key="checklist_text_1-3-1").value == many
    at.button(key="confirm_all").click().run()
    assert any("已确认 60 个目标的建议清单" in s for s in _texts_of(at, "success"))
    assert _row(db, "SELECT count(DISTINCT code) FROM evidence_items") == (61,)


def test_the_office_marks_a_report_for_checking(db):
    at = signed_in(PAGE).run()
    at.selectbox(key="check_code").set_value("1-1-1")
    at.text_input(key="check_note").set_value("核对开工证明")
    at.button(key="check_mark").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT reason, state, decision_note FROM claims WHERE code = '1-1-1' AND state = 'pending'") == (
        "office",
        "pending",
        "核对开工证明",
    )
    assert any("抽查说明：核对开工证明" in m for m in _texts_of(at, "markdown"))


def test_a_section_uploads_evidence_to_an_item_and_files_a_loose_one(db):
    at = signed_in(PAGE, "section", "中教科").run()
    at.selectbox(key="items_code").set_value("1-3-1").run()
    at.selectbox(key="item_pick_1-3-1").set_value(2)
    at.file_uploader(key="item_upload_1-3-1_0").set_value(("伪装.pdf", b"not a pdf", "application/pdf")).run()
    at.button(key="item_save_1-3-1").click().run()
    assert any("文件内容与扩展名不符" in e for e in _texts_of(at, "error"))  # the upload checks hold
    assert _row(db, "SELECT count(*) FROM evidence") == (0,)
    at.file_uploader(key="item_upload_1-3-1_0").set_value(("结对协议.pdf", PDF, "application/pdf")).run()
    at.button(key="item_save_1-3-1").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT code, item_seq, file_name, uploaded_by FROM evidence") == (
        "1-3-1",
        2,
        "结对协议.pdf",
        "中教科",
    )
    assert any(":material/check_circle:] 2." in m and "结对协议.pdf" in m for m in _texts_of(at, "markdown"))
    assert [u for u in at.get("file_uploader") if u.key == "item_upload_1-3-1_1"]  # a fresh uploader: not saved twice

    # A file uploaded elsewhere (科室自评) is unfiled; the section files it under an item.
    _with(db, lambda s: evaluation.store_evidence(s, 1, "1-3-1", "照片.png", b"\x89PNG\r\n\x1a\n0", ZHONGJIAO))
    at.run()
    assert any("未归类的材料：照片.png" in m for m in _texts_of(at, "markdown"))
    at.selectbox(key="loose_item_1-3-1").set_value(1)
    at.button(key="loose_file_1-3-1").click().run()
    assert not at.exception, at.exception
    assert _row(db, "SELECT item_seq FROM evidence WHERE file_name = '照片.png'") == (1,)


def test_a_leader_reads_the_queue_but_cannot_decide(db):
    cid = _claim(db, "1-3-1", ZHONGJIAO)
    at = signed_in(PAGE, "leader", "李自坚").run()
    assert not at.exception, at.exception
    assert any("1-3-1" in m for m in _texts_of(at, "markdown"))
    keys = {b.key for b in at.button}
    assert f"accept_{cid}" not in keys and f"return_{cid}" not in keys
    assert "package_start" in keys


def _chinese_problems(at: AppTest) -> list[str]:
    problems = []
    for frame in at.dataframe:
        if len(frame.value) == 0:
            problems.append("an empty table")
        for name, label in _headers(frame).items():
            if not CJK.search(label):
                problems.append(f"column header {label!r}")
            problems += [f"{label}: {v!r}" for v in frame.value[name].tolist() if _bad_cell(v)]
    problems += [t[:120] for t in _texts(at) if ENGLISH.search(t) or RAW_JSON.search(t)]
    return problems


@pytest.mark.parametrize(("role", "scope"), [("office", None), ("section", "中教科"), ("leader", "李自坚")])
def test_every_view_speaks_chinese_with_claims_in_every_state(db, role, scope):
    accepted, returned = _claim(db, "1-3-1", ZHONGJIAO), _claim(db, "1-3-3", ZHONGJIAO)
    _claim(db, "1-3-2", ZHONGJIAO)  # pending

    def settle(s: Store) -> None:
        s.decide_claim(1, accepted, True, "", OFFICE)
        s.decide_claim(1, returned, False, "缺少验收报告", OFFICE)
        evaluation.store_evidence(s, 1, "1-3-2", "协议.pdf", PDF, ZHONGJIAO, item_seq=1)

    _with(db, settle)
    at = signed_in(PAGE, role, scope).run()
    assert not at.exception, at.exception
    assert not _chinese_problems(at), _chinese_problems(at)


# -- the package's job runner -------------------------------------------------------------------


def _wait(jobs: package_jobs.PackageJobs, owner: str, timeout: float = 30) -> package_jobs.JobStatus:
    """The owner's build once it has finished (polled; fails after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        status = jobs.latest(owner)
        if status is not None and status.state != package_jobs.RUNNING:
            return status
        assert time.monotonic() < deadline, "the build never finished"
        time.sleep(0.02)


class FakeBuilder:
    """build_package's signature: writes a small zip, reports progress, waits for ``release``."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.release, self.started = threading.Event(), threading.Event()
        self.fail = fail
        self.calls: list[dict] = []
        self.release.set()

    def __call__(self, store, plan_id, out: Path, actor, section=None, progress=None):
        self.calls.append({"plan_id": plan_id, "actor": actor, "section": section, "out": out})
        progress(1, 3, "1-1-1")
        out.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
        self.started.set()
        assert self.release.wait(30)
        if self.fail is not None:
            raise self.fail
        progress(3, 3, "目录")
        return SimpleNamespace(path=out, targets=3, files=2, missing_items=4, bytes=out.stat().st_size, seconds=0.5)


def test_a_build_runs_in_the_background_and_its_folder_goes_with_it(tmp_path):
    fake = FakeBuilder()
    fake.release.clear()
    jobs = package_jobs.PackageJobs(max_running=2, root=tmp_path, builder=fake)
    first = jobs.start("alice", None, 1, OFFICE, None, "材料包/全部:目标.zip", "全部目标")
    assert first.state == package_jobs.RUNNING and first.file_name == "材料包_全部_目标.zip"  # no path separators
    assert fake.started.wait(30)
    running = jobs.latest("alice")
    assert (running.done, running.total, running.step) == (1, 3, "1-1-1") and running.fraction == pytest.approx(1 / 3)
    with pytest.raises(StoreError, match="上一个材料包还在生成"):
        jobs.start("alice", None, 1, OFFICE, None, "x.zip", "全部目标")
    fake.release.set()
    done = _wait(jobs, "alice")
    assert done.state == package_jobs.DONE and done.path.is_file() and done.result.files == 2
    assert done.path.parent.parent == tmp_path
    # A new build removes the last package; a discarded one goes at once.
    again = jobs.start("alice", None, 1, OFFICE, "中教科", "y.zip", "中教科的目标")
    assert not done.path.exists()
    assert _wait(jobs, "alice").state == package_jobs.DONE and fake.calls[-1]["section"] == "中教科"
    jobs.discard("alice")
    assert jobs.latest("alice") is None and list(tmp_path.iterdir()) == []
    assert again.job_id != first.job_id


def test_builds_are_bounded_per_server_and_failures_leave_nothing(tmp_path):
    fake = FakeBuilder()
    fake.release.clear()
    jobs = package_jobs.PackageJobs(max_running=1, root=tmp_path, builder=fake)
    jobs.start("alice", None, 1, OFFICE, None, "a.zip", "全部目标")
    with pytest.raises(StoreError, match="已达上限（1 个）"):
        jobs.start("bob", None, 1, OFFICE, None, "b.zip", "全部目标")
    fake.release.set()
    _wait(jobs, "alice")
    (tmp_path / "f").mkdir()
    failing = package_jobs.PackageJobs(root=tmp_path / "f", builder=FakeBuilder(fail=StoreError("没有可打包的目标")))
    failing.start("bob", None, 1, OFFICE, None, "b.zip", "全部目标")
    assert _wait(failing, "bob").error == "没有可打包的目标"
    assert list((tmp_path / "f").iterdir()) == []  # the half-built package is gone
    crashing = package_jobs.PackageJobs(root=tmp_path / "f", builder=FakeBuilder(fail=RuntimeError("disk")))
    crashing.start("carol", None, 1, OFFICE, None, "c.zip", "全部目标")
    assert "错误编号" in _wait(crashing, "carol").error  # no traceback for the visitor
    expired = package_jobs.PackageJobs(keep_seconds=0, root=tmp_path / "f", builder=FakeBuilder())
    expired.start("dave", None, 1, OFFICE, None, "d.zip", "全部目标")
    deadline = time.monotonic() + 30
    while expired.latest("dave") is not None:  # swept once finished: keep_seconds is 0
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert list((tmp_path / "f").iterdir()) == []
    jobs.close()
    assert list(tmp_path.iterdir()) == [tmp_path / "f"]


@pytest.fixture
def fake_jobs(tmp_path, monkeypatch) -> tuple[package_jobs.PackageJobs, FakeBuilder]:
    fake = FakeBuilder()
    jobs = package_jobs.PackageJobs(root=tmp_path, builder=fake)
    monkeypatch.setattr(package_jobs, "JOBS", jobs)
    return jobs, fake


def _finished_page(at: AppTest, jobs: package_jobs.PackageJobs) -> AppTest:
    """The page once the build it started is done (the timer that polls does not tick under AppTest)."""
    owner = next(iter(jobs._jobs))
    _wait(jobs, owner)
    return at.run()


def test_the_office_builds_the_whole_plan_or_one_section(db, fake_jobs):
    jobs, fake = fake_jobs
    at = signed_in(PAGE).run()
    at.button(key="package_start").click().run()
    assert not at.exception, at.exception
    at = _finished_page(at, jobs)
    assert fake.calls[-1]["section"] is None and fake.calls[-1]["actor"].role == "office"
    assert any("材料包已生成（全部目标）：3 个目标、2 份材料" in s for s in _texts_of(at, "success"))
    download = at.get("download_button")
    assert [d for d in download if d.proto.id and "inspection_package" in d.proto.id]
    at.radio(key="package_scope").set_value("一个科室的目标").run()
    at.selectbox(key="package_section").set_value("校安科")
    at.button(key="package_start").click().run()
    _finished_page(at, jobs)
    assert fake.calls[-1]["section"] == "校安科"


def test_a_section_builds_only_its_own_package(db, fake_jobs):
    jobs, fake = fake_jobs
    at = signed_in(PAGE, "section", "中教科").run()
    assert not [r for r in at.radio if r.key == "package_scope"]  # no choice of scope
    at.button(key="package_start").click().run()
    at = _finished_page(at, jobs)
    assert fake.calls[-1]["section"] == "中教科"
    assert any("材料包已生成（中教科的目标）" in s for s in _texts_of(at, "success"))


def test_the_real_package_builds_from_the_page(db, tmp_path, monkeypatch):
    pytest.importorskip("perfdash.present.inspection_package")
    jobs = package_jobs.PackageJobs(root=tmp_path)
    monkeypatch.setattr(package_jobs, "JOBS", jobs)
    at = signed_in(PAGE, "section", "中教科").run()
    at.button(key="package_start").click().run()
    status = _wait(jobs, next(iter(jobs._jobs)), timeout=120)
    assert status.state == package_jobs.DONE, status.error
    assert status.path.is_file() and status.result.targets > 0
    at.run()
    assert not at.exception, at.exception
    assert any("材料包已生成（中教科的目标）" in s for s in _texts_of(at, "success"))
