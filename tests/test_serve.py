"""Running it day to day: ``python -m perfdash serve`` prints the admin's first password when it
starts, before any visit, naming a page that exists; while it serves, ``score`` answers from the
newest backup and ``backup`` (or a second server) answers at once with what to do instead; ``make
run`` shows one line per install step and keeps pip's output in a log it names on failure."""

from __future__ import annotations

import ast
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfdash.bench import servers
from perfdash.bench.servers import free_port
from perfdash.core.settings import PROJECT_ROOT
from perfdash.server import startup
from tests.running import run_cli

ANSWER_AT_ONCE_SECONDS = 10.0  # the old behaviour waited 60 s for the lock, then failed


def page_titles() -> list[str]:
    """The titles of every page app.py lists (st.Page(…, title=…))."""
    tree = ast.parse((PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    return [
        kw.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"
        for kw in node.keywords
        if kw.arg == "title"
    ]


def test_the_password_notice_names_a_page_in_the_page_list():
    titles = page_titles()
    assert len(titles) > 10 and "账户与审计" in titles
    assert startup.PASSWORD_PAGE in titles
    named = re.findall(r"“([^”]+)”", "\n".join(startup.admin_notice("x")))
    assert named and all(n in titles for n in named)


class Console:
    """A server process's output, line by line, read by a thread so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen):
        self.process, self.lines, self._q = process, [], queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """The first line printed so far, or from now on, containing ``text``; fails on timeout or exit."""
        seen = next((line for line in self.lines if text in line), None)
        if seen is not None:
            return seen
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._q.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                pytest.fail(f"no line with {text!r} within {timeout} s; seen: {self.lines}")
            if line is None:
                pytest.fail(f"the server ended before printing {text!r}; seen: {self.lines}")
            self.lines.append(line)
            if text in line:
                return line


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[Console, Path, dict, int]]:
    """``python -m perfdash serve`` on a new database (no PERFDASH_ADMIN_PASSWORD: one is generated)."""
    db = tmp_path / "served.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "PERFDASH_ADMIN_PASSWORD"}
    env |= {"PERFDASH_BACKUP_DIR": str(tmp_path / "backups"), "PYTHONUNBUFFERED": "1"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "perfdash", "serve", "--db", str(db), "--port", str(port), "--address", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield Console(process), db, env, port
    finally:
        servers.stop(process, 30)


@pytest.mark.slow  # a real `serve` and five commands in processes of their own beside it
def test_serve_prints_the_password_at_start_and_commands_answer_while_it_serves(server):
    from perfdash.ops import auth
    from perfdash.store import Store

    console, db, env, port = server
    line = console.wait_for("初始密码：")
    password = line.split("初始密码：", 1)[1].strip()
    assert len(password) >= 12
    change = console.wait_for("修改密码")
    assert f"“{startup.PASSWORD_PAGE}”" in change and startup.PASSWORD_PAGE in page_titles()
    starting = console.wait_for("正在启动看板服务")
    assert console.lines.index(line) < console.lines.index(starting)  # before the server even listened
    ready = console.wait_for("看板已就绪")
    assert f"http://127.0.0.1:{port}/" in ready
    console.wait_for("定时备份已保存")  # the first scheduled backup is taken at start

    # Each command in a process of its own, as an operator types it beside the running server.
    score = run_cli("score", "--db", str(db), "--json", env=env, process=True)
    answer = score.as_json()
    assert answer["grade"] in ("优秀", "良好", "一般", "较差") and answer["total"] > 0
    assert answer["snapshot"]["file"].startswith(str(db.parent / "backups"))
    assert "看板正在运行" in score.err and "定时备份" in score.err
    print(f"score --json while serving: {score.seconds:.2f} s")

    backup = run_cli("backup", "--db", str(db), "--out", str(db.parent / "cli-backup"), env=env, process=True)
    assert backup.code == 2 and backup.seconds < ANSWER_AT_ONCE_SECONDS
    assert "正由运行中的看板使用" in backup.err
    assert f"http://127.0.0.1:{port}/admin" in backup.err and "“备份”页签" in backup.err
    assert str(db.parent / "backups") in backup.err and "请先停止看板" in backup.err
    assert not (db.parent / "cli-backup").exists()
    print(f"backup while serving answered in {backup.seconds:.2f} s")

    for args, says in (
        (("import", str(PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt")), "请先停止看板"),
        (("progress", "import", "x.xlsx", "--as", "绩效办"), "“进度填报”页面"),
        (("serve", "--port", str(free_port())), "看板已经在运行"),
    ):
        out = run_cli(*args, "--db", str(db), env=env, process=True)
        assert out.code == 2 and says in out.err and out.seconds < ANSWER_AT_ONCE_SECONDS, (args, out.err)
    # read-only commands on documents work as ever
    plan = run_cli("plan", str(PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"), env=env, process=True)
    kpis = run_cli("kpis", str(PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"), "--json", env=env, process=True)
    assert plan.code == 0 and kpis.as_json()

    console.process.send_signal(signal.SIGTERM)
    assert console.process.wait(timeout=30) == 0
    assert not startup.serving_file(db).exists()
    store = Store(db)
    try:
        assert auth.authenticate(store, "admin", password).username == "admin"
    finally:
        store.close()


# -- make run: one line per step -------------------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
# Stands in for python3 -m venv: makes a venv whose pip is noisy and succeeds or fails as told.
mkdir -p "$3/bin"
cat > "$3/bin/pip" <<'EOF'
#!/bin/sh
i=0; while [ $i -lt 200 ]; do echo "Collecting package-$i (noise)"; i=$((i+1)); done
[ -n "$PIP_FAILS" ] && { echo "ERROR: No matching distribution found for nothing==0"; exit 1; }
exit 0
EOF
cat > "$3/bin/python" <<'EOF'
#!/bin/sh
echo "SERVE $*"
EOF
chmod +x "$3/bin/pip" "$3/bin/python"
"""


@pytest.mark.parametrize("fails", [False, True], ids=["installs", "pip-fails"])
def test_make_run_shows_one_line_per_step_and_names_the_log(tmp_path, fails):
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    venv, log = tmp_path / "venv", tmp_path / "install.log"
    env = {**os.environ, **({"PIP_FAILS": "1"} if fails else {})}
    out = subprocess.run(
        ["make", "--no-print-directory", "run", f"PYTHON={fake}", f"VENV={venv}", f"LOG={log}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    lines = out.stdout.splitlines()
    assert lines[:2] == [
        f"[perfdash] 正在创建虚拟环境 {venv} …",
        "[perfdash] 正在安装运行所需的依赖（约 1–3 分钟，视网速而定）…",
    ]
    assert "Collecting package-100" not in out.stdout  # pip's noise is in the log, not on the screen
    assert "Collecting package-199" in log.read_text()
    if fails:
        assert out.returncode != 0
        assert f"[perfdash] 安装依赖失败，详见 {log}" in lines
        assert "No matching distribution" in out.stdout  # the log's last lines, to start from
        assert not (venv / ".installed").exists()
    else:
        assert out.returncode == 0, out.stderr
        assert lines[2:] == ["[perfdash] 依赖已安装", "[perfdash] 正在启动看板…", "SERVE -m perfdash serve --port 8501"]
        assert not (venv / ".installed-dev").exists()  # make run never installs the test tools
