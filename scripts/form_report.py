#!/usr/bin/env python3
"""Are the generated melodies songs? Length, endings and loops, per meter and temperature.

For each meter, up to --per-meter held-out test songs give a seed (their pickup and first
bar) and a length: each song's own number of bars. Every seed is continued to a song of
exactly that many bars (`generate(..., bars=N)`) at each temperature. Figures per set
(see melody/songs/meter_figures.py), the test songs themselves alongside:
- exact_bars: share of songs of exactly the bars asked for, ending on the final barline;
- ends_on_tonic: share whose last note is the tonic;
- repeated_bars: share of bars identical to the bar before;
- notes_in_scale, strong_beat_onsets;
- bars_repeating_earlier, phrases4_agreeing, units2_same, units2_agreeing: how the whole song (seed included)
  comes back to its bars and aligned 4- and 2-bar units (melody/songs/phrases.py; all None-safe: "-").
With --forms, every seed is also sung in each form (its length moved to whole phrases).
Prints a table per meter and, last, one JSON line; --card adds the figures to the model's card.

Example:
    .venv/bin/python scripts/form_report.py --model models/essen-lstm --per-meter 100
    .venv/bin/python scripts/form_report.py --per-meter 30 --temperatures 0 0.8 1 --forms free AABA AABB ABAB ABAC
"""

from __future__ import annotations

import argparse
import json
import math
import time

import _common

from melody.train.reports import METERS

SHOWN = ("exact_bars", "ends_on_tonic", "repeated_bars", "notes_in_scale", "strong_beat_onsets")
SHOWN += ("bars_repeating_earlier", "phrases4_agreeing", "units2_same", "units2_agreeing")  # melody/songs/phrases.py


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/essen-lstm", help="model folder (default: %(default)s)")
    parser.add_argument("--data", default="data", help="dataset folder with the test split (default: data)")
    parser.add_argument("--meters", nargs="+", default=list(METERS), help="meters (default: %(default)s)")
    parser.add_argument("--per-meter", type=int, default=100, help="songs per meter and temperature (default: 100)")
    parser.add_argument("--temperatures", nargs="+", type=float, default=[0.0, 0.5, 1.0], help="(default: %(default)s)")
    parser.add_argument(
        "--forms",
        nargs="+",
        default=["free"],
        help="forms to sing each seed in (default: free; e.g. free AABA AABB ABAB ABAC: each song's length is moved "
        "to whole phrases of the form)",
    )
    parser.add_argument("--card", action="store_true", help="add the figures to the model's card")
    return parser.parse_args()


def song_bars(song) -> int:
    """A song's length in bars after its pickup (the last bar completing the pickup), 4 to 64."""
    return min(max(math.ceil(len(song) / song.bar_steps), 4), 64)


def figures(songs, seeds, asked) -> dict:
    from melody.songs.meter_figures import meter_figures
    from melody.songs.phrases import FIGURES, repetition_figures

    out = meter_figures(songs, [len(seed) for seed in seeds])
    repeats = repetition_figures(songs)
    exact = [len(song) == bars * song.bar_steps for song, bars in zip(songs, asked, strict=True)]
    return {"exact_bars": sum(exact) / max(len(songs), 1), **out, **{name: repeats[name] for name in FIGURES}}


def in_form(bars: int, seed, form: str) -> int:
    """A song's length moved to whole phrases of ``form``, longer than its seed."""
    from melody.studio.budget import whole_phrases

    return whole_phrases(max(bars, len(seed) // seed.bar_steps + 1), len(form))


def cell(value) -> str:
    """A figure for the table: 3 decimals, or '-' where no song had units to compare."""
    return f"{'-' if value is None else f'{value:.3f}':>24}"


def main() -> None:
    from melody.net.folder import load_model_folder
    from melody.train.dataset import load_split
    from melody.train.reports import generate_each, meter_seeds

    args = parse_args()
    if args.per_meter < 1:
        _common.fail("--per-meter must be at least 1")
    started = time.perf_counter()
    test = load_split(args.data, "test")
    by_meter = meter_seeds(test, args.meters, args.per_meter, cycle=False)  # songs longer than their seed
    missing = [meter for meter, (songs, _) in by_meter.items() if not songs]
    if missing:
        _common.fail(f"no test song is in {missing[0]}; choose from {sorted({s.meter for s in test})}")
    loaded = load_model_folder(args.model)
    report: dict = {"model": loaded.name, "per_meter": args.per_meter, "meters": {}}
    for meter, (songs, seeds) in by_meter.items():
        asked = [max(song_bars(song), len(seed) // seed.bar_steps + 1) for song, seed in zip(songs, seeds)]
        rows = {"test songs": figures(songs, seeds, [math.ceil(len(s) / s.bar_steps) for s in songs])}
        for form in args.forms:
            lengths = asked if form == "free" else [in_form(bars, seed, form) for bars, seed in zip(asked, seeds)]
            for temperature in args.temperatures:
                bar = _common.bar(f"{meter} {form} T={temperature:g}", "song")
                made = generate_each(loaded, seeds, bar, bars=lengths, temperature=temperature, form=form)
                name = f"temperature {temperature:g}" if form == "free" else f"{form} T={temperature:g}"
                rows[name] = figures(made, seeds, lengths)
        report["meters"][meter] = rows
        print(f"\n{meter}: {len(songs)} test songs")
        print(f"{'':<18}" + "".join(f"{name.replace('_', ' '):>24}" for name in SHOWN))
        for source, row in rows.items():
            print(f"{source:<18}" + "".join(cell(row[name]) for name in SHOWN))
    if args.card:
        from melody.train.card import add_meter_report

        add_meter_report(loaded.folder, report, name="form_report")
    seconds = time.perf_counter() - started
    print(json.dumps(report))
    print(
        f"{len(args.meters)} meters x {len(args.forms)} forms x {len(args.temperatures)} temperatures x "
        f"{args.per_meter} songs in {seconds:.0f} s"
    )


if __name__ == "__main__":
    _common.run_main(main)
