"""Speed, measured side by side with the seed report's way, in one process on one machine.

The seed-style reference is rebuilt here as the report describes it: one-hot windows of
64 symbols -> LSTM(256) -> Dropout -> softmax, one target per window, batch 64; and
generation by ``model.predict`` on the whole window for every new symbol. The project's
way is the chunked many-to-many trainer (`melody.train.training`, `melody.train.recurrence`) and the
NumPy step sampler.

    >>> report = run_benchmark(loaded, songs, quick=True)      # doctest: +SKIP
    >>> report["generate_speedup"]                              # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from melody.core.machine import timed
from melody.core.melody import END, Melody
from melody.generate.generator import generate
from melody.generate.sampling import sample_ids, variation_rngs
from melody.net.folder import ModelConfig
from melody.net.vocabulary import Vocabulary
from melody.songs.typed import EXAMPLE, parse_seed
from melody.train.batching import make_streams
from melody.train.keras_model import build_training_model
from melody.train.training import TrainConfig

WINDOW = 64  # the seed's sequence length
BATCH = 64  # the seed's batch size


# ---------------------------------------------------------------- the seed report's way
def seed_style_model(vocab_size: int, units: int = 256):
    """LSTM(256) -> Dropout -> softmax over one-hot windows of 64, Adam 1e-3."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((WINDOW, vocab_size)),
            keras.layers.LSTM(units),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(vocab_size, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model


def seed_style_windows(songs: list[Melody], vocab: Vocabulary, count: int, seed: int = 0):
    """``count`` one-hot windows (count, 64, vocab) of the joined series and their next ids."""
    delimiter = [vocab.id(END)] * WINDOW
    series = np.concatenate([np.concatenate([vocab.encode(m.steps), delimiter]) for m in songs])
    starts = np.random.default_rng(seed).integers(0, len(series) - WINDOW - 1, count)
    ids = series[starts[:, None] + np.arange(WINDOW)]
    return np.eye(len(vocab), dtype=np.float32)[ids], series[starts + WINDOW]


def seed_style_train_rate(songs, vocab, batches: int, units: int = 256) -> float:
    """Targets per second of the seed's training: one target per window, batch 64."""
    model = seed_style_model(len(vocab), units)
    x, y = seed_style_windows(songs, vocab, BATCH * batches)
    model.train_on_batch(x[:BATCH], y[:BATCH])  # warm-up: builds the graph
    started = time.perf_counter()
    for b in range(batches):
        model.train_on_batch(x[b * BATCH : (b + 1) * BATCH], y[b * BATCH : (b + 1) * BATCH])
    return BATCH * batches / (time.perf_counter() - started)


def seed_style_ms_per_step(vocab: Vocabulary, steps: int, units: int = 256, repeats: int = 3) -> float:
    """ms per generated symbol the seed's way: ``predict`` on the whole one-hot window."""
    model = seed_style_model(len(vocab), units)
    one_hot = np.eye(len(vocab), dtype=np.float32)
    window = list(parse_seed(EXAMPLE).steps)
    rngs = variation_rngs(0, 1)

    def one_step():
        ids = vocab.encode(window[-WINDOW:])
        x = np.zeros((1, WINDOW, len(vocab)), np.float32)
        x[0, WINDOW - len(ids) :] = one_hot[ids]
        probabilities = model.predict(x, verbose=0)
        window.append(vocab.symbols[int(sample_ids(probabilities, 1.0, rngs)[0])])

    return timed(lambda: [one_step() for _ in range(steps)], repeats) / steps


# ---------------------------------------------------------------- the project's way
def train_rate(
    songs,
    vocab,
    chunk: int = 64,
    chunks: int = 20,
    units: int = 256,
    rows: int = BATCH,
    precision: str = "auto",
    lanes: int = TrainConfig.lanes,
) -> float:
    """Targets per second of the project's trainer as `train.py` runs it (songs packed back
    to back, the hand-written recurrence in two lanes, ``precision`` matrix products):
    one optimisation step per chunk, timed over ``chunks`` chunks after a warm-up chunk."""
    import tensorflow as tf

    from melody.train.training import ChunkTrainer

    settings = TrainConfig(batch_size=rows, chunk=chunk, precision=precision, lanes=lanes)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), units=units)
    trainer = ChunkTrainer(
        build_training_model(config), tf.distribute.get_strategy(), config, settings.matmul_dtype(), settings.lanes
    )
    # Timed over full chunks, as nearly all of a training epoch is (Essen: 185 full chunks
    # and a part-filled last one); the songs are repeated when they are too few for that.
    if not songs:
        raise ValueError("no songs to time the trainer on")
    copies = 1
    while len(streams := make_streams(songs * copies, vocab, streams=rows, chunk=chunk, seed=0)) < chunks + 2:
        copies *= 2
    trainer.epoch(streams, chunks=range(1))  # warm-up: traces the step
    window = range(1, chunks + 1)
    started = time.perf_counter()
    trainer.epoch(streams, chunks=window)
    seconds = time.perf_counter() - started
    return float((streams.weights[1 : window.stop] > 0).sum()) / seconds


def generate_ms(loaded, steps: int, variations: int = 1, repeats: int = 5) -> float:
    """Median ms to generate ``steps`` new steps for ``variations`` melodies at once."""
    seed = parse_seed(EXAMPLE)
    return timed(
        lambda: generate(loaded, seed, steps=steps, variations=variations, random_seed=1, full_length=True), repeats
    )


def generate_bars_ms(loaded, bars: int = 16, temperature: float = 0.8, repeats: int = 5) -> float:
    """Median ms to generate one song of ``bars`` bars (the studio's click: body, loop guard,
    the two-bar ending drawn as candidates), each repeat with its own random seed."""
    seed, draws = parse_seed(EXAMPLE), iter(range(10**6))
    return timed(lambda: generate(loaded, seed, bars=bars, temperature=temperature, random_seed=next(draws)), repeats)


def preprocess_rate(tasks, workers: int | None = None) -> float:
    """Songs per second parsed, filtered and transposed (process pool on all cores)."""
    from melody.songs.corpus import run_tasks

    started = time.perf_counter()
    run_tasks(tasks, workers)
    return len(tasks) / (time.perf_counter() - started)


def app_render_ms(loaded, steps: int = 256, repeats: int = 3) -> float:
    """Generate + MusicXML + WAV for one melody: what the app does after a click."""
    from melody.output import engrave, sound

    seed = parse_seed(EXAMPLE)

    def click():
        [melody] = generate(loaded, seed, steps=steps, random_seed=1, full_length=True)
        engrave.to_musicxml_bytes(melody)
        sound.to_wav_bytes(melody)

    return timed(click, repeats)


def studio_click_ms(loaded, steps: int = 256, repeats: int = 3, chords: bool = True) -> float:
    """What the studio's server does for a click on Generate (made on the click, not ahead):
    generate, the chords (as the page opens, ``chords``), then the WAV, the MusicXML and the
    score wide and for phones. The browser's part is measured by scripts/click_time.py."""
    from melody.chords import model as harmony
    from melody.output import files

    seed, chord_model = parse_seed(EXAMPLE), harmony.load() if chords else None

    def click():
        [melody] = generate(loaded, seed, steps=steps, random_seed=1, full_length=True)
        files.render_all(harmony.harmonize(melody, chord_model) if chords else melody)

    return timed(click, repeats)


def harmonize_ms(loaded, steps: int = 256, repeats: int = 20) -> float:
    """Choosing the chords of one melody of ``steps`` 16ths (issue 16: at most 50 ms a click)."""
    from melody.chords import model as harmony

    [melody] = generate(loaded, parse_seed(EXAMPLE), steps=steps, random_seed=1, full_length=True)
    chord_model = harmony.load()
    return timed(lambda: harmony.harmonize(melody, chord_model), repeats)


SUNG = "corpora/singing/vocadito_1.wav"  # a real sung recording (vocadito track 1, CC BY 4.0)


def transcribe_ms(seconds: float = 10.0, repeats: int = 9) -> float:
    """Hearing the notes of ``seconds`` of real singing, read and decoded (issue 24: 10 s in at
    most 0.5 s on one core; the pitch tracker runs on one thread)."""
    from melody.core.paths import ROOT
    from melody.songs.recording import read_recording
    from melody.songs.sung import transcribe

    data = (ROOT / SUNG).read_bytes()
    return timed(lambda: transcribe(read_recording(data, "sung.wav", max_seconds=seconds)), repeats)


def transcribe_cold_s() -> float:
    """The first recording heard by a fresh process: imports, the tracker's start and 10 s of
    singing (issue 24: at most 2 s)."""
    import subprocess
    import sys

    from melody.core.paths import ROOT

    code = (
        "import time; t = time.perf_counter()\n"
        "from melody.songs.recording import read_recording_file\n"
        "from melody.songs.sung import transcribe\n"
        f"transcribe(read_recording_file({str(ROOT / SUNG)!r}, max_seconds=10))\n"
        "print(time.perf_counter() - t)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(done.stdout.strip())


# ---------------------------------------------------------------- whole processes
def process_cost(command: list[str], cwd=None, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one whole child process, from its start to its exit.

    The peak is the child's own VmHWM, polled every 5 ms: its high-water mark starts afresh
    when it executes the command. (``wait4``'s ru_maxrss would not do: Linux carries over
    the memory of the process that forked it, e.g. a benchmark with TensorFlow loaded.)"""
    import subprocess

    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while child.poll() is None:
        try:
            peak = max(peak, _status_mb(child.pid, "VmHWM"))
        except (OSError, RuntimeError):  # exiting
            pass
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    errors = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}: {errors[-500:]}")
    return seconds, peak


def _status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/PID/status (VmRSS, VmHWM), in MB."""
    for line in open(f"/proc/{pid}/status", encoding="utf-8"):
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def resident_mb(pid: int) -> float:
    """Resident memory of a running process now (VmRSS), in MB."""
    return _status_mb(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process (all its threads) has used so far."""
    fields = open(f"/proc/{pid}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def link_cost(app, query: str, sessions: int = 1, stay_s: float = 3.0, browser_path: str = "/usr/bin/chromium") -> dict:
    """What visitors who open a studio link and leave cost the server: ``sessions`` fresh
    browser sessions open ``query`` (e.g. "?bars=64&melody=7") together, each closes its tab
    after ``stay_s`` seconds, and the server is watched until it is idle again. Returns the
    server's CPU seconds spent from the first open until idle (all its threads), its
    resident MB before, at the peak (sampled every 0.1 s) and once idle, the seconds until
    idle, and how long it then takes to stop after SIGTERM."""
    import threading

    from playwright.sync_api import sync_playwright

    from devtools.serve import streamlit_process

    figures, peak, watching = {}, [0.0], threading.Event()
    with streamlit_process(app) as (url, server), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        warm = browser.new_page()  # the model loads once for all sessions: not counted
        warm.goto(url, timeout=120_000)
        warm.get_by_role("button", name="Generate").wait_for(timeout=120_000)
        warm.close()
        wait_idle(server.pid)
        before_cpu, before_mb = cpu_seconds(server.pid), resident_mb(server.pid)

        def watch():
            while not watching.is_set():
                peak[0] = max(peak[0], resident_mb(server.pid))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(sessions)]
        for context in contexts:
            context.new_page().goto(url + query, wait_until="commit", timeout=60_000)
        time.sleep(stay_s)
        for context in contexts:
            context.close()
        wait_idle(server.pid)
        watching.set()
        watcher.join()
        figures = {
            "sessions": sessions,
            "stay_s": stay_s,
            "server_cpu_s": round(cpu_seconds(server.pid) - before_cpu, 2),
            "idle_after_s": round(time.perf_counter() - started, 1),
            "rss_mb_before": round(before_mb),
            "rss_mb_peak": round(peak[0]),
            "rss_mb_idle": round(resident_mb(server.pid)),
        }
        browser.close()
        stopped = time.perf_counter()
        server.terminate()
        try:
            server.wait(timeout=120)
        finally:
            figures["stop_s"] = round(time.perf_counter() - stopped, 2)
    return figures


def wait_idle(pid: int, quiet_s: float = 3.0, limit_s: float = 900.0, share: float = 0.02) -> None:
    """Wait until process ``pid`` has used under ``share`` of a core for ``quiet_s`` seconds
    (e.g. the studio's made-ahead worker has finished), or ``limit_s`` has passed."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        used = cpu_seconds(pid)
        time.sleep(quiet_s)
        if cpu_seconds(pid) - used < share * quiet_s:
            return


AUDIO_SOURCE = "() => { const audio = document.querySelector('audio'); return audio ? audio.src : ''; }"


def studio_cold_start(app, browser_path: str = "/usr/bin/chromium", clicks: int = 5, env: dict | None = None) -> dict:
    """A cold studio as a presenter meets it: seconds from ``streamlit run`` to a usable page
    (the Generate button on a fresh page of an already running headless Chromium), then the
    server's resident MB after ``clicks`` generations (each with a new random seed)."""
    import os
    import pathlib
    import subprocess
    import sys
    import urllib.request

    from playwright.sync_api import sync_playwright

    from devtools.serve import free_port

    app = pathlib.Path(app)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        server = subprocess.Popen(command, cwd=app.parent, env=env or {"OPENBLAS_NUM_THREADS": "1", **os.environ},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            while True:  # the page is asked for as soon as the server answers
                try:
                    urllib.request.urlopen(url, timeout=1)
                    break
                except OSError:
                    if server.poll() is not None or time.perf_counter() - started > 120:
                        raise RuntimeError("the studio did not start") from None
                    time.sleep(0.05)
            page.goto(url, timeout=120_000)
            page.get_by_role("button", name="Generate").wait_for(timeout=120_000)
            start_s = time.perf_counter() - started
            for click in range(clicks):
                seed_box = page.locator("input[aria-label^='Random seed']")
                if seed_box.count():  # a new melody each click
                    seed_box.fill(str(100 + click))
                    seed_box.press("Enter")
                    time.sleep(0.5)
                before = page.evaluate(AUDIO_SOURCE)
                page.get_by_role("button", name="Generate").click()
                page.wait_for_function(f"() => ({AUDIO_SOURCE})() !== {json.dumps(before)}", timeout=60_000)
                page.get_by_role("button", name="WAV").wait_for(timeout=60_000)
            memory = resident_mb(server.pid)
        finally:
            browser.close()
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return {"studio_start_s": start_s, "studio_rss_mb_after_clicks": memory, "clicks": clicks}
