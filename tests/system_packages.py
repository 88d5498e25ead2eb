"""Debian packages some tests need (a browser, an office suite), installed as root with apt when
the machine lacks them, as CI does on a fresh machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def ensure(present: list[str], packages: list[str], why: str) -> None:
    """Install ``packages`` (no recommends, non-interactive) unless every path or command in
    ``present`` already exists. Fails the test with ``why`` when installing is not possible."""
    if all(Path(p).exists() if p.startswith("/") else shutil.which(p) for p in present):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"{why}：请以 root 运行 apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait = ["-o", "DPkg::Lock::Timeout=600"]  # another test run may be installing at the same time
    subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        ["apt-get", *wait, "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=env,
        timeout=900,
    )
