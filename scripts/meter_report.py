#!/usr/bin/env python3
"""Do the models keep the meter and the key? Generated melodies per meter, side by side.

For each meter, up to --per-meter held-out test songs of that meter give seeds (their
pickup and first bar; cycled, with a new random seed each time, when there are fewer);
each model continues every seed until its end symbol (at most --steps). The figures
(see melody/songs/meter_figures.py): share of bars that are complete, of melodies ending on a
barline and on the tonic, of notes in the scale and of note onsets on strong beats;
the test songs themselves are the reference. Prints a table per meter and one JSON line;
--card adds the figures to the first model's card (card.json and card.md).

Each model is also scored on the whole test split (NLL per step, pitch bits per note,
accuracy), with the Kneser-Ney 5-gram of the first model's training songs alongside.

Example:
    .venv/bin/python scripts/meter_report.py --models models/essen-lstm models/essen-lstm-meter-blind --card
"""

from __future__ import annotations

import argparse
import json
import time

import _common

from melody.train.reports import METERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["models/essen-lstm"], help="model folders to compare")
    parser.add_argument("--data", default="data", help="dataset folder with the test split (default: data)")
    parser.add_argument("--meters", nargs="+", default=list(METERS), help="meters (default: %(default)s)")
    parser.add_argument("--per-meter", type=int, default=100, help="melodies per meter and model (default: 100)")
    parser.add_argument("--steps", type=int, default=512, help="most 16th notes added (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default: 1.0)")
    parser.add_argument("--card", action="store_true", help="add the figures to the first model's card")
    return parser.parse_args()


def main() -> None:
    from melody.net.folder import load_model_folder
    from melody.songs.meter_figures import FIGURES, meter_figures
    from melody.train.card import add_meter_report, fit_ngram, read_ngram_songs
    from melody.train.dataset import load_split
    from melody.train.evaluation import score_model, score_ngram
    from melody.train.reports import generate_each, meter_seeds

    args = parse_args()
    if args.per_meter < 1:
        _common.fail("--per-meter must be at least 1")
    started = time.perf_counter()
    test = load_split(args.data, "test")
    by_meter = meter_seeds(test, args.meters, args.per_meter)  # all songs of the meter; seeds cycled through them
    missing = [meter for meter, (songs, _) in by_meter.items() if not songs]
    if missing:
        _common.fail(f"no test song is in {', '.join(missing)}; choose from {sorted({s.meter for s in test})}")
    models = [load_model_folder(folder) for folder in args.models]
    report: dict = {"per_meter": args.per_meter, "temperature": args.temperature, "test": {}, "meters": {}}
    names = ("nll_per_step", "pitch_bits_per_note", "accuracy")
    print(f"test split, {len(test)} songs: " + ", ".join(names))
    for loaded in models:
        report["test"][loaded.name] = {k: score_model(loaded, test)[k] for k in names}
    train_songs = read_ngram_songs(models[0].folder)
    if train_songs is not None:
        report["test"]["KN-5"] = {
            k: score_ngram(fit_ngram(train_songs, models[0].vocab), models[0].vocab, test)[k] for k in names
        }
    for source, figures in report["test"].items():
        print(f"{source:<28}" + "".join(f"{figures[name]:>12.3f}" for name in names))
    for meter, (songs, seeds) in by_meter.items():
        rows = {"test songs": meter_figures(songs[: args.per_meter], [len(s) for s in seeds[: len(songs)]])}
        for loaded in models:
            bar = _common.bar(f"{loaded.name} {meter}", "melody")
            melodies = generate_each(loaded, seeds, bar, steps=args.steps, temperature=args.temperature)
            rows[loaded.name] = meter_figures(melodies, [len(seed) for seed in seeds])
        report["meters"][meter] = rows
        print(f"\n{meter}: {len(songs)} test songs")
        print(f"{'':<28}" + "".join(f"{name.replace('_', ' '):>20}" for name in FIGURES))
        for source, figures in rows.items():
            print(f"{source:<28}" + "".join(f"{figures[name]:>20.3f}" for name in FIGURES))
    if args.card:
        add_meter_report(models[0].folder, report)
    seconds = time.perf_counter() - started
    print(json.dumps(report))
    print(f"{len(args.meters)} meters x {len(models)} models x {args.per_meter} melodies in {seconds:.0f} s")


if __name__ == "__main__":
    _common.run_main(main)
