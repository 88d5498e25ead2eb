"""The one way a test waits: poll for the thing it checks (a file, a line, a process state), never
for a fixed time, so the suite passes on a loaded machine too."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(condition: Callable[[], T], seconds: float, what: str, every: float = 0.1) -> T:
    """Call ``condition`` until it returns something truthy and return that; fail the test naming
    ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(every)
    return value
