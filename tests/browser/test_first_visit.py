"""bench --first-visit, small: a browser with an empty cache over a slow line signs in on both
servers; what ``perfdash serve`` sends is the gzipped bundles (a fraction of what a plain
``streamlit run`` sends), and the table comes out whole."""

from __future__ import annotations

from perfdash.bench import first_visit
from perfdash.bench.bench import machine
from tests.browser.conftest import _install_chromium, demo_db


def test_the_first_visit_is_measured_on_both_servers_and_the_served_one_downloads_far_less(tmp_path):
    _install_chromium()
    db = tmp_path / "visit.duckdb"
    demo_db(db)
    report = first_visit.run_first_visit(str(db), 1, first_visit.Line(100, 20), machine())
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ") for line in report.splitlines()}
    served = rows["python -m perfdash serve（静态文件 gzip）"]
    plain = rows["streamlit run app.py（静态文件不压缩）"]
    for row in (served, plain):
        form, signed = float(row[1]), float(row[2])
        assert 0 < form < 120 and 0 < signed < 120
    # Streamlit's bundles as sent: about 3.5 MB to a usable 总览 (no plotly.js at first sight), and
    # about 1.6 MB gzipped
    assert float(plain[4]) > 2.5
    assert float(served[4]) < 0.6 * float(plain[4])
