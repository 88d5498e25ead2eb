"""Shared test data built by code: the shipped plan, fresh temp stores, a demo database."""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from datetime import date
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


# The kinds of base database a test starts from. conftest.py's ``databases`` builds each once per
# session with ``make_database`` and hands every test its own copy (plan_db, demo_db, db, …).
BASE_KINDS = {
    "plan": "the shipped plan imported (plan 1), no progress",
    "demo": "the shipped plan and its demo history (演示数据), weekly periods closed to 11-21",
    "city": "three synthetic bureaus (示范市第001–003局, plans 1–3), weekly ledgers to 2025-03-28",
}


def make_database(path: Path, kind: str) -> Path:
    """The one builder of test databases: a closed DuckDB file at ``path`` holding ``kind``
    (a key of BASE_KINDS). "demo" is what ``signed_in`` and a page's first open would bootstrap on
    an empty file, so on a copy they find nothing to do."""
    from perfdash.server.demo import build_city_demo, build_demo
    from perfdash.store import Store

    if kind not in BASE_KINDS:
        raise ValueError(f"unknown base database {kind!r}; one of {sorted(BASE_KINDS)}")
    store = Store(path)
    try:
        if kind == "plan":
            store.import_plan(shipped_plan())
        elif kind == "demo":
            build_demo(store, shipped_plan(), DEMO_SEED)
        else:
            build_city_demo(store, shipped_plan(), 3, DEMO_SEED, until=date(2025, 3, 28))
    finally:
        store.close()
    return path


class Databases:
    """A test session's base databases, each built on first use; ``copy`` hands a test its own."""

    SIDE_FOLDERS = ("evidence",)  # files a database keeps beside itself (settings.evidence_dir)

    def __init__(self, folder: Path):
        self.folder = folder
        self.built: dict[str, Path] = {}

    def base(self, kind: str) -> Path:
        """The closed base file of ``kind``: copy it, never open it."""
        if kind not in self.built:
            (self.folder / kind).mkdir()
            self.built[kind] = make_database(self.folder / kind / f"{kind}.duckdb", kind)
        return self.built[kind]

    def copy(self, kind: str, folder: Path, name: str | None = None) -> Path:
        """A copy of the ``kind`` base (and of its side folders) in ``folder``, as ``name``."""
        base = self.base(kind)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (name or base.name)
        shutil.copy(base, target)
        for side in self.SIDE_FOLDERS:
            if (base.parent / side).is_dir():
                shutil.copytree(base.parent / side, folder / side)
        return target


_session: Databases | None = None


def session_databases() -> Databases:
    """This process's base databases, in a temporary folder removed at exit (conftest.py's
    ``databases`` fixture, and helpers that build on a copy: ``copy_base``)."""
    global _session
    if _session is None:
        folder = Path(tempfile.mkdtemp(prefix="perfdash-bases-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _session = Databases(folder)
    return _session


def copy_base(kind: str, path: Path) -> Path:
    """A copy of the session's ``kind`` base database at ``path`` (see BASE_KINDS)."""
    return session_databases().copy(kind, path.parent, path.name)


def demo_db_path(tmp_path: Path, name: str = "demo.duckdb") -> Path:
    """A closed database file holding the shipped plan and its demo history (a copy of the session's)."""
    return copy_base("demo", tmp_path / name)


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
    (a session begun ``now``, default the present). The database named by PERFDASH_DB gets the
    account, and the plan and demo data if it has no plan yet: the ``db`` fixture (conftest.py)
    hands it a copy that holds them already, so nothing is rebuilt per test."""
    import hashlib
    import os

    from streamlit.testing.v1 import AppTest

    from perfdash.core.access import Actor
    from perfdash.core.settings import PROJECT_ROOT
    from perfdash.ops import auth
    from perfdash.server.demo import bootstrap
    from perfdash.store import Store

    store = Store(os.environ["PERFDASH_DB"])
    try:
        bootstrap(store, PLAN_FILE, DEMO_SEED)
        username = f"t_{role}_{hashlib.sha256((scope or '').encode()).hexdigest()[:8]}"
        if auth.load(store, username) is None:
            store.insert_account(Actor.system(), username, scope or "测试用户", role, scope, None)
        token = auth.start_session(store, auth.load(store, username), now=now)
    finally:
        store.close()
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    return at
