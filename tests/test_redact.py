"""No password in what the server writes (issue 29): URL credentials and configured secrets are
hidden in every log record, traceback and uncaught exception of a process that installed
perfdash.server.logs, whoever logs them (perfdash, Streamlit, uvicorn, psycopg)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from perfdash.core.redact import redact
from perfdash.core.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://perfdash:secret@127.0.0.1/perfdash", "postgresql://perfdash:***@127.0.0.1/perfdash"),
        ("at postgres://u:p@ss@db:5432/x now", "at postgres://u:***@db:5432/x now"),  # an "@" in the password
        ("file '/srv/postgresql:/u:pw@h/db.key'", "file '/srv/postgresql:/u:pw@h/db.key'"),  # not a URL: unchanged
        ("https://example.gov.cn/a:b@c", "https://example.gov.cn/a:b@c"),  # a path, not credentials
        ("smtp://mail:hunter22@smtp.example.cn:25", "smtp://mail:***@smtp.example.cn:25"),
        ("no credentials postgresql://u@h/db", "no credentials postgresql://u@h/db"),
    ],
)
def test_url_credentials_are_hidden(text, shown):
    assert redact(text, secrets=[]) == shown


def test_configured_secrets_are_hidden_wherever_they_appear(monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", "postgresql://perfdash:p%40ss-w0rd@db/perfdash")
    monkeypatch.setenv("PERFDASH_COOKIE_SECRET", "cookie-key-123")
    text = "path /x/p@ss-w0rd/y, encoded p%40ss-w0rd, key cookie-key-123, and a word pass"
    assert redact(text) == "path /x/***/y, encoded ***, key ***, and a word pass"


def test_redaction_is_linear_on_hostile_text():
    times = []
    for n in (50_000, 100_000, 200_000):
        text = "a://" + "b" * 10 + ":" * n + "x://y:" * (n // 6)
        started = time.perf_counter()
        redact(text, secrets=[])
        times.append(time.perf_counter() - started)
    assert times[-1] < 2.0 and times[-1] < 8 * max(times[0], 0.005), times


PROGRAM = r"""
import logging, sys, threading
from perfdash.server import logs

logs.install()
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s", stream=sys.stdout)
url = "postgresql://perfdash:secret@127.0.0.1:1/perfdash"
log = logging.getLogger("streamlit.runtime")
log.info("opening %s", url)
log.info("as dict %(url)s", {"url": url})
logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/x", "1.1", 200)
try:
    raise RuntimeError(f"cannot open /data/{url}.cookie-secret")
except RuntimeError:
    logging.getLogger("perfdash").exception("sign-in failed")
import psycopg
try:
    psycopg.connect(url, connect_timeout=2)
except psycopg.OperationalError:
    logging.getLogger("perfdash").exception("connect failed")
thread = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError(url)), name="worker")
thread.start()
thread.join()
print("done", flush=True)
raise SystemError(url)
"""


def test_every_log_record_and_traceback_of_the_process_is_redacted():
    env = {**os.environ, "PERFDASH_DB": "postgresql://perfdash:secret@127.0.0.1:1/perfdash"}
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env
    )
    text = out.stdout + out.stderr
    assert out.returncode == 1 and "done" in out.stdout
    assert "secret" not in text, [line for line in text.splitlines() if "secret" in line]
    assert "opening postgresql://perfdash:***@127.0.0.1:1/perfdash" in text
    assert "as dict postgresql://perfdash:***@" in text
    assert 'INFO uvicorn.access 127.0.0.1:5 - "GET /x HTTP/1.1" 200' in text  # other records as they were
    assert "RuntimeError: cannot open /data/postgresql://perfdash:***@" in text  # the traceback, redacted
    assert "connect failed" in text and "OperationalError" in text
    assert "Exception in thread worker" in text and "ValueError: postgresql://perfdash:***@" in text
    assert text.rstrip().endswith("SystemError: postgresql://perfdash:***@127.0.0.1:1/perfdash")
