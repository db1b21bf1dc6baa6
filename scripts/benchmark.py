#!/usr/bin/env python3
"""Speed of the project against the seed report's way, side by side in one run.

Measures, in this process on this machine: generation (the NumPy step sampler vs the
seed's `model.predict` on the whole 64-step window per symbol), training (chunked
many-to-many vs one target per one-hot window, batch 64), preprocessing, and the app's
click-to-audio work; and whole processes as people start them (generate.py, a cold
studio in headless Chromium, with their memory). Prints a table, writes a scaling plot,
and ends with one JSON line.

Example:
    .venv/bin/python scripts/benchmark.py              # about 3 minutes on 2 cores
    .venv/bin/python scripts/benchmark.py --quick      # under a minute
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import _common  # import path, quiet TensorFlow

from melody.net.folder import default_model_folder


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(default_model_folder()), help="model folder (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and no scaling sweep")
    parser.add_argument(
        "--trainer-variants",
        action="store_true",
        help="also time the trainer with 1 or 2 lanes and float32 or bfloat16 products",
    )
    parser.add_argument("--plot", default="assets/benchmark.png", help="scaling plot to write (default: %(default)s)")
    return parser.parse_args()


def songs_for_timing(loaded, count: int):
    """Songs of music21's bundled Essen erk sets (the training corpus), for timing only."""
    from melody.songs.corpus import collect, default_corpus_files, run_tasks, tasks_for_file

    tasks = [t for f in default_corpus_files() if f.stem.startswith("erk") for t in tasks_for_file(f)][:count]
    songs = [m for m in collect(run_tasks(tasks)).melodies if set(m.steps) <= set(loaded.vocab.symbols)]
    return songs, tasks


def serving_rows(model: str, repeats: int) -> dict:
    """Whole processes as people start them: generate.py (a song of 16 bars to MIDI) and a
    cold studio in headless Chromium; the median time of ``repeats`` runs, the largest memory."""
    import statistics
    import sys

    from devtools import benchmark as bench

    command = [sys.executable, str(_common.ROOT / "scripts" / "generate.py"), "--model", model, "--bars", "16"]
    command += ["--out", os.path.join(os.environ.get("TMPDIR", "/tmp"), "folk-benchmark.mid")]
    runs = [
        bench.process_cost(command, cwd=_common.ROOT, env=os.environ | {"FOLK_MODEL": model}) for _ in range(repeats)
    ]
    rows = {"generate_py_s": min(s for s, _ in runs), "generate_py_peak_mb": max(mb for _, mb in runs)}
    if os.path.exists("/usr/bin/chromium"):
        with_model = {**os.environ, "FOLK_MODEL": model}
        studios = [bench.studio_cold_start(_common.ROOT / "app.py", env=with_model) for _ in range(repeats)]
        rows["studio_start_s"] = statistics.median(r["studio_start_s"] for r in studios)
        rows["studio_rss_mb_after_5_clicks"] = max(r["studio_rss_mb_after_clicks"] for r in studios)
    return rows


def plot_scaling(scaling: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from melody.core.storage import atomic_write_bytes

    figure, axes = plt.subplots(1, 3, figsize=(11, 3.2), dpi=100)
    panels = [
        ("generation vs steps (batch 1)", "steps", "ms", scaling["generate_ms_by_steps"]),
        ("generation vs batch (256 steps)", "melodies at once", "ms", scaling["generate_ms_by_batch"]),
        ("training vs chunk length", "steps per chunk", "targets / s", scaling["train_targets_per_s_by_chunk"]),
    ]
    for axis, (title, xlabel, ylabel, values) in zip(axes, panels):
        xs = [int(x) for x in values]
        axis.plot(xs, list(values.values()), marker="o")
        axis.set_xscale("log", base=2)
        axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    atomic_write_bytes(path, buffer.getvalue())
    plt.close(figure)


def main() -> None:
    from devtools import benchmark as bench
    from melody.core.machine import cpu_name
    from melody.net.folder import load_model_folder
    from melody.train.training import TrainConfig

    args = parse_args()
    _common.start_tensorflow(onednn=True)  # bfloat16 products on the CPU's matrix units
    matmul_dtype = TrainConfig().matmul_dtype()  # what train.py uses here
    started = time.perf_counter()
    quick = args.quick
    loaded = load_model_folder(args.model)
    vocab = loaded.vocab
    songs, tasks = songs_for_timing(loaded, 200 if quick else 600)
    rows = {}
    rows["generate_ms_1000_steps"] = bench.generate_ms(loaded, 1000, repeats=5 if quick else 9)
    units = loaded.config.units  # the reference gets the same LSTM size as the model measured
    rows["seed_style_ms_per_step"] = bench.seed_style_ms_per_step(vocab, 5 if quick else 20, units)
    rows["generate_speedup"] = rows["seed_style_ms_per_step"] / (rows["generate_ms_1000_steps"] / 1000)
    rows["variations16_ms_256_steps"] = bench.generate_ms(loaded, 256, variations=16, repeats=5 if quick else 9)
    rows["generate_ms_16_bars"] = bench.generate_bars_ms(loaded, 16, repeats=5 if quick else 9)
    rows["train_targets_per_s"] = bench.train_rate(songs, vocab, chunks=6 if quick else 20, units=units)
    rows["seed_style_train_targets_per_s"] = bench.seed_style_train_rate(songs, vocab, 6 if quick else 20, units)
    rows["train_speedup"] = rows["train_targets_per_s"] / rows["seed_style_train_targets_per_s"]
    if matmul_dtype != "float32":  # the same trainer with float32 products, for CPUs without AMX
        rows["train_targets_per_s_float32"] = bench.train_rate(
            songs, vocab, chunks=6 if quick else 20, units=units, precision="float32"
        )
        rows["train_speedup_float32"] = rows["train_targets_per_s_float32"] / rows["seed_style_train_targets_per_s"]
    rows["preprocess_songs_per_s"] = bench.preprocess_rate(tasks[: 100 if quick else 300])
    rows["app_generate_musicxml_wav_ms_256_steps"] = bench.app_render_ms(loaded, 256, repeats=1 if quick else 3)
    rows["studio_click_server_ms_256_steps"] = bench.studio_click_ms(loaded, 256, repeats=1 if quick else 3)
    rows["harmonize_ms_256_steps"] = bench.harmonize_ms(loaded, 256, repeats=5 if quick else 20)
    rows["transcribe_ms_10_s"] = bench.transcribe_ms(10.0, repeats=5 if quick else 9)
    rows["transcribe_cold_s"] = min(bench.transcribe_cold_s() for _ in range(1 if quick else 3))
    rows.update(serving_rows(args.model, repeats=1 if quick else 3))
    if args.trainer_variants:  # what each part of the trainer brings (README: Performance)
        for precision in ("float32", "bfloat16"):
            for lanes in (1, 2):
                rate = bench.train_rate(
                    songs, vocab, chunks=6 if quick else 20, units=units, precision=precision, lanes=lanes
                )
                rows[f"train_speedup_{precision}_{lanes}_lanes"] = rate / rows["seed_style_train_targets_per_s"]
    scaling = {}
    if not quick:
        scaling["generate_ms_by_steps"] = {
            n: bench.generate_ms(loaded, n, repeats=3) for n in (256, 512, 1024, 2048, 4096)
        }
        scaling["generate_ms_by_batch"] = {b: bench.generate_ms(loaded, 256, b, repeats=3) for b in (1, 4, 16, 64)}
        scaling["train_targets_per_s_by_chunk"] = {
            c: bench.train_rate(songs, vocab, c, chunks=8) for c in (16, 32, 64, 128)
        }
        plot_scaling(scaling, args.plot)
    labels = {
        "generate_ms_1000_steps": ("generate 1,000 steps, batch 1 (ms)", "<= 50"),
        "seed_style_ms_per_step": ("seed style: one generated step (ms)", ""),
        "generate_speedup": ("generation speed-up per symbol (x)", ""),
        "variations16_ms_256_steps": ("16 variations x 256 steps (ms)", "<= 100"),
        "generate_ms_16_bars": ("a song of 16 bars at temperature 0.8, batch 1 (ms)", ""),
        "train_targets_per_s": (f"training targets/s, many-to-many ({matmul_dtype} products)", ""),
        "seed_style_train_targets_per_s": ("training targets/s, seed style", ""),
        "train_speedup": ("training speed-up (x)", ">= 80"),
        "train_targets_per_s_float32": ("training targets/s, many-to-many (float32 products)", ""),
        "train_speedup_float32": ("training speed-up, float32 products (x)", ""),
        "preprocess_songs_per_s": ("preprocessing songs/s (all cores)", ""),
        "app_generate_musicxml_wav_ms_256_steps": ("app click: generate + MusicXML + WAV, 256 steps (ms)", ""),
        "studio_click_server_ms_256_steps": ("studio click on the server: generate, chords, renders (ms)", ""),
        "harmonize_ms_256_steps": ("chords for a melody of 256 steps (ms)", "<= 50"),
        "transcribe_ms_10_s": ("sung seed: 10 s of singing heard, one thread (ms)", "<= 500"),
        "transcribe_cold_s": ("sung seed: first take in a fresh process (s)", "<= 2"),
        "generate_py_s": ("generate.py, whole process, 16 bars to MIDI (s)", "<= 1.5"),
        "generate_py_peak_mb": ("generate.py, peak resident memory (MB)", "<= 300"),
        "studio_start_s": ("studio: streamlit run to a usable page, cold (s)", "<= 5"),
        "studio_rss_mb_after_5_clicks": ("studio: server resident memory after 5 clicks (MB)", "<= 400"),
    }
    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Folk Melody Studio benchmark ({'quick' if quick else 'full'}) on {machine}")
    print(f"{'measure':<56}{'value':>12}  target")
    for key, (label, target) in labels.items():
        if key not in rows:
            continue
        print(f"{label:<56}{rows[key]:>12,.1f}  {target}")
    for key in (k for k in rows if k.endswith("_lanes")):
        print(
            f"{'training speed-up, ' + key[len('train_speedup_') :].replace('_', ' ') + ' (x)':<56}{rows[key]:>12,.1f}"
        )
    for name, values in scaling.items():
        print(f"{name}: " + ", ".join(f"{k}: {v:,.1f}" for k, v in values.items()))
    rows = {k: round(v, 2) for k, v in rows.items()}
    result = {
        **rows,
        "train_matmul_dtype": matmul_dtype,
        "quick": quick,
        "machine": machine,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if scaling:
        result["scaling"] = {k: {str(n): round(v, 2) for n, v in d.items()} for k, d in scaling.items()}
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
