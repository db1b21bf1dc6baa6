#!/usr/bin/env python3
"""How long a person waits: click Generate in a real browser until score and audio are there.

Starts the studio (`streamlit run app.py`) on a free local port, opens it in headless
Debian Chromium (Playwright, /usr/bin/chromium, never a browser download), and for each
run opens a fresh page, sets a new random seed, clicks Generate and waits until the
engraved score is drawn and the audio player has loaded its sound (its duration is
known). The first page load (the model loads once for all sessions) is not timed.
Prints each run, a summary table, and one JSON line.

Example:
    .venv/bin/python scripts/click_time.py --runs 10        # a song of 16 bars, the default length
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import _common

CHROMIUM = "/usr/bin/chromium"
BARS = 16  # the studio's default length (a song of 16 bars of 4/4 from the example seed)
READY = """() => {
  const audio = document.querySelector('audio');
  return document.querySelector("img[src^='data:image/svg+xml']") && audio && audio.src && audio.duration > 0;
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="timed clicks on fresh pages (default: %(default)s)")
    parser.add_argument("--browser", default=CHROMIUM, help="Chromium executable (default: %(default)s)")
    return parser.parse_args()


def one_click(browser, url: str, random_seed: int) -> float:
    """Seconds from the click on Generate to a drawn score and a loaded audio player."""
    page = browser.new_page(viewport={"width": 1000, "height": 2300})
    try:
        page.goto(url, timeout=120_000)
        seed_box = page.locator("input[aria-label^='Random seed']")
        seed_box.wait_for(timeout=120_000)
        seed_box.fill(str(random_seed))
        seed_box.press("Enter")
        time.sleep(1.0)  # let the rerun for the new seed finish
        started = time.perf_counter()
        page.get_by_role("button", name="Generate").click()
        page.wait_for_function(READY, polling=10, timeout=60_000)
        seconds = time.perf_counter() - started
        page.get_by_role("button", name="WAV").wait_for(timeout=60_000)  # the page has finished
        return seconds
    finally:
        page.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    from melody import render
    from melody.serving import streamlit_server

    args = parse_args()
    if not os.path.exists(args.browser):
        _common.fail(f"{args.browser} not found: install Debian's chromium (apt-get install chromium)")
    if args.runs < 1:
        _common.fail("--runs must be at least 1")
    times = []
    with streamlit_server(_common.ROOT / "app.py") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.browser, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url, timeout=120_000)
        page.get_by_role("button", name="Generate").wait_for(timeout=120_000)  # the model is loaded
        page.close()
        for run in range(args.runs):
            times.append(one_click(browser, url, 1000 + run))
            print(f"run {run + 1}: {times[-1]:.2f} s")
        browser.close()
    result = {
        "bars": BARS,
        "runs": args.runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "min_s": round(min(times), 3),
        "synthesizer": render.synthesizer(),
        "cpu_count": os.cpu_count(),
    }
    print(f"click to score and audio, a song of {BARS} bars, {args.runs} runs: median {result['median_s']:.2f} s,")
    print(f"  min {result['min_s']:.2f} s, max {result['max_s']:.2f} s; sound by {result['synthesizer']}")
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
