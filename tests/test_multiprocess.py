"""Several app processes and the command line over one PostgreSQL: each process's write is visible
in the other within a second, nothing is lost, every write has its audit entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from perfdash.core.settings import PROJECT_ROOT
from perfdash.store import Store
from tests.fixtures import PLAN_FILE
from tests.running import run_cli
from tests.waiting import wait_until

COUNT = 25  # reports written by each app process


def _wait_for_writes(url: str, notes: list[str], seconds: float = 60) -> None:
    """Until PostgreSQL holds a progress report with each of ``notes`` (the workers have begun)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:

        def all_there() -> bool:
            found = conn.execute("SELECT count(DISTINCT note) FROM progress WHERE note = ANY(%s)", [notes]).fetchone()
            return bool(found and found[0] == len(notes))

        wait_until(all_there, seconds, f"a report {notes} in PostgreSQL", every=0.05)


def test_two_app_processes_and_the_cli_share_one_postgresql(pg_cluster, tmp_path):
    url = pg_cluster.new_database()
    made = run_cli("import", str(PLAN_FILE), "--db", url, process=True)
    assert made.code == 0, made.err
    csv = tmp_path / "cli.csv"
    csv.write_text(
        "编号,填报日期,完成率(%),状态,进展说明\n"
        + "".join(f"7-3,2025-03-{d:02d},{d * 2},推进中,cli-{d}\n" for d in range(1, 11)),
        encoding="utf-8",
    )
    env = {**os.environ, "PERFDASH_ADMIN_PASSWORD": "a-long-test-password"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.pg_worker", url, name, code, str(COUNT), other],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, code, other in (("A", "7-1", "B"), ("B", "7-2", "A"))
    ]
    _wait_for_writes(url, ["A-0", "B-0"])  # both writing: the command line writes and backs up meanwhile
    cli = run_cli("progress", "import", str(csv), "--db", url, "--as", "绩效办", process=True)
    backup = run_cli("backup", "--db", url, "--out", str(tmp_path / "backup"), process=True)
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    assert cli.code == 0, cli.err
    assert backup.code == 0, backup.err

    a, b = (json.loads(out.strip().splitlines()[-1]) for out, _ in outputs)
    lags = [b["seen"][note] - t for note, t in a["committed"].items()]
    lags += [a["seen"][note] - t for note, t in b["committed"].items()]
    assert len(lags) == 2 * COUNT  # every write seen by the other process
    print(f"visibility in the other process: median {sorted(lags)[len(lags) // 2]:.3f} s, max {max(lags):.3f} s")
    assert max(lags) < 1.0, sorted(lags)[-5:]

    store = Store(url)
    try:
        notes = [n for (n,) in store.rows("SELECT note FROM progress ORDER BY progress_id")]
        assert sorted(notes) == sorted(
            [f"A-{i}" for i in range(COUNT)] + [f"B-{i}" for i in range(COUNT)] + [f"cli-{d}" for d in range(1, 11)]
        )
        audited = store.rows("SELECT new_value FROM audit_log WHERE action = '填报进度'")
        written = sorted(row["note"] for (value,) in audited for row in json.loads(value))
        assert written == sorted(notes)  # one audit entry per write, naming every row it wrote
        # plan import + 2 × COUNT reports + the command line's import + the admin account
        assert store.version() == int(store.scalar("SELECT value FROM meta WHERE key = 'data_version'"))
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '填报进度'") == 2 * COUNT + 1
    finally:
        store.close()
    restored = tmp_path / "restored.duckdb"
    assert run_cli("restore", str(tmp_path / "backup"), "--db", str(restored), process=True).code == 0
    copy = Store(restored)
    try:  # the backup is one consistent moment: the plan, and whole writes only
        assert copy.scalar("SELECT count(*) FROM targets") == 61
        assert copy.scalar("SELECT count(*) FROM progress") == copy.scalar(
            "SELECT coalesce(sum(json_array_length(new_value::JSON)), 0) FROM audit_log WHERE action = '填报进度'"
        )
    finally:
        copy.close()


def test_two_servers_on_one_postgresql_both_serve(pg_cluster, tmp_path):
    """Two ``perfdash serve`` processes on one PostgreSQL database start and answer; only one of
    them takes the scheduled backups."""
    from perfdash.bench import servers as servers_mod

    url = pg_cluster.new_database()
    env = {**os.environ, "PERFDASH_ADMIN_PASSWORD": "a-long-test-password", "PERFDASH_BACKUP_DIR": str(tmp_path)}
    ports = [servers_mod.free_port(), servers_mod.free_port()]
    servers = []
    try:
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "perfdash", "serve", "--db", url, "--port", str(port)],
                    cwd=PROJECT_ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=env,
                )
            )
            assert servers_mod.healthy(f"http://127.0.0.1:{port}", servers[-1], 90), "server did not start"
    finally:
        for s in servers:
            s.terminate()
        logs = [s.communicate(timeout=30)[0] for s in servers]
    assert "定时备份：每" in logs[0]
    assert "定时备份由同一数据库的另一个看板进程负责" in logs[1]


# A second app process that answers, for each line (a session token, or "screen:" and a meeting
# screen token) it reads, whether its own store accepts it: 1 or 0.
CHECKER = """
import sys
from perfdash.server.startup import shared_store
from perfdash.ops import auth

store = shared_store(sys.argv[1], tell=lambda _: None)
print("ready", flush=True)
for line in sys.stdin:
    token = line.strip()
    if token.startswith("screen:"):
        ok = auth.kiosk_token_valid(store, token.removeprefix("screen:"))
    else:
        ok = auth.session_account(store, token) is not None
    print(int(ok), flush=True)
"""


def test_a_sign_out_reaches_every_process_before_it_returns(pg_cluster):
    """Finding (issue 29): a revoked cookie was accepted by the other process for up to ~90 ms
    (11 of 20 tries), until its mirror caught up. Sessions and screen tokens are now checked
    against PostgreSQL itself: a sign-out (or a revoked screen) is refused everywhere as soon as
    it returns. Each round asks the other process right after the change."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth

    url = pg_cluster.new_database()
    store = Store(url)
    office = Actor("office", "绩效办", "admin")
    checker = subprocess.Popen(
        [sys.executable, "-c", CHECKER, url],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert checker.stdout.readline().strip() == "ready"

        def other_accepts(token: str) -> bool:
            checker.stdin.write(token + "\n")
            checker.stdin.flush()
            return checker.stdout.readline().strip() == "1"

        auth.register_account(store, office, "zhongjiao", "张少杰", "section", "中教科", "correct-horse-battery")
        account = auth.load(store, "zhongjiao")
        answers = []
        for _ in range(20):
            token = auth.start_session(store, account)
            accepted = other_accepts(token)
            auth.end_session(store, token)
            answers.append((accepted, other_accepts(token)))
        assert answers == [(True, False)] * 20
        screens = []
        for n in range(5):
            screen = auth.new_kiosk_token(store, office, f"大屏{n}")
            accepted = other_accepts(f"screen:{screen}")
            store.revoke_kiosk_token(office, auth.session_hash(screen))
            screens.append((accepted, other_accepts(f"screen:{screen}")))
        assert screens == [(True, False)] * 5
        started = time.perf_counter()
        for _ in range(50):
            auth.session_account(store, token)
        print(f"one session check against PostgreSQL: {(time.perf_counter() - started) / 50 * 1000:.2f} ms")
    finally:
        checker.stdin.close()
        checker.wait(timeout=30)
        store.close()
