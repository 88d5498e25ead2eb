"""bench --browser --memory: each allocation is put down to the code that answers for it."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from perfdash.bench.session_memory import growth_by_owner, owner

ROOT = Path("/srv/perfdash")  # a checkout whose own folder is named like the package
SITE = "/srv/perfdash/.venv/lib/python3.11/site-packages"


def _trace(*frames: str) -> tracemalloc.Traceback:
    """A traceback from its most recent frame to its oldest, as tracemalloc records them."""
    return tracemalloc.Traceback(tuple((f, 1) for f in frames))


def test_an_allocation_belongs_to_the_nearest_frame_of_ours_or_streamlits():
    in_pandas_for_a_query = _trace(
        f"{SITE}/pandas/core/frame.py", "/srv/perfdash/perfdash/db/queries.py", f"{SITE}/streamlit/runtime/x.py"
    )
    assert owner(in_pandas_for_a_query, ROOT) == "perfdash/db/queries.py"
    # A widget's value kept by Streamlit for a page: Streamlit's session state answers, not the page.
    kept = _trace(
        "/usr/lib/python3.11/copy.py", f"{SITE}/streamlit/runtime/state/session_state.py", "/srv/perfdash/pages/x.py"
    )
    assert owner(kept, ROOT) == "streamlit/runtime/state/session_state.py"
    # The checkout's folder name (perfdash) does not make Streamlit's files ours.
    assert owner(_trace(f"{SITE}/tornado/websocket.py"), ROOT) == "tornado/websocket.py"
    assert owner(_trace("/srv/perfdash/app.py"), ROOT) == "app.py"
    assert owner(_trace(f"{SITE}/pandas/core/frame.py", "/usr/lib/python3.11/threading.py"), ROOT) == (
        "pandas/core/frame.py"
    )


def test_growth_is_summed_by_owner_largest_first():
    tracemalloc.start(5)
    try:
        before = tracemalloc.take_snapshot()
        kept = [bytearray(200_000) for _ in range(5)]  # 1 MB allocated here, in tests/
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = dict(growth_by_owner(before, after))
    mine = next(size for name, size in grown.items() if name.endswith("test_session_memory.py"))
    assert 1_000_000 <= mine < 1_100_000 and len(kept) == 5
    assert list(grown.values()) == sorted(grown.values(), reverse=True)
