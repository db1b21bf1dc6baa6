"""Several studio sessions clicking Generate together: the pieces of `scripts/load_test.py`,
shared with `tests/test_load.py` (kept outside the `melody` package: a test harness, not the
studio).

Each session is a fresh browser context (its own cookies, so its own Streamlit session) of
one headless Chromium at 1400x900. A *burst* clicks Generate in every session at the same
moment and times, in each page, the seconds from its click until its new result is there:
the new sound loaded (the <audio> has a new source whose duration is known) and the new
score drawn (the score's <img> has a new source and has finished loading), as
`scripts/click_time.py` and `tests/test_browser.py` tell a finished click.

The click and the timing happen inside the pages, not through Playwright's round trips: every
page is armed with ``setTimeout`` to click its Generate button (a DOM ``click()``, which runs
the button's handler as a mouse click does) at one shared wall-clock instant, and a 10 ms
poller in the page notes ``Date.now()`` when the result is complete. Playwright only reads the
notes afterwards, so ten sessions are timed as precisely as one, whatever the driver's delays.

`probe_env` is optional server-side instrumentation for a server this code starts itself: a
``sitecustomize`` wraps the studio's costly functions (generation, chords, WAV, MusicXML,
engraving, the synthesizer's lock, each script run) and writes one JSON line per call with
its thread, wall time, thread CPU time and run-queue wait (``/proc/thread-self/schedstat``),
so that wall - CPU - run-queue wait is time spent blocked: on the GIL or a lock. Nothing in
the studio changes.
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import tempfile
import time

from devtools.benchmark import cpu_seconds, wait_idle

IDLE = {"quiet_s": 2.0, "limit_s": 120.0, "share": 0.03}  # the server has finished a burst's work

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
GENERATE = ".st-key-generate button"

# Arms a page: notes what is shown now, clicks Generate at the wall-clock instant ``at`` (ms since
# the epoch), then polls every 10 ms until a new sound is loaded and a new score drawn (or an
# exception is shown) and notes when. window.__load holds {clicked, done, error}.
ARM = """(at) => {
  const shown = () => {
    const audio = document.querySelector('audio'), score = document.querySelector('.st-key-score-0 img');
    return {audio: audio ? audio.src : '', score: score ? score.src : ''};
  };
  const before = shown(), note = {clicked: null, done: null, error: null, visibility: document.visibilityState};
  window.__load = note;
  setTimeout(() => {
    const button = document.querySelector('.st-key-generate button');  // GENERATE
    note.clicked = Date.now();
    if (!button || button.disabled) { note.error = 'no Generate button to click'; note.done = Date.now(); return; }
    button.click();
    const poll = setInterval(() => {
      const audio = document.querySelector('audio'), score = document.querySelector('.st-key-score-0 img');
      if (document.querySelector('[data-testid="stException"]')) {
        note.error = 'the page shows an exception'; note.done = Date.now(); clearInterval(poll); return;
      }
      if (audio && audio.src && audio.src !== before.audio && audio.duration > 0
          && score && score.complete && score.naturalWidth > 0 && score.src !== before.score) {
        note.done = Date.now(); clearInterval(poll);
      }
    }, 10);
  }, Math.max(at - Date.now(), 0));
}"""
NOTED = "() => window.__load && window.__load.done !== null ? window.__load : null"


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linearly interpolated between the two
    nearest ranks (NumPy's default, "linear"): with 30 clicks the 95th lies between the 28th
    and 29th fastest of them (0-based ranks 27 and 28, weights 0.45 and 0.55)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(seconds) -> dict:
    """Median, 95th percentile and maximum of the clicks' seconds (those that gave a result)."""
    done = [s for s in seconds if s is not None]
    if not done:
        return {"median_s": None, "p95_s": None, "max_s": None}
    return {
        "median_s": round(statistics.median(done), 3),
        "p95_s": round(percentile(done, 95), 3),
        "max_s": round(max(done), 3),
    }


def launch(playwright, browser_path: str = CHROMIUM):
    """Headless Debian Chromium (never a browser download)."""
    return playwright.chromium.launch(executable_path=browser_path, args=BROWSER_ARGS)


def open_session(browser, url: str, timeout_s: float = 120.0):
    """A fresh context (its own Streamlit session) on ``url`` at 1400x900, Generate drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url, timeout=timeout_s * 1000)
    page.get_by_role("button", name="Generate").wait_for(timeout=timeout_s * 1000)
    page.wait_for_function(f"() => {{ const b = document.querySelector('{GENERATE}'); return b && !b.disabled; }}")
    return page


def burst(pages, timeout_s: float = 120.0, lead_s: float | None = None) -> dict:
    """Click Generate in every page at one instant; wait for every result.

    Returns ``seconds`` (per page, click to result; None for a failure: no result within
    ``timeout_s`` or an exception on the page), ``errors`` (what failed), ``spread_s`` (the
    latest click minus the earliest: how together they were), and ``started``/``ended``
    (epoch seconds of the first click and of the last result: the burst's wall time)."""
    lead_s = 0.3 + 0.05 * len(pages) if lead_s is None else lead_s  # time to arm every page first
    at_ms = int((time.time() + lead_s) * 1000)
    for page in pages:
        page.evaluate(ARM, at_ms)
    time.sleep(max(at_ms / 1000 - time.time(), 0))
    deadline = time.monotonic() + timeout_s
    notes, errors = [], []
    for index, page in enumerate(pages):
        try:
            left = max(deadline - time.monotonic(), 0.1)
            note = page.wait_for_function(NOTED, polling=50, timeout=left * 1000).json_value()
        except Exception as error:  # noqa: BLE001  (a timeout or a crashed page: one failure)
            try:
                note = page.evaluate("() => window.__load || {}")
            except Exception:  # noqa: BLE001
                note = {}
            note["error"] = note.get("error") or f"no result within {timeout_s:g} s ({type(error).__name__})"
            note["done"] = None
        notes.append(note)
        if note.get("error"):
            errors.append(f"session {index + 1}: {note['error']}")
    clicked = [n["clicked"] for n in notes if n.get("clicked")]
    seconds = [
        (n["done"] - n["clicked"]) / 1000 if n.get("done") and n.get("clicked") and not n.get("error") else None
        for n in notes
    ]
    done = [n["done"] for n in notes if n.get("done")]
    return {
        "seconds": seconds,
        "errors": errors,
        "spread_s": (max(clicked) - min(clicked)) / 1000 if clicked else None,
        "started": min(clicked) / 1000 if clicked else at_ms / 1000,
        "ended": max(done) / 1000 if done else time.time(),
        "hidden": sum(n.get("visibility") not in (None, "visible") for n in notes),
    }


def run_load(
    url: str, sessions: int, rounds: int, pause_s: float = 3.0, browser_path: str = CHROMIUM,
    server_pid: int | None = None, timeout_s: float = 120.0, solo_clicks: int = 3, report=print, warm: bool = False,
    styles: tuple[str, ...] = (),
) -> dict:  # fmt: skip
    """The load test on the studio at ``url``: first ``solo_clicks`` clicks of one session
    alone (each the first click of a fresh session, so made on the click, not ahead; after
    one click not timed), then ``sessions`` sessions opened and, ``rounds`` times, a `burst`
    of them all, ``pause_s`` apart (while people listen the studio makes their next melody
    ahead). With the server's ``server_pid`` (on this machine) its CPU over the bursts is
    measured too, all threads and per thread. ``report`` gets one line per round. ``warm``:
    every session first clicks once, one after another, not timed (a page's first result
    costs its browser ~2 s of CPU, loading the code of the result's elements: on one machine
    with the server, ten first clicks together measure mostly the browsers). ``styles``: the
    sessions open the studio in these traditions in turn (``?style=...``), as a class trying
    them all at once."""
    from playwright.sync_api import sync_playwright

    times, errors, walls, spreads, hidden = [], [], [], [], 0
    cpu_used, per_thread, windows, browser_cpu, per_round = 0.0, {}, [], 0.0, []
    loads = {"before": load_averages()}
    with sync_playwright() as playwright:
        browser = launch(playwright, browser_path)
        try:
            solo = []
            for click in range(solo_clicks + 1):  # the first, not timed: a server's first result
                page = open_session(browser, url, timeout_s)
                if server_pid:
                    wait_idle(server_pid, **IDLE)
                seconds = burst([page], timeout_s)["seconds"][0]
                page.context.close()
                if click and seconds is not None:
                    solo.append(seconds)
            urls = [f"{url}?style={styles[i % len(styles)]}" if styles else url for i in range(sessions)]
            pages = [open_session(browser, session_url, timeout_s) for session_url in urls]
            for page in pages if warm else []:
                burst([page], timeout_s)
            if server_pid:
                wait_idle(server_pid, **IDLE)  # the pages' first runs and the solo clicks' made-ahead work are over
            for number in range(rounds):
                if number:
                    time.sleep(pause_s)
                before = (cpu_seconds(server_pid), thread_cpu(server_pid)) if server_pid else None
                browser_before = descendants_cpu(os.getpid(), server_pid)
                result = burst(pages, timeout_s)
                browser_round = descendants_cpu(os.getpid(), server_pid) - browser_before
                browser_cpu += browser_round
                wall = result["ended"] - result["started"]
                line = f"round {number + 1}: browser CPU {browser_round:.1f} s, "
                if before:
                    cpu, threads = cpu_seconds(server_pid) - before[0], thread_cpu(server_pid)
                    cpu_used += cpu
                    for tid, seconds in threads.items():
                        per_thread[tid] = per_thread.get(tid, 0.0) + seconds - before[1].get(tid, 0.0)
                    line += f"server CPU {cpu:.1f} s, "
                figures = summary(result["seconds"])
                times += result["seconds"]
                per_round.append([None if s is None else round(s, 3) for s in result["seconds"]])
                errors += [f"round {number + 1}, {e}" for e in result["errors"]]
                walls.append(wall)
                spreads.append(result["spread_s"] or 0.0)
                hidden += result["hidden"]
                windows.append((result["started"], result["ended"]))
                done = [s for s in result["seconds"] if s is not None]
                report(
                    line + f"{len(done)}/{len(pages)} results, median {figures['median_s']} s, "
                    f"p95 {figures['p95_s']} s, max {figures['max_s']} s, last result {wall:.2f} s after "
                    f"the first click (clicks within {result['spread_s'] or 0:.3f} s); load {load_averages()}"
                )
        finally:
            browser.close()
    loads["after"] = load_averages()
    done = [s for s in times if s is not None]
    clicks, burst_s = len(times), sum(walls)
    result = {
        "sessions": sessions,
        "rounds": rounds,
        "clicks": clicks,
        **summary(times),
        "failures": clicks - len(done),
        "errors": errors[:10],
        "single_click_s": round(statistics.median(solo), 3) if solo else None,
        "single_clicks_s": [round(s, 3) for s in solo],
        "rounds_s": per_round,  # each round's clicks, session by session
        "pause_s": pause_s,
        "warm": warm,
        "burst_wall_s": round(burst_s, 2),
        "clicks_per_s_per_core": round(len(done) / burst_s / cores(), 3) if burst_s else None,
        "server_cpu_s": round(cpu_used, 2) if server_pid else None,
        "server_cpu_s_per_click": round(cpu_used / clicks, 3) if server_pid and clicks else None,
        "server_cores_busy": round(cpu_used / burst_s, 2) if server_pid and burst_s else None,
        "browser_cpu_s": round(browser_cpu, 2),
        "click_spread_s": round(max(spreads), 3) if spreads else None,
        "hidden_pages": hidden,
        "cores": cores(),
        "cpu": cpu_name(),
        "load_averages": loads,
        "_per_thread_cpu": per_thread,
        "_windows": windows,
    }
    return result


# ---------------------------------------------------------------- the machine and the server
def cpu_name() -> str:
    for line in pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def cores() -> int:
    """The cores this process may run on (what the server and the browsers share here)."""
    return len(os.sched_getaffinity(0))


def load_averages() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of process ``pid`` (native thread id -> seconds)."""
    ticks, result = os.sysconf("SC_CLK_TCK"), {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue  # a thread that has just ended
        result[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def descendants_cpu(root: int, skip: int | None = None) -> float:
    """CPU seconds of the living processes under ``root`` (children, theirs...), leaving out
    ``skip`` and what runs under it: here the browser and its Playwright driver, not the server."""
    children: dict[int, list[int]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0.0, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if pid == skip:
            continue
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
        stack += children.get(pid, [])
    return total


# ---------------------------------------------------------------- server-side probe (optional)
PROBED = {  # module -> functions wrapped (looked up by attribute at call time in the studio)
    "melody.generate.generator": ["generate"],
    "melody.chords.model": ["harmonize"],
    "melody.output.files": ["render_all", "to_wav_bytes", "to_musicxml_bytes", "to_svg"],
}


def _schedstat() -> tuple[float, float]:
    """This thread's seconds on a CPU and waiting on a run queue (for a core)."""
    try:
        run, wait, _ = pathlib.Path("/proc/thread-self/schedstat").read_text().split()
        return int(run) / 1e9, int(wait) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


def _record(out, name: str, started: float, wall0: float, cpu0: float, sched0) -> None:
    import threading

    sched = _schedstat()
    thread = threading.current_thread()
    line = {
        "fn": name,
        "thread": thread.name,
        "tid": threading.get_native_id(),
        "t0": started,
        "wall": time.perf_counter() - wall0,
        "cpu": time.thread_time() - cpu0,
        "runq": sched[1] - sched0[1],
    }
    out.write(json.dumps(line) + "\n")
    out.flush()


def _timed(function, name: str, out):
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started, wall0, cpu0, sched0 = time.time(), time.perf_counter(), time.thread_time(), _schedstat()
        try:
            return function(*args, **kwargs)
        finally:
            _record(out, name, started, wall0, cpu0, sched0)

    return wrapper


class _TimedLock:
    """A lock that writes how long each acquire waited (the synthesizer's lock)."""

    def __init__(self, out, name: str):
        import threading

        self._lock, self._out, self._name = threading.Lock(), out, name

    def __enter__(self):
        started, wall0, cpu0, sched0 = time.time(), time.perf_counter(), time.thread_time(), _schedstat()
        self._lock.acquire()
        _record(self._out, self._name + " wait", started, wall0, cpu0, sched0)
        self._held = (time.time(), time.perf_counter(), time.thread_time(), _schedstat())
        return self

    def __exit__(self, *exc):
        held = self._held
        self._lock.release()
        _record(self._out, self._name + " held", *held)

    def acquire(self, *args, **kwargs):
        return self._lock.acquire(*args, **kwargs)

    def release(self):
        self._lock.release()


def install_probe(path: str) -> None:
    """Wrap the studio's costly functions in this process (see the module's docstring);
    one JSON line per call, appended to ``path``."""
    import importlib

    out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115  (open for the life of the server)
    for module_name, names in PROBED.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, _timed(getattr(module, name), f"{module_name.split('.')[-1]}.{name}", out))
    from melody.output import sound
    from melody.studio import click

    click._make = _timed(click._make, "ahead._make (whole job)", out)
    click.Ahead.take = staticmethod(_timed(click.Ahead.take, "ahead.take (waits)", out))
    original_init = sound._FluidSynth.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.lock = _TimedLock(out, "synth lock")

    sound._FluidSynth.__init__ = init
    from streamlit.runtime.scriptrunner import script_runner

    script_runner.ScriptRunner._run_script = _timed(script_runner.ScriptRunner._run_script, "script run", out)


def probe_env(path: str) -> dict:
    """Environment for a server started with `devtools.serve.streamlit_process` that runs
    `install_probe` at start-up (a ``sitecustomize`` in a temporary folder on PYTHONPATH)."""
    folder = tempfile.mkdtemp(prefix="load-probe-")
    pathlib.Path(folder, "sitecustomize.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(pathlib.Path(__file__).resolve().parents[1])!r})\n"
        "from devtools import load\n"
        f"load.install_probe({path!r})\n",
        encoding="utf-8",
    )
    paths = [folder, str(pathlib.Path(__file__).resolve().parent.parent)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {"PYTHONPATH": os.pathsep.join(paths)}


def probe_calls(path: str, windows) -> list[dict]:
    """The probe's calls that started inside one of ``windows`` ((start, end) epoch seconds)."""
    calls = [json.loads(line) for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines()]
    return [call for call in calls if any(start <= call["t0"] <= end for start, end in windows)]


def _kind(thread: str) -> str:
    return "ahead" if thread == "melody-ahead" else ("click" if "Script" in thread else "other")


def mean_wall(calls, name: str, kind: str = "any") -> tuple[float, int]:
    """Mean wall seconds of the calls of ``name`` on threads of ``kind`` (or any), and how many."""
    walls = [c["wall"] for c in calls if c["fn"] == name and kind in ("any", _kind(c["thread"]))]
    return (sum(walls) / len(walls) if walls else 0.0), len(walls)


def probe_summary(path: str, windows) -> list[dict]:
    """Per function and kind of thread (a click's script thread or the made-ahead worker),
    over the calls that started inside one of ``windows`` ((start, end) epoch seconds): calls,
    and mean seconds of wall time, CPU, run-queue wait (for a core) and blocked (the rest:
    the GIL, a lock, I/O)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for call in probe_calls(path, windows):
        groups.setdefault((call["fn"], _kind(call["thread"])), []).append(call)
    rows = []
    for (name, kind), calls in sorted(groups.items()):
        n = len(calls)
        wall = sum(c["wall"] for c in calls) / n
        cpu = sum(c["cpu"] for c in calls) / n
        runq = sum(c["runq"] for c in calls) / n
        rows.append(
            {"fn": name, "thread": kind, "calls": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
             "runq_s": round(runq, 3), "blocked_s": round(max(wall - cpu - runq, 0.0), 3)}
        )  # fmt: skip
    return rows


def thread_names(path: str) -> dict[int, str]:
    """Native thread id -> Python thread name, as the probe saw them."""
    names = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        names[call["tid"]] = call["thread"]
    return names
