"""One app process of the multi-process test (python -m tests.pg_worker URL NAME CODE COUNT OTHER):
the shared store the pages use (perfdash.server.startup.shared_store) writes COUNT progress reports
for target CODE, one transaction each, while a thread watches for the reports of the process named
OTHER. Prints one JSON object: when each own report committed, when each of OTHER's was first seen."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import date, timedelta

from perfdash.core.access import Actor
from perfdash.server.startup import shared_store
from perfdash.store import ProgressRow


def main(url: str, name: str, code: str, count: int, other: str) -> None:
    store = shared_store(url, tell=lambda _: None)
    plan_id = int(store.scalar("SELECT min(plan_id) FROM plans"))
    committed: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        deadline = time.time() + 60
        while time.time() < deadline and len(seen) < count:
            for (note,) in store.rows("SELECT note FROM progress WHERE note LIKE ?", [f"{other}-%"]):
                seen.setdefault(note, time.time())
            time.sleep(0.02)  # the watcher's sampling interval (20 ms resolution), not a wait
        done.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for i in range(count):
        row = ProgressRow(code, date(2025, 1, 1) + timedelta(days=i), min(100, i * 3), "推进中", f"{name}-{i}")
        store.add_progress(plan_id, [row], Actor.office(), today=date(2025, 12, 31))
        committed[f"{name}-{i}"] = time.time()
        time.sleep(0.05)  # the scenario's pace: one report every 50 ms, so each is seen apart
    done.wait(70)
    print(json.dumps({"committed": committed, "seen": seen}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
