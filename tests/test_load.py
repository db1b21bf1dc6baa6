"""A class in the studio: several sessions clicking Generate together on one server (its own
file: it starts its own server and Playwright, which cannot run beside test_browser's
module fixtures). Each session is a fresh context of one headless Debian Chromium; the
pieces are devtools/load.py's, as `scripts/load_test.py` uses them for the full figures.

The bound is loose on purpose: it catches a hang, a lost result or clicks served one after
another far beyond their CPU (a collapse), not a slow shared CI machine. The aim of
issue 22 (10 sessions: median <= 3.5 s, p95 <= 6 s on 2 cores) is measured by the script.
"""

import os

import pytest
from conftest import ROOT, SHIPPED_MODEL

from devtools import load as _load

SESSIONS, ROUNDS = 4, 2


@pytest.mark.shipped_model
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(_load.CHROMIUM), reason="Debian chromium is not installed (apt: chromium)")
def test_four_sessions_clicking_together_twice_all_get_their_melody_in_time():
    from devtools.serve import streamlit_process

    with streamlit_process(ROOT / "app.py", env={"FOLK_MODEL": str(SHIPPED_MODEL)}, timeout=120) as (url, server):
        figures = _load.run_load(
            url, SESSIONS, ROUNDS, pause_s=1.0, server_pid=server.pid, timeout_s=60.0, solo_clicks=1
        )
    shown = {k: v for k, v in figures.items() if not k.startswith("_")}
    print(f"{SESSIONS} sessions x {ROUNDS} rounds: {shown}")
    assert figures["clicks"] == SESSIONS * ROUNDS and figures["failures"] == 0, figures["errors"]
    assert figures["click_spread_s"] < 0.5 and figures["hidden_pages"] == 0  # they did click together
    # 3-10 s here on 2 cores shared with other work (load 5-19); a hang or clicks served far slower than
    # one after another is beyond both (a single click is timed under the same load first)
    assert figures["p95_s"] < max(20.0, 10 * figures["single_click_s"]), shown
    # the server's CPU a click stays about one click's work (~0.3-0.5 s), not a multiple of it
    assert figures["server_cpu_s_per_click"] < 2.0, shown


def test_percentile_is_numpy_linear():
    assert _load.percentile([1, 2, 3, 4], 50) == 2.5
    assert _load.percentile(range(1, 31), 95) == pytest.approx(28.55)
    assert _load.percentile([7], 95) == 7
    assert _load.summary([None, 1.0, 3.0]) == {"median_s": 2.0, "p95_s": 2.9, "max_s": 3.0}
