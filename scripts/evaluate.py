#!/usr/bin/env python3
"""Score a model on songs it has not seen, next to a Kneser-Ney 5-gram baseline.

Songs (files or folders, searched recursively for .krn .abc .xml .musicxml .mxl .mid) go
through the same filter and transposition as training. Each is scored from its start with
a fresh state, every step and the closing '/' predicted. The last line of output is one
JSON object: songs, skipped, steps, nll_per_step, nll_per_event, pitch_bits_per_note,
accuracy, and the same figures of KN-5 under "kn5". These never use a song's length; a
model that can be told how far the end is (to_go_bars) adds its figures when told each
song's length under "with_length".

Example:
    .venv/bin/python scripts/evaluate.py --model models/essen-lstm path/to/krn-folder
    .venv/bin/python scripts/evaluate.py --model models/essen-lstm --split test
    .venv/bin/python scripts/evaluate.py --style chinese path/to/chinese-songs

``--style NAME`` scores the songs as that tradition's: with the shipped model for it (unless
--model is given; a model told the style is told this one), against the KN-5 of that
tradition's training songs; with --split, only that tradition's songs of the split.
"""

from __future__ import annotations

import argparse
import json
import time

import _common  # noqa: F401  (import path, quiet TensorFlow)
from tqdm import tqdm

from melody.net.folder import default_model_folder
from melody.songs.traditions import TRADITIONS, model_folder, tradition


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="song files or folders to score")
    parser.add_argument(
        "--model", help=f"model folder (default: the --style's shipped model, else {default_model_folder()})"
    )
    parser.add_argument("--style", default="", help="the songs' tradition: " + ", ".join(TRADITIONS))
    parser.add_argument(
        "--split", choices=("train", "validation", "test"), help="score a split of --data instead of paths"
    )
    parser.add_argument("--data", default="data", help="dataset folder for --split (default: data)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the Kneser-Ney 5-gram")
    parser.add_argument("--workers", type=int, default=0, help="parsing processes (default: all cores)")
    parser.add_argument("--verbose", action="store_true", help="name every skipped song and why")
    return parser.parse_args()


def main() -> None:
    from melody.net.folder import check_model_folder, load_model_folder
    from melody.songs.corpus import load_corpus
    from melody.train.card import fit_ngram, read_ngram_songs
    from melody.train.dataset import load_split
    from melody.train.evaluation import score_model, score_ngram

    args = parse_args()
    if not args.paths and not args.split:
        _common.fail("give song files or folders to score, or --split test")
    started = time.perf_counter()
    if args.style:
        tradition(args.style)  # an unknown style fails here, naming the choices
    args.model = args.model or str(model_folder(args.style) if args.style else default_model_folder())
    check_model_folder(args.model)  # fail fast, before parsing
    skipped: dict[str, int] = {}
    items: list[tuple[str, str, str]] = []
    if args.split:
        candidates = [(m, f"{args.split}#{i}") for i, m in enumerate(load_split(args.data, args.split))]
        candidates = [(m, source) for m, source in candidates if not args.style or m.style in ("", args.style)]
    else:  # parse before TensorFlow starts its threads: the parser forks worker processes
        progress = lambda it: tqdm(it, desc="parsing", unit="song", leave=False)
        corpus = load_corpus(args.paths, workers=args.workers or None, progress=progress)
        skipped, items = dict(corpus.skipped), list(corpus.skipped_items)
        candidates = list(zip(corpus.melodies, corpus.sources))
    loaded = load_model_folder(args.model)
    vocab = loaded.vocab
    if args.style:  # a model told the style reads it; one of a single tradition ignores it
        if vocab.styles:
            vocab.style_id(args.style)  # a style model that was not taught this one: one line, now
        candidates = [(m.replace(style=args.style if vocab.styles else ""), source) for m, source in candidates]
    songs = []
    for melody, source in candidates:
        unknown = sorted(set(melody.steps) - set(vocab.symbols))
        if unknown:
            skipped["out_of_range"] = skipped.get("out_of_range", 0) + 1
            items.append((source, "out_of_range", f"pitches {', '.join(unknown)} outside MIDI {vocab.pitch_range}"))
        else:
            songs.append(melody)
    if args.verbose:
        for source, reason, detail in items:
            print(f"skipped {source}: {reason} ({detail})")
    if not songs:
        _common.fail(f"no song could be scored (skipped: {skipped or 'none found'})")
    result = score_model(loaded, songs, progress=lambda it: tqdm(it, desc="scoring", unit="batch", leave=False))
    result = {"songs": result["songs"], "skipped": sum(skipped.values()), "skipped_by_reason": skipped, **result}
    if loaded.config.to_go_bars:  # a model that can be told how far the end is: told each song's length too
        bar = lambda it: tqdm(it, desc="scoring told", unit="batch", leave=False)
        told = score_model(loaded, songs, progress=bar, told=True)
        result["with_length"] = {name: told[name] for name in told if name not in ("songs", "steps")}
    if not args.no_baseline:
        train_songs = read_ngram_songs(loaded.folder, args.style)
        if train_songs is None:
            print(f"note: {loaded.folder} has no training songs for KN-5; baseline left out")
        else:
            result["kn5"] = score_ngram(fit_ngram(train_songs, vocab), vocab, songs)
    result["model"] = str(loaded.folder)
    result["style"] = args.style or None
    result["seconds"] = round(time.perf_counter() - started, 2)
    names = ("nll_per_step", "nll_per_event", "pitch_bits_per_note", "accuracy")
    print(f"{'figure':<22}{'model':>10}{'KN-5':>10}")
    for name in names:
        baseline = f"{result['kn5'][name]:>10.3f}" if "kn5" in result else f"{'-':>10}"
        print(f"{name:<22}{result[name]:>10.3f}{baseline}")
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
