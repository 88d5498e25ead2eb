"""Shared test data built by code: the shipped plan, fresh temp stores, a demo database."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from perfdash.core.settings import PROJECT_ROOT
from perfdash.plan import Plan, read_plan, validate

PLAN_FILE = PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"
DEMO_SEED = 2025


def shipped_plan() -> Plan:
    return read_plan(PLAN_FILE)


def amended(plan: Plan, drop: str, change: str, add_from: str, new_code: str) -> Plan:
    """A copy of ``plan`` with one target dropped, one target's points changed (+1 moved from
    the dropped one keeps totals) and one new target cloned from another."""
    targets = []
    for t in plan.targets:
        if t.code == drop:
            continue
        if t.code == change:
            t = dataclasses.replace(t, target=t.target + "（修订）")
        targets.append(t)
        if t.code == add_from:
            targets.append(dataclasses.replace(t, code=new_code, target="新增目标：" + t.target))
    new = Plan(unit=plan.unit, year=plan.year, title=plan.title, targets=targets, source_name="amended.txt")
    new.checks = validate(new)
    return new


def db_file(tmp_path: Path, name: str = "test.duckdb") -> Path:
    return tmp_path / name


def demo_db_path(tmp_path: Path, name: str = "demo.duckdb") -> Path:
    """A closed database file holding the shipped plan and its demo history."""
    from perfdash.app.demo import build_demo
    from perfdash.store import Store

    path = tmp_path / name
    store = Store(path)
    try:
        build_demo(store, shipped_plan(), DEMO_SEED)
    finally:
        store.close()
    return path


def plotly_values(trace: dict, key: str) -> list:
    """A trace's array from a figure's JSON: a plain list, or plotly's typed-array form
    ({"dtype": "f8", "bdata": base64}) that plotly 7 writes for numeric arrays."""
    import base64

    import numpy as np

    value = trace[key]
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:  # 2-D arrays (heatmaps) carry their shape as "rows, columns"
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    return list(value)


def signed_in(script: str, role: str = "office", scope: str | None = None, now=None):
    """An AppTest of a page (path from the project root), signed in as an account of that role
    (a session begun ``now``, default the present). The database named by PERFDASH_DB is prepared
    first (plan, demo data, the account)."""
    import hashlib
    import os

    from streamlit.testing.v1 import AppTest

    from perfdash.app.demo import bootstrap
    from perfdash.core.access import Actor
    from perfdash.core.settings import PROJECT_ROOT
    from perfdash.ops import auth
    from perfdash.store import Store

    store = Store(os.environ["PERFDASH_DB"])
    try:
        bootstrap(store, PLAN_FILE, DEMO_SEED)
        username = f"t_{role}_{hashlib.sha256((scope or '').encode()).hexdigest()[:8]}"
        if auth.load(store, username) is None:
            store.create_account(Actor.system(), username, scope or "测试用户", role, scope, None)
        token = auth.start_session(store, auth.load(store, username), now=now)
    finally:
        store.close()
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    return at
