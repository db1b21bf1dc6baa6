#!/usr/bin/env python3
"""A class in the studio: several sessions clicking Generate together, timed in a real browser.

Starts the studio (`streamlit run app.py`) on a free local port, or uses a running one
(--url), and opens --sessions fresh contexts of one headless Debian Chromium (Playwright,
/usr/bin/chromium, never a browser download) at 1400x900: each context is its own Streamlit
session, as each pupil's browser is. First one session clicks alone (--solo clicks, each
the first click of a fresh session, so its melody is made on the click; one more click
before them is not timed). Then, --rounds times, every session clicks Generate at the same
instant (the pages click at one shared wall-clock moment, see devtools/load.py), and each
session's seconds from its click until its new result is there (the new sound loaded and
the new score drawn) are noted. Rounds are --pause seconds apart: people listen before they
click again, and the studio makes their next melodies meanwhile (melody/making.py).

Prints each round, the slowest functions of the server during the bursts (with --profile),
and a last line of JSON:
  median_s, p95_s, max_s     click -> result, over every click of every round (p95: linear
                             interpolation between ranks, as NumPy's default)
  rounds_s                   each round's seconds, session by session (null: a failure)
  failures                   clicks without a result within --timeout (or with an exception shown)
  single_click_s             median of the solo clicks
  server_cpu_s               the server process's user + system CPU (all threads) during the
                             bursts (from the first click to the last result of each round);
                             only for a server this command started (or --server-pid)
  server_cores_busy          server_cpu_s / burst_wall_s: how many cores the server kept busy
  browser_cpu_s              the browser's CPU (Chromium's processes and Playwright's driver) during
                             the bursts: on one machine it competes with the server for the cores
  burst_wall_s               the rounds' wall seconds, first click to last result, summed
  clicks_per_s_per_core      results / burst_wall_s / cores, where cores is the number of cores
                             this machine lets the command use (the server AND the browser run
                             on them, as in a classroom demo on one laptop)
  cpu, cores, load_averages  the machine, and its 1/5/15-minute load before and after

Example:
    .venv/bin/python scripts/load_test.py                           # 10 sessions, 3 rounds
    .venv/bin/python scripts/load_test.py --sessions 4 --rounds 2 --pause 0
    .venv/bin/python scripts/load_test.py --profile /tmp/calls.jsonl   # where the server's time goes
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8501 --server-pid 1234
"""

from __future__ import annotations

import argparse
import json
import os

import _common

from devtools import load as _load


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10, help="sessions clicking together (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="times they all click (default: %(default)s)")
    parser.add_argument(
        "--pause", type=float, default=3.0, help="seconds between a round's last result and the next round "
        "(default: %(default)s; the studio makes the next melodies meanwhile; 0: no time for that)",
    )  # fmt: skip
    parser.add_argument(
        "--warm", action="store_true", help="each session clicks once (not timed) before the rounds: a page's first "
        "result costs its browser ~2 s of CPU (loading the result's elements), which on this one machine weighs on "
        "the server's cores too",
    )  # fmt: skip
    parser.add_argument("--solo", type=int, default=3, help="clicks of one session alone, timed first (default: 3)")
    parser.add_argument(
        "--styles", default="", help="traditions the sessions open in turn, comma-separated (default: the first page's)"
    )
    parser.add_argument("--url", help="a running studio to use (default: start one on a free port)")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's process id, to measure its CPU")
    parser.add_argument(
        "--profile", metavar="FILE", help="time the server's costly functions per call into FILE (JSON lines) "
        "and print a summary; only for a server this command starts",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a click may take (default: 120)")
    parser.add_argument("--browser", default=_load.CHROMIUM, help="Chromium executable (default: %(default)s)")
    return parser.parse_args()


def round_line(calls: list[dict]) -> str:
    """One round of the probe in words: where a click waited."""
    made = sum(c["fn"] == "generator.generate" and "Script" in c["thread"] for c in calls)
    ahead = _load.mean_wall(calls, "generator.generate", "ahead")[1]
    runs = _load.mean_wall(calls, "script run", "click")
    take = _load.mean_wall(calls, "ahead.take (waits)", "click")[0]
    lock = _load.mean_wall(calls, "synth lock wait", "click")[0]
    held = _load.mean_wall(calls, "synth lock held")[0]
    return (
        f"{made} melodies made on the click, {ahead} made ahead; {runs[1]} script runs of {runs[0]:.2f} s (mean "
        f"wall); a click waited {take:.2f} s for its made-ahead melody, {lock:.2f} s for the synthesizer (held "
        f"{held:.2f} s a WAV)"
    )


def print_profile(path: str, figures: dict) -> None:
    rows = _load.probe_summary(path, figures["_windows"])
    print("server, during the bursts (mean seconds a call; blocked = wall - CPU - waiting for a core):")
    print(f"  {'function':26} {'thread':6} {'calls':>5} {'wall':>7} {'cpu':>7} {'runq':>7} {'blocked':>7}")
    for row in rows:
        print(
            f"  {row['fn']:26} {row['thread']:6} {row['calls']:5d} {row['wall_s']:7.3f} {row['cpu_s']:7.3f} "
            f"{row['runq_s']:7.3f} {row['blocked_s']:7.3f}"
        )
    names = _load.thread_names(path)
    threads: dict[str, float] = {}
    for tid, seconds in figures["_per_thread_cpu"].items():
        name = names.get(tid, "main (event loop, websockets, media)" if tid == figures["_pid"] else "other")
        name = "ScriptRunner (clicks)" if "Script" in name else name
        threads[name] = threads.get(name, 0.0) + seconds
    # a session's script thread ends with its run: what the surviving threads do not account for
    threads["script threads (ended)"] = max(figures["server_cpu_s"] - sum(threads.values()), 0.0)
    print("  server CPU by thread during the bursts: " + ", ".join(f"{n} {s:.1f} s" for n, s in threads.items()))
    for number, window in enumerate(figures["_windows"]):
        print(f"  round {number + 1}: {round_line(_load.probe_calls(path, [window]))}")
    made_here = sum(row["calls"] for row in rows if row["fn"] == "generator.generate" and row["thread"] == "click")
    print(f"  melodies made on the click: {made_here} of {figures['clicks']} clicks (the others were made ahead)")
    figures["made_on_click"] = made_here
    figures["server_cpu_by_thread_s"] = {n: round(s, 2) for n, s in threads.items()}
    figures["profile"] = rows


def main() -> None:
    from devtools.serve import streamlit_process

    args = parse_args()
    if not os.path.exists(args.browser):
        _common.fail(f"{args.browser} not found: install Debian's chromium (apt-get install chromium)")
    if not 1 <= args.sessions <= 40 or args.rounds < 1 or args.solo < 0 or args.pause < 0:
        _common.fail("--sessions must be 1 to 40, --rounds at least 1, --solo and --pause not negative")
    if args.profile and args.url:
        _common.fail("--profile needs a server this command starts (leave out --url)")
    from melody.songs.traditions import tradition

    for name in (name.strip() for name in args.styles.split(",") if name.strip()):
        tradition(name)  # an unknown one: one line naming the styles
    options = dict(
        sessions=args.sessions, rounds=args.rounds, pause_s=args.pause, browser_path=args.browser,
        timeout_s=args.timeout, solo_clicks=args.solo, warm=args.warm,
        styles=tuple(name.strip() for name in args.styles.split(",") if name.strip()),
    )  # fmt: skip
    if args.url:
        figures = _load.run_load(args.url, server_pid=args.server_pid, **options)
        figures["_pid"] = args.server_pid
    else:
        env = {}
        if args.profile:
            open(args.profile, "w").close()
            env = _load.probe_env(os.path.abspath(args.profile))
        with streamlit_process(_common.ROOT / "app.py", env=env, timeout=120) as (url, server):
            figures = _load.run_load(url, server_pid=server.pid, **options)
            figures["_pid"] = server.pid
    if args.profile:
        print_profile(args.profile, figures)
    print(
        f"{figures['sessions']} sessions x {figures['rounds']} rounds: {figures['clicks'] - figures['failures']}/"
        f"{figures['clicks']} results; median {figures['median_s']} s, p95 {figures['p95_s']} s, max "
        f"{figures['max_s']} s; one click alone {figures['single_click_s']} s; "
        f"{figures['clicks_per_s_per_core']} clicks/s/core; server CPU {figures['server_cpu_s']} s "
        f"({figures['server_cpu_s_per_click']} s a click, {figures['server_cores_busy']} cores busy), browser "
        f"CPU {figures['browser_cpu_s']} s; "
        f"{figures['cores']} x {figures['cpu']}, load {figures['load_averages']}"
    )
    print(json.dumps({k: v for k, v in figures.items() if not k.startswith("_")}))


if __name__ == "__main__":
    _common.run_main(main)
