#!/usr/bin/env python3
"""How long a person waits: click Generate in a real browser until score and audio are there.

Starts the studio (`streamlit run app.py`) on a free local port, opens it in headless
Debian Chromium (Playwright, /usr/bin/chromium, never a browser download) at 1400x900,
and for each run clicks Generate (each click is a new melody: a fresh melody number)
and waits until the new sound is loaded (its duration is known) and the new score is
drawn. With ``--variations 4`` the page asks for four melodies at once (sidebar); it
shows each as soon as it is made, so the time to the first and to all four are both
reported. The first page load (the model loads once for all sessions) is not timed.
Between a result and the next click it waits ``--pause`` seconds, as a person listens
first: the studio makes the next melody meanwhile (`melody.studio.click`); ``--pause 0`` clicks
at once, so most clicks make their melody themselves. Prints each run, a summary, and one
JSON line.

Example:
    .venv/bin/python scripts/click_time.py --runs 10                    # a song of 16 bars, the default
    .venv/bin/python scripts/click_time.py --runs 5 --variations 4      # four melodies a click
    .venv/bin/python scripts/click_time.py --runs 10 --pause 0          # no time to make the next ahead
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import _common

CHROMIUM = "/usr/bin/chromium"
PAUSE_S = 3.0  # a person hears a little of the song before clicking again
BARS = 16  # the studio's default length (a song of 16 bars of 4/4 from the example seed)
READY = """(before) => {
  const audio = document.querySelector('audio');
  const score = document.querySelector(".st-key-score-0 img");
  return score && score.complete && audio && audio.src && audio.src !== before.audio && audio.duration > 0
    && score.src !== before.score;
}"""
ALL_READY = """(count) => {
  const audios = [...document.querySelectorAll('audio')];
  return audios.length >= count && audios.every((audio) => audio.src && audio.duration > 0)
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""
BEFORE = """() => {
  const audio = document.querySelector('audio'), score = document.querySelector(".st-key-score-0 img");
  return {audio: audio ? audio.src : '', score: score ? score.src : ''};
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="timed clicks (default: %(default)s)")
    parser.add_argument("--variations", type=int, default=1, choices=range(1, 5), help="melodies a click (1-4)")
    parser.add_argument(
        "--pause",
        type=float,
        default=PAUSE_S,
        help="seconds between a result and the next click, as a person listens first (default: %(default)s; "
        "the studio makes the next melody meanwhile; 0 clicks at once)",
    )
    parser.add_argument("--browser", default=CHROMIUM, help="Chromium executable (default: %(default)s)")
    return parser.parse_args()


def one_click(page, variations: int) -> tuple[float, float]:
    """Seconds from the click on Generate to the first new drawn score and loaded sound
    (the page shows each variation as soon as it is made), and to all of them."""
    before = page.evaluate(BEFORE)
    started = time.perf_counter()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(READY, arg=before, polling=10, timeout=60_000)
    first = time.perf_counter() - started
    page.wait_for_function(ALL_READY, arg=variations, polling=10, timeout=60_000)
    return first, time.perf_counter() - started


def main() -> None:
    from playwright.sync_api import sync_playwright

    from devtools.serve import streamlit_server
    from melody.output import sound

    args = parse_args()
    if not os.path.exists(args.browser):
        _common.fail(f"{args.browser} not found: install Debian's chromium (apt-get install chromium)")
    if args.runs < 1:
        _common.fail("--runs must be at least 1")
    times, alls = [], []
    query = f"?ready=thirds&variations={args.variations}" if args.variations > 1 else ""
    with streamlit_server(_common.ROOT / "app.py") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.browser, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url + query, timeout=120_000)
        page.get_by_role("button", name="Generate").wait_for(timeout=120_000)  # the model is loaded
        if args.variations > 1:
            slider = page.locator("[data-testid='stSlider']").filter(has_text="Variations").get_by_role("slider")
            slider.focus()
            for _ in range(args.variations - 1):
                slider.press("ArrowRight")
            time.sleep(1.0)
        one_click(page, args.variations)  # a first click, not timed: the first sound and score of this process
        for run in range(args.runs):
            time.sleep(args.pause)
            first, every = one_click(page, args.variations)
            times.append(first)
            alls.append(every)
            print(
                f"run {run + 1}: {first:.2f} s"
                + (f" (all {args.variations}: {every:.2f} s)" if args.variations > 1 else "")
            )
        browser.close()
    result = {
        "bars": BARS,
        "variations": args.variations,
        "runs": args.runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "min_s": round(min(times), 3),
        "all_median_s": round(statistics.median(alls), 3),  # until every variation plays
        "pause_s": args.pause,
        "synthesizer": sound.synthesizer(),
        "cpu_count": os.cpu_count(),
    }
    songs = f"{args.variations} song(s) of {BARS} bars, {args.runs} runs, {args.pause:g} s between"
    print(f"click to score and audio, {songs}: median {result['median_s']:.2f} s,")
    print(f"  min {result['min_s']:.2f} s, max {result['max_s']:.2f} s; sound by {result['synthesizer']}")
    if args.variations > 1:
        print(f"  all {args.variations} ready: median {result['all_median_s']:.2f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
