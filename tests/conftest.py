"""Every test sees a failing page's traceback (the server shows visitors only a reference)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _show_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFDASH_SHOW_ERRORS", "1")
