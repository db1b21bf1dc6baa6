#!/usr/bin/env python3
"""Which tradition does a melody sound like? A naive Bayes over key-free interval and rhythm
tokens (`melody/train/style_check.py`), trained on real tunes of each tradition
(`melody/songs/traditions.py`, read as training reads them: scripts/traditions_report.py's
cache, filled first where needed).

It first says how well it tells real tunes apart: trained on 80% of each tradition's kept
tunes, tested on the other 20% (a fixed split by each tune's notes). With --generate N it then
continues the openings (pickup and 2 bars) of N test songs of each tradition (the test split of
--data, songs no model was trained on) to 16 bars, in that style, with the model that serves the
style (or --model; temperature 0.8), and classifies the new bars only, with the classifier
trained on every real tune but those test songs: the share of each tradition's continuations
heard as each tradition.

Prints tables, then one JSON line.

Example:
    .venv/bin/python scripts/style_check.py
    .venv/bin/python scripts/style_check.py --generate 100 --data data-traditions
"""

from __future__ import annotations

import argparse
import collections
import json
import time

import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", type=int, default=0, metavar="N", help="continue N openings per tradition")
    parser.add_argument("--model", help="model folder (default: the one that serves each style)")
    parser.add_argument(
        "--studio-forms",
        action="store_true",
        help="continue each tradition in the form the studio gives it (Irish and British: AABB) instead of the "
        "model's own",
    )
    parser.add_argument(
        "--data",
        default="data-traditions",
        help="dataset of the traditions (preprocess.py --style ...) whose "
        "test songs give the openings (default: %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes reading tunes (default: %(default)s)")
    args = parser.parse_args()
    if args.generate < 0 or args.workers < 1:
        parser.error("--generate takes a whole number >= 0, --workers >= 1")
    return args


def continued(loaded, songs, count: int, style: str, form: str = "free") -> list:
    """The openings of ``count`` songs continued to 16 bars in ``style`` (temperature 0.8, the
    n-th with random seed 1000 + n; ``form``: phrases by letter, or the model's own); the new
    steps only, as melodies. An opening the model cannot take (outside its range or meters) is
    said and left out."""
    from melody.core.errors import UserError
    from melody.generate.generator import generate
    from melody.generate.seed_key import find_seed_key

    made = []
    for index, song in enumerate(songs[:count]):
        opening = song.opening(2).replace(style=style)
        seed = opening.replace(key=find_seed_key(loaded, opening).key)
        try:
            [melody] = generate(loaded, seed, bars=16, temperature=0.8, random_seed=1000 + index, form=form)
        except UserError as error:
            print(f"left out {opening.title}: {error}")
            continue
        new = list(melody.steps[len(opening) :])
        new[0] = "r" if new[0] == "_" else new[0]  # a note held over from the seed is not the new bars'
        made.append(melody.with_steps(new).replace(pickup=0))
    return made


def main() -> None:
    from melody.songs.traditions import TRADITIONS
    from melody.train.style_check import classify, evaluate, fit
    from melody.train.traditions_report import kept_songs

    args = parse_args()
    started = time.perf_counter()
    songs = {style: kept_songs(tradition, args.workers, _common.bar(style, "tune")) for style, tradition in
             TRADITIONS.items()}  # fmt: skip
    real = evaluate(songs)
    styles = list(songs)
    print("Real tunes, held out (20%): heard as")
    print("| tradition | train | test | " + " | ".join(styles) + " | right |")
    print("|---|---|---|" + "---|" * len(styles) + "---|")
    for style in styles:
        row = " | ".join(str(real["confusion"][style].get(other, 0)) for other in styles)
        print(f"| {style} | {real['train'][style]} | {real['test'][style]} | {row} | {real['accuracy'][style]:.1%} |")
    print(f"mean over traditions: {real['mean_accuracy']:.1%}")
    result = {"real": real}
    if args.generate:
        from melody.net.folder import load_model_folder
        from melody.songs.traditions import model_folder
        from melody.train.dataset import load_split

        test = collections.defaultdict(list)
        for melody in load_split(args.data, "test"):
            test[melody.style].append(melody)
        unseen = {melody.steps for melodies in test.values() for melody in melodies}
        model = fit({style: [m for m in melodies if m.steps not in unseen] for style, melodies in songs.items()})
        heard, models = {}, {}
        for style in styles:
            folder = args.model or str(model_folder(style))
            loaded = load_model_folder(folder)
            form = TRADITIONS[style].form if args.studio_forms else "free"
            made = continued(loaded, test[style], args.generate, style, form)
            heard[style] = dict(collections.Counter(classify(model, melody) for melody in made))
            models[style] = folder
            shares = ", ".join(f"{other} {heard[style].get(other, 0)}" for other in styles)
            right = heard[style].get(style, 0) / max(len(made), 1)
            print(
                f"{len(made)} {style} test openings continued in that style by {folder}: heard as {shares} "
                f"({right:.0%} right)"
            )
        result["generated"] = {
            "models": models,
            "per_style": args.generate,
            "forms": "studio" if args.studio_forms else "free",
            "heard_as": heard,
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
