#!/usr/bin/env python3
"""How well does each pitch tracker hear the notes of a real sung recording, how fast, how big?

For the studio's "Sing or hum" seed (issue 24): each tracker turns the recording (read as
the studio reads it: mono, 16 kHz) into notes, scored against each of two human note
annotations with mir_eval's note measure (an estimated note matches a reference note when
its onset is within 50 ms and its pitch within 50 cents; offsets not compared): precision,
recall and F-measure. The two annotators are scored against each other too (A1 as the
reference), as a ceiling. Each tracker is also timed on the first 10 s of the recording in a
fresh process pinned to one CPU (after one warm-up run: model loading, numba's compilation
of pYIN), and the resident memory that importing, loading and running it adds is measured
(--cost-seconds 30: on the first 30 s, the studio's longest recording; the time is still
given per 10 s).

Trackers (melody/train/transcription_eval.py): swift-f0 (the studio's path), swift-f0-raw
(swift-f0's segment_notes, nothing more), pyin and pyin-defaults (librosa's pYIN, made notes
by swift-f0's segmenter), basic-pitch and basic-pitch-tuned (Spotify's, through its ONNX
model, no TensorFlow). A tracker whose library is not installed is skipped, saying what to
install (the studio's own venv has swift-f0 only; the report in docs/transcription-report.md
was made in a venv with librosa and basic-pitch too).

Prints a markdown table, the CPU, and last one JSON line with the same numbers.

Example:
    .venv/bin/python scripts/transcription_report.py
    OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python scripts/transcription_report.py --trackers swift-f0 pyin
    .venv/bin/python scripts/transcription_report.py --no-cost
    .venv/bin/python scripts/transcription_report.py --trackers swift-f0 --cost-seconds 30
"""

from __future__ import annotations

import argparse
import json
import pathlib

import _common

SINGING = _common.ROOT / "corpora" / "singing"
TRACKER_NAMES = ("swift-f0", "swift-f0-raw", "pyin", "pyin-defaults", "basic-pitch", "basic-pitch-tuned")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--audio", type=pathlib.Path, default=SINGING / "vocadito_1.wav", help="recording (default: vocadito track 1)"
    )
    parser.add_argument(
        "--annotations",
        type=pathlib.Path,
        nargs="+",
        metavar="CSV",
        default=[SINGING / "vocadito_1_notesA1.csv", SINGING / "vocadito_1_notesA2.csv"],
        help="note annotations, one note a line: onset s, frequency Hz, duration s (default: vocadito's A1 and A2)",
    )
    parser.add_argument(
        "--trackers",
        nargs="+",
        choices=TRACKER_NAMES,
        default=list(TRACKER_NAMES),
        metavar="NAME",
        help=f"trackers to score (default: all: {' '.join(TRACKER_NAMES)})",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tracker (default: 3)")
    parser.add_argument(
        "--cost-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="time and measure memory on the first S seconds (default: 10; the time is given per 10 s)",
    )
    parser.add_argument("--no-cost", action="store_true", help="skip the time and memory measurements")
    args = parser.parse_args()
    if args.repeats < 1 or not 1 <= args.cost_seconds <= 60:
        parser.error("--repeats takes a whole number >= 1, --cost-seconds 1 to 60")
    return args


def cpu_name() -> str:
    """The CPU's model name and how many CPUs this process may use (Linux), e.g. "AMD EPYC, 2 CPUs"."""
    import os

    name = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            name = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name}, {os.cpu_count()} CPUs ({usable} usable by this process)"


def triple(scores) -> str:
    return f"{scores.precision:.2f} / {scores.recall:.2f} / {scores.f1:.2f}"


def main() -> None:
    args = parse_args()
    from melody.songs.recording import read_recording_file
    from melody.train.transcription_eval import (
        TIMED_SECONDS,
        TRACKERS,
        missing,
        note_scores,
        reference_notes,
        tracker_cost,
    )

    references = [reference_notes(path) for path in args.annotations]
    names = [f"A{index + 1}" for index in range(len(references))]
    recording = read_recording_file(args.audio, max_seconds=60)
    rows = []
    for name in args.trackers:
        install = missing(name)
        if install:
            print(f"skipped {name}: {install}")
            continue
        notes = TRACKERS[name].notes(recording.samples)
        scores = {short: note_scores(reference, notes) for short, reference in zip(names, references)}
        cost = None if args.no_cost else tracker_cost(name, recording.samples, args.repeats, args.cost_seconds)
        rows.append((name, len(notes), scores, cost))

    print(
        f"{args.audio.name}: {recording.seconds:.1f} s; references "
        + ", ".join(
            f"{short} {path.name} ({len(ref)} notes)" for short, path, ref in zip(names, args.annotations, references)
        )
    )
    print("P / R / F: note precision, recall, F-measure (onset within 50 ms, pitch within 50 cents; mir_eval)")
    print()
    head = ["tracker", "notes found", *(f"P / R / F vs {short}" for short in names)]
    if not args.no_cost:
        clip = min(args.cost_seconds, recording.seconds)
        head += [f"s per {TIMED_SECONDS:.0f} s (1 core)", "MB added" + ("" if clip == 10 else f" ({clip:.0f} s)")]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for name, found, scores, cost in rows:
        cells = [TRACKERS[name].label, str(found), *(triple(scores[short]) for short in names)]
        if cost:
            cells += [f"{cost.seconds:.3f}", f"{cost.megabytes:.0f}"]
        print("| " + " | ".join(cells) + " |")
    ceiling = None
    if len(references) >= 2:
        ceiling = note_scores(references[0], references[1])
        cells = [
            f"{names[1]} as an estimate, {names[0]} the reference (ceiling)",
            str(len(references[1])),
            triple(ceiling),
        ]
        cells += ["-"] * (len(head) - len(cells))
        print("| " + " | ".join(cells) + " |")
    print()
    cpu = cpu_name()
    if not args.no_cost:
        print(
            f"CPU: {cpu}; each tracker run on the first {clip:.0f} s in its own process pinned to one CPU, "
            f"one warm-up run, then the median of {args.repeats} timed runs"
        )
    summary = {
        "audio": args.audio.name,
        "seconds": round(recording.seconds, 2),
        "references": [path.name for path in args.annotations],
        "cpu": cpu,
        "trackers": [
            {"tracker": name, "notes": found, **_rounded({short: s._asdict() for short, s in scores.items()})}
            | (_rounded(cost._asdict()) if cost else {})
            for name, found, scores, cost in rows
        ],
        "annotators": _rounded(ceiling._asdict()) if ceiling else None,
    }
    print(json.dumps(summary))


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


if __name__ == "__main__":
    _common.run_main(main)
