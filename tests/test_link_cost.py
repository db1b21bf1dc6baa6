"""What the costliest link costs the server, in a real browser (its own file: it starts its
own server and Playwright, which cannot run beside test_browser's module fixtures)."""

import os

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt: chromium)"),
]


def test_the_worst_link_opened_and_left_costs_the_server_seconds_and_it_stops_at_once():
    """The acceptance figure of the safe-links work: the costliest link the studio's own
    limits allow, opened in a fresh browser that leaves after it has seen the melody."""
    from devtools.benchmark import link_cost

    worst = "?window=1024&bars=64&n=4&tempo=40&meter=3/2&melody=7"
    figures = link_cost(ROOT / "app.py", worst, sessions=1, stay_s=12.0, browser_path=CHROMIUM)
    assert figures["server_cpu_s"] <= 10.0, figures  # ~4 s here (it was ~6 minutes)
    assert figures["stop_s"] <= 5.0, figures
    assert figures["rss_mb_peak"] - figures["rss_mb_before"] < 600, figures
