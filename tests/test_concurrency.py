"""Concurrency and crashes: writers in threads and in processes lose no row and duplicate none;
a writer killed in the middle of a transaction leaves a database that opens with every committed
row and none of the uncommitted ones."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries
from perfdash.store import ProgressRow, Store
from tests.fixtures import shipped_plan
from tests.waiting import wait_until

TODAY = date(2025, 12, 31)
YEAR_DAYS = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
NATURAL_KEY = "plan_id, code, report_date"


@pytest.fixture
def db(plan_db) -> Path:
    """A database file holding the shipped plan (plan 1), closed again."""
    return plan_db


def owners() -> dict[str, list[str]]:
    """Each section's targets (lead or co), in plan order."""
    out: dict[str, list[str]] = {}
    for t in shipped_plan().targets:
        for section in t.sections:
            out.setdefault(section, []).append(t.code)
    return out


# -- threads sharing the app's Store ------------------------------------------------------------------

THREADS = 8
ROWS_PER_THREAD = 250
BATCH = 25
# Half the writers are the office (any target), half are sections writing their own targets.
WRITER_SECTIONS = ("办公室", "中教科", "初幼教科", "高教职教科")


def thread_rows(n: int, actor: Actor, codes: list[str]) -> list[ProgressRow]:
    """Writer n's rows: its own days of the year (every 8th), so no two writers share a key."""
    days = YEAR_DAYS[n::THREADS]
    pairs = [(day, code) for day in days for code in codes][:ROWS_PER_THREAD]
    assert len(pairs) == ROWS_PER_THREAD
    return [  # 0–99 %: 100 % would have to say 已完成 (progress.status_problem)
        ProgressRow(code, day, float((k * 7 + n) % 100), "推进中", f"w{n}-{k}") for k, (day, code) in enumerate(pairs)
    ]


@pytest.mark.slow  # 8 writer and 2 reader threads racing over 2000 rows
def test_threads_sharing_one_store_lose_and_duplicate_nothing(db, capsys):
    store = Store(db)
    by_section = owners()
    all_codes = [t.code for t in shipped_plan().targets]
    writers = []
    for n in range(THREADS):
        if n % 2 == 0:
            actor, codes = Actor.office(), all_codes
        else:
            section = WRITER_SECTIONS[n // 2]
            actor, codes = Actor.section(section), by_section[section]
        writers.append((actor, thread_rows(n, actor, codes)))
    start = threading.Barrier(THREADS + 2)
    done = threading.Event()
    errors: list[BaseException] = []
    reads = [0]

    def write(actor: Actor, rows: list[ProgressRow]) -> None:
        try:
            start.wait()
            for i in range(0, len(rows), BATCH):
                assert store.add_progress(1, rows[i : i + BATCH], actor, today=TODAY) == BATCH
        except BaseException as exc:  # reported below, with the thread's rows
            errors.append(exc)

    def read() -> None:
        # The dashboard keeps reading while sections write: reads see whole batches only.
        try:
            start.wait()
            while not done.is_set():
                n = int(store.scalar("SELECT count(*) FROM progress"))
                assert n % BATCH == 0, n
                queries.target_state(store, 1, TODAY, 2025)
                reads[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=w) for w in writers]
    threads += [threading.Thread(target=read) for _ in range(2)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[:THREADS]:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started
    done.set()
    for t in threads[THREADS:]:
        t.join(timeout=30)
    assert errors == []

    stored = store.query(
        "SELECT code, report_date, completion_pct::DOUBLE AS pct, status, note, reporter FROM progress"
    )
    distinct = store.scalar(f"SELECT count(*) FROM (SELECT DISTINCT {NATURAL_KEY} FROM progress)")  # noqa: S608
    store.close()
    expected = {
        (r.code, r.report_date, r.completion_pct, r.status, r.note, actor.name) for actor, rows in writers for r in rows
    }
    got = {
        (r.code, pd.Timestamp(r.report_date).date(), r.pct, r.status, r.note, r.reporter) for r in stored.itertuples()
    }
    assert len(stored) == THREADS * ROWS_PER_THREAD == 2000
    assert distinct == 2000
    assert got == expected
    with capsys.disabled():
        print(
            f"\n{THREADS} threads × {ROWS_PER_THREAD} rows in batches of {BATCH} through add_progress "
            f"(+2 reader threads, {reads[0]} reads): {len(stored)} rows, {distinct} distinct keys, "
            f"{elapsed:.2f} s"
        )


# -- processes: the CLI import, four at once on one file -------------------------------------------------

PROCESSES = 4
ROWS_PER_PROCESS = 150
ENCODINGS = ("utf-8", "gbk", "utf-8-sig", "utf-8")


@pytest.mark.slow  # four `python -m perfdash` processes racing for the file lock
def test_processes_importing_at_once_all_succeed_and_add_up(db, tmp_path, capsys):
    codes = [t.code for t in shipped_plan().targets]
    files = []
    for n in range(PROCESSES):
        pairs = [(day, code) for day in YEAR_DAYS[n::PROCESSES] for code in codes][:ROWS_PER_PROCESS]
        lines = ["编号,填报日期,完成率(%),状态,进展说明"] + [
            f"{code},{day.isoformat()},{(k % 99) + 1.5},推进中,进程{n}第{k}行" for k, (day, code) in enumerate(pairs)
        ]
        path = tmp_path / f"p{n}.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode(ENCODINGS[n]))
        files.append(path)
    # Hold the file while the four start, so that every one of them has to wait for the lock and
    # they all race for it when it is let go: let go once each has said it is waiting.
    holder = Store(db)
    errs = [tmp_path / f"p{n}.err" for n in range(PROCESSES)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "perfdash", "progress", "import", str(f), "--db", str(db), "--as", "绩效办"],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=err.open("w"),
            text=True,
        )
        for f, err in zip(files, errs, strict=True)
    ]
    started = time.perf_counter()
    wait_until(
        lambda: all("正被另一个程序使用" in e.read_text(encoding="utf-8") for e in errs),
        120,
        "every import waiting for the lock",
    )
    holder.close()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    results = [(out, e.read_text(encoding="utf-8")) for out, e in zip(outs, errs, strict=True)]
    elapsed = time.perf_counter() - started
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert f"已导入 {ROWS_PER_PROCESS} 条进度记录" in out
    store = Store(db)
    total = store.scalar("SELECT count(*) FROM progress")
    distinct = store.scalar(f"SELECT count(*) FROM (SELECT DISTINCT {NATURAL_KEY} FROM progress)")  # noqa: S608
    per_file = store.query(
        "SELECT regexp_extract(note, '进程(\\d)', 1) AS n, count(*) AS rows FROM progress GROUP BY 1"
    )
    store.close()
    assert total == distinct == PROCESSES * ROWS_PER_PROCESS == 600
    assert dict(zip(per_file["n"], per_file["rows"], strict=True)) == {str(n): 150 for n in range(PROCESSES)}
    with capsys.disabled():
        print(
            f"\n{PROCESSES} processes × {ROWS_PER_PROCESS} rows via `python -m perfdash progress import` "
            f"(file held until all four waited): all exit 0, {total} rows, {elapsed:.2f} s"
        )


# -- a writer killed with SIGKILL ------------------------------------------------------------------------

# The child: commit K batches through add_progress (printing after each commit), then one of
# several moments to be killed in. Every committed row's note starts with "<tag>-c"; rows that are
# never committed carry "<tag>-u".
CHILD = r"""
import sys
from datetime import date, timedelta
from perfdash.core.access import Actor
from perfdash.store import ProgressRow, Store

db, tag, batches, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = Store(db)
codes = sorted(store.progress_rules(1)[1])[:10]
for b in range(batches):
    day = date(2025, 1, 1) + timedelta(days=b)
    rows = [ProgressRow(c, day, 40, "推进中", f"{tag}-c{b}") for c in codes]
    store.add_progress(1, rows, Actor.office(), today=date(2025, 12, 31))
    print(f"committed {b}", flush=True)
INSERT = (
    "INSERT INTO progress (plan_id, code, report_date, completion_pct, status, note, reporter) "
    "SELECT 1, '7-2', DATE '2025-06-30', 50, '推进中', ?, 'kill-test' FROM range(?)"
)
cur = store.con.cursor()
if mode == "checkpoint":
    # Committed work kept in the log, then killed while the checkpoint moves it into the file.
    cur.execute("SET checkpoint_threshold = '1GB'")
    for k in range(int(sys.argv[5]) // 50000):
        cur.execute(INSERT, [f"{tag}-cbig", 50000])
    print("committed big", flush=True)
    print("checkpointing", flush=True)
    cur.execute("CHECKPOINT")
    print("finished", flush=True)
    sys.stdin.read()
cur.execute("BEGIN TRANSACTION")
if mode == "blocked":
    cur.execute(INSERT, [f"{tag}-u", 100])
    print("in transaction", flush=True)
    sys.stdin.read()
elif mode == "large-insert":
    print("inserting", flush=True)
    cur.execute(INSERT, [f"{tag}-u", int(sys.argv[5])])
    print("finished", flush=True)
    sys.stdin.read()
elif mode == "commit":
    cur.execute(INSERT, [f"{tag}-maybe", int(sys.argv[5])])
    print("committing", flush=True)
    cur.execute("COMMIT")
    print("finished", flush=True)
    sys.stdin.read()
"""

# (tag, committed batches, mode, rows of the big statement, line to wait for, seconds after it)
KILLS = (
    ("k1", 1, "blocked", 0, "in transaction", 0.0),
    ("k2", 4, "blocked", 0, "in transaction", 0.0),
    ("k3", 2, "large-insert", 3_000_000, "inserting", 0.5),
    ("k4", 1, "commit", 3_000_000, "committing", 0.3),
    ("k5", 1, "checkpoint", 1_500_000, "checkpointing", 0.15),
)


class Child:
    """A child process whose output lines arrive on a queue (read with a timeout)."""

    def __init__(self, args: list[str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"child never printed {text!r}; stderr: {self.proc.stderr.read()}") from None
            self.seen.append(line)
            if line == text:
                return

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.pump.join(timeout=30)  # the pipe is closed: the pump ends once it has read every line
        assert not self.pump.is_alive(), "the child's output never ended"
        while not self.lines.empty():
            self.seen.append(self.lines.get())


@pytest.mark.slow
def test_a_writer_killed_mid_transaction_loses_only_what_it_had_not_committed(db, capsys):
    committed_before = 0
    survived = 0
    report = []
    for tag, batches, mode, size, wait_for, delay in KILLS:
        child = Child([str(db), tag, str(batches), mode, str(size)])
        try:
            for b in range(batches):
                child.expect(f"committed {b}")
            if mode == "checkpoint":
                child.expect("committed big")
            child.expect(wait_for)
            # Not a wait for something: the scenario's kill point, ``delay`` seconds into the step
            # (a large insert or commit under way), where no line marks the moment.
            time.sleep(delay)
        finally:
            child.kill()
        assert child.proc.returncode == -signal.SIGKILL
        landed = "after the step finished" if "finished" in child.seen else "mid-step"

        store = Store(db)  # opens: the log of the killed writer is replayed or discarded
        try:
            notes = store.query(
                "SELECT note, count(*) AS n FROM progress WHERE note LIKE ? GROUP BY note", [f"{tag}-%"]
            )
            counts = dict(zip(notes["note"], notes["n"].astype(int), strict=True))
            expected = {f"{tag}-c{b}": 10 for b in range(batches)}
            if mode == "checkpoint":
                expected[f"{tag}-cbig"] = size  # committed before the kill: must all be there
            maybe = counts.pop(f"{tag}-maybe", 0)
            assert maybe in (0, size), f"{tag}: a half-committed transaction ({maybe} of {size} rows)"
            assert counts == expected, tag  # every committed row, no uncommitted one
            committed_before += sum(expected.values()) + maybe
            assert store.scalar("SELECT count(*) FROM progress") == committed_before
            # Every earlier round's rows are still there, and the database takes writes again.
            store.add_progress(
                1,
                [ProgressRow("7-4", date(2025, 3, 1) + timedelta(days=survived), 1, "推进中", f"{tag}-after")],
                Actor.office(),
                today=TODAY,
            )
            committed_before += 1
        finally:
            store.close()
        survived += 1
        outcome = "" if mode != "commit" else f", commit {'kept' if maybe else 'discarded'} whole"
        report.append(f"{tag} {mode} after {batches} commits: killed {landed}{outcome}")
    assert survived == len(KILLS)
    with capsys.disabled():
        print(f"\nSIGKILL survived {survived}/{len(KILLS)} times; {committed_before} committed rows all present")
        for line in report:
            print(f"  {line}")
