"""The one way a test runs the command line: ``run_cli("score", "--db", …)`` → Result(code, out, err).

In this process by default: ``perfdash.__main__.main([...])`` with stdout and stderr captured, which
costs milliseconds where a new interpreter costs seconds of imports. ``process=True`` runs
``python -m perfdash`` as a user does, for what only a separate process shows: a lock another
process holds, signals, the import cost of ``--help``, a parse worker's memory."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from unittest import mock

from perfdash.core.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Result:
    """What a command did: its exit code, what it printed on stdout and on stderr, how long it took."""

    code: int
    out: str
    err: str
    seconds: float = 0.0

    def as_json(self) -> object:
        """stdout read as JSON (the ``--json`` commands), after checking the command succeeded."""
        assert self.code == 0, self.err
        return json.loads(self.out)


def run_cli(
    *args: str, env: dict[str, str | None] | None = None, process: bool = False, timeout: float = 120
) -> Result:
    """``python -m perfdash *args`` from the project root, with ``env`` laid over the environment
    (a value of None removes the variable). In this process unless ``process``; ``timeout`` bounds
    only a separate process."""
    started = time.perf_counter()
    changes = env or {}
    if process:
        environment = {k: v for k, v in {**os.environ, **changes}.items() if v is not None}
        done = subprocess.run(
            [sys.executable, "-m", "perfdash", *args],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
        )
        return Result(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)

    from perfdash.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ),
        contextlib.chdir(PROJECT_ROOT),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse's usage errors (2) and --help (0) end this way
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
    return Result(int(code or 0), out.getvalue(), err.getvalue(), time.perf_counter() - started)
