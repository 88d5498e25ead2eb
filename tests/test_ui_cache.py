"""The page-level caches in perfdash.ui: what they are keyed on, and that a write invalidates them."""

from __future__ import annotations

import dataclasses
from datetime import date

import plotly.graph_objects as go
import pytest

from perfdash.app import ui
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


class Counter:
    """A computation that counts how often it really ran."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_derived_computes_once_per_view_and_params(ctx):
    count = Counter()

    def compute():
        return count()

    assert ui.derived(ctx, compute, "a") == 1
    assert ui.derived(ctx, compute, "a") == 1  # a hit: not computed again
    assert ui.derived(ctx, compute, "b") == 2  # another widget value
    assert ui.derived(dataclasses.replace(ctx, as_of=date(2025, 7, 4)), compute, "a") == 3
    assert ui.derived(dataclasses.replace(ctx, filters=Filters(groups=("行政能力",))), compute, "a") == 4
    assert count.calls == 4


def test_a_write_invalidates_derived_values(ctx):
    count = Counter()

    def compute():
        return count()

    assert ui.derived(ctx, compute) == 1
    ctx.store.add_progress(
        ctx.plan_id, [ProgressRow("1-1-1", date(2025, 6, 27), 40, "推进中")], Actor.office(), today=date(2025, 6, 30)
    )
    assert ui.derived(ctx, compute) == 2


def test_call_sites_are_kept_apart(ctx):
    first = ui.derived(ctx, lambda: "first")
    second = ui.derived(ctx, lambda: "second")
    assert (first, second) == ("first", "second")


def test_figure_is_built_once_and_shared(ctx):
    count = Counter()

    def build():
        count()
        return go.Figure(go.Bar(x=["a"], y=[count.calls]))

    one = ui.figure(ctx, build)
    assert ui.figure(ctx, build) is one  # the same object: never pickled, so never validated again
    assert count.calls == 1
    ctx.store.add_progress(
        ctx.plan_id, [ProgressRow("1-1-1", date(2025, 6, 27), 40, "推进中")], Actor.office(), today=date(2025, 6, 30)
    )
    assert ui.figure(ctx, build) is not one
    assert count.calls == 2
