#!/usr/bin/env python3
"""What a shared link costs the server when visitors open it and leave.

Starts the studio (`streamlit run app.py`) on a free local port, loads the model once (not
counted), then opens the link's query in ``--sessions`` fresh headless Chromium sessions at
once (Debian's /usr/bin/chromium through Playwright, never a browser download), closes each
tab after ``--stay`` seconds, and waits until the server is idle. Prints the server's CPU
seconds (all its threads, from the first open until idle), its resident memory before, at
the peak and once idle, and how long it takes to stop after SIGTERM; the last line is one
JSON object. The browser's own work is not counted (it runs in its own processes).

Example:
    .venv/bin/python scripts/link_cost.py "?window=1024&bars=64&n=4&tempo=40&meter=3/2&melody=7"
    .venv/bin/python scripts/link_cost.py "?bars=64&n=4&tempo=40&meter=3/2&melody=5" --sessions 15
"""

from __future__ import annotations

import argparse
import json
import os

import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("query", help='the link\'s query, e.g. "?bars=64&melody=7"')
    parser.add_argument("--sessions", type=int, default=1, help="visitors opening it together (default: 1)")
    parser.add_argument("--stay", type=float, default=3.0, help="seconds before each closes its tab (default: 3)")
    parser.add_argument("--browser", default="/usr/bin/chromium", help="Chromium executable (default: %(default)s)")
    return parser.parse_args()


def main() -> None:
    from devtools.benchmark import link_cost
    from melody.core.machine import cpu_name

    args = parse_args()
    if not os.path.exists(args.browser):
        _common.fail(f"{args.browser} not found: install Debian's chromium (apt-get install chromium)")
    if not 1 <= args.sessions <= 50:
        _common.fail("--sessions must be 1 to 50")
    query = args.query if args.query.startswith("?") else "?" + args.query
    figures = link_cost(_common.ROOT / "app.py", query, args.sessions, args.stay, args.browser)
    figures["cpu"] = cpu_name()
    print(
        f"{args.sessions} session(s) opened {query} and left after {args.stay:g} s: the server spent "
        f"{figures['server_cpu_s']:.1f} s of CPU (idle after {figures['idle_after_s']:.0f} s), memory "
        f"{figures['rss_mb_before']} -> peak {figures['rss_mb_peak']} -> {figures['rss_mb_idle']} MB; "
        f"stopped in {figures['stop_s']:.1f} s ({figures['cpu']})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    _common.run_main(main)
