"""The cache of perfdash.app.reads (one decorator, ``cached``): keyed on every argument, the
database and its data version, so a write makes the next read fresh."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from perfdash.app import reads, ui
from perfdash.core.access import Actor
from perfdash.core.filters import Filters
from perfdash.store import ProgressRow, Store
from tests.fixtures import shipped_plan


@pytest.fixture
def ctx(tmp_path):
    store = Store(tmp_path / "cache.duckdb")
    plan_id = store.import_plan(shipped_plan()).plan_id
    yield ui.PageContext(store, plan_id, "泉州市教育局", 2025, date(2025, 6, 30), False)
    store.close()


CALLS: list[object] = []


@reads.cached
def counted(db, plan_id: int, as_of: date, filters: Filters, actor: Actor, values: tuple, frame: pd.DataFrame) -> int:
    """A read that counts how often it really ran."""
    CALLS.append(plan_id)
    return len(CALLS)


@reads.cached(shared=True)
def built(db, label: str) -> go.Figure:
    CALLS.append(label)
    return go.Figure(go.Bar(x=[label], y=[len(CALLS)]))


BASE = {
    "plan_id": 1,
    "as_of": date(2025, 6, 30),
    "filters": Filters(),
    "actor": Actor("section", "中教科", "zhong", ("泉州市教育局",)),
    "values": (("1-1-1", 40.0),),
    "frame": pd.DataFrame({"code": ["1-1-1"], "pct": [40.0]}),
}
OTHER = {  # each one argument apart from BASE
    "plan_id": 2,
    "as_of": date(2025, 7, 4),
    "filters": Filters(groups=("行政能力",)),
    "actor": Actor("section", "中教科", "zhong", ("泉州市教育局", "鲤城区教育局")),
    "values": (("1-1-1", 41.0),),
    "frame": pd.DataFrame({"code": ["1-1-1"], "pct": [41.0]}),
}


def _report(ctx) -> None:
    ctx.store.add_progress(
        ctx.plan_id, [ProgressRow("1-1-1", date(2025, 6, 27), 40, "推进中")], Actor.office(), today=date(2025, 6, 30)
    )


def test_a_read_runs_once_per_arguments(ctx):
    CALLS.clear()
    first = counted(ctx, **BASE)
    assert counted(ctx, **BASE) == first  # a hit: not run again
    same = {**BASE, "actor": Actor("section", "中教科", "zhong", ("泉州市教育局",)), "frame": BASE["frame"].copy()}
    assert counted(ctx, **same) == first  # equal values hash alike: the actor by its fields, a frame by content
    assert counted(ctx.store, *BASE.values()) == first  # the store itself, arguments by position: the same key
    assert len(CALLS) == 1


@pytest.mark.parametrize("name", list(BASE))
def test_every_argument_is_part_of_the_key(ctx, name):
    CALLS.clear()
    first = counted(ctx, **BASE)
    assert counted(ctx, **{**BASE, name: OTHER[name]}) != first
    assert len(CALLS) == 2


def test_a_write_makes_the_next_read_fresh(ctx):
    CALLS.clear()
    first = counted(ctx, **BASE)
    _report(ctx)
    assert counted(ctx, **BASE) != first
    assert len(CALLS) == 2


def test_a_domain_read_sees_a_write_at_once(ctx):
    def completion() -> float:
        state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
        return float(state.set_index("code").loc["1-1-1", "completion_pct"])

    before = completion()
    _report(ctx)
    assert (before, completion()) == (0, 40)


def test_each_database_has_its_own_entries(ctx, tmp_path):
    other = Store(tmp_path / "other.duckdb")
    try:
        CALLS.clear()
        counted(ctx, **BASE)
        counted(other, **BASE)
        assert len(CALLS) == 2
    finally:
        other.close()


def test_a_shared_read_keeps_the_very_object(ctx):
    CALLS.clear()
    one = built(ctx, "a")
    assert built(ctx, "a") is one  # the same object: never pickled, so never validated again
    assert built(ctx, "b") is not one
    _report(ctx)
    assert built(ctx, "a") is not one
    assert len(CALLS) == 3


def test_a_live_read_runs_every_time(ctx):
    def count(db, n: int) -> int:
        CALLS.append(n)
        return len(CALLS)

    live = reads.cached(count, live="for this test")
    CALLS.clear()
    assert live(ctx, 1) != live(ctx, 1)
