"""序时进度 and the derived lag status, at their boundaries."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from perfdash.core.schedule import DONE, ON_TRACK, OVERDUE, RED, YELLOW, add_schedule


def _one(completion: float, as_of: date, deadline: date = date(2025, 12, 31)) -> pd.Series:
    frame = pd.DataFrame({"deadline": [deadline], "completion_pct": [completion]})
    return add_schedule(frame, as_of, 2025).iloc[0]


def test_expected_pct_is_the_share_of_time_elapsed():
    assert _one(0, date(2025, 1, 1))["expected_pct"] == 0
    assert _one(0, date(2025, 12, 31))["expected_pct"] == 100
    # 2025-07-02 is day 182 of the 364 days from 1 Jan to 31 Dec.
    assert _one(0, date(2025, 7, 2))["expected_pct"] == 50
    # A September deadline: 1 Jan → 30 Sep is 272 days; on 8 May (127 days) 46.7 %.
    assert _one(0, date(2025, 5, 8), date(2025, 9, 30))["expected_pct"] == 46.7
    assert _one(0, date(2026, 1, 15))["expected_pct"] == 100  # capped after the deadline


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        (50.0, ON_TRACK),  # lag 0
        (40.1, ON_TRACK),  # lag 9.9
        (40.0, YELLOW),  # lag 10 (inclusive)
        (20.0, YELLOW),  # lag 30 (still yellow)
        (19.9, RED),  # lag 30.1
        (100.0, DONE),
    ],
)
def test_lag_status_boundaries(completion, status):
    assert _one(completion, date(2025, 7, 2))["lag_status"] == status


def test_past_deadline_unfinished_is_overdue_and_finished_is_done():
    assert _one(99, date(2025, 10, 1), date(2025, 9, 30))["lag_status"] == OVERDUE
    assert _one(99, date(2025, 9, 30), date(2025, 9, 30))["lag_status"] == ON_TRACK  # due today, 1 point behind
    assert _one(100, date(2025, 10, 1), date(2025, 9, 30))["lag_status"] == DONE
