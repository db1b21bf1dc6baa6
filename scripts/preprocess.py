#!/usr/bin/env python3
"""Corpus -> dataset folder: parse, filter, transpose to C/Am, encode, split by song.

Example:
    .venv/bin/python scripts/preprocess.py                      # music21's German Essen songs -> data/
    .venv/bin/python scripts/preprocess.py songs/ --out data-mine --verbose
    .venv/bin/python scripts/preprocess.py --style german,chinese,irish-british --out data-traditions
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time
from concurrent.futures import ProcessPoolExecutor

import _common  # noqa: F401  (import path, quiet TensorFlow)
from tqdm import tqdm

from melody.songs.corpus import collect, default_corpus_files, find_song_files
from melody.songs.traditions import TRADITIONS
from melody.train.dataset import SPLIT_SEED, parse_files_cached, write_dataset


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "paths",
        nargs="*",
        help="song files or folders (.krn .abc .xml .musicxml .mxl .mid); default: music21's German Essen ABC",
    )
    parser.add_argument(
        "--style",
        default="",
        help="traditions whose songs to read, comma-separated (" + ", ".join(TRADITIONS) + "); each song is "
        "marked with its style, for a model told the style; default: the paths given",
    )
    parser.add_argument("--out", default="data", help="dataset folder to write (default: data)")
    parser.add_argument(
        "--cache", default=".cache/preprocess", help="parse cache; re-runs reuse it (default: .cache/preprocess)"
    )
    parser.add_argument("--no-cache", action="store_true", help="parse everything again")
    parser.add_argument("--workers", type=int, default=0, help="parallel processes (default: all cores)")
    parser.add_argument(
        "--split-seed", type=int, default=SPLIT_SEED, help=f"random seed of the split by song (default: {SPLIT_SEED})"
    )
    parser.add_argument("--verbose", action="store_true", help="name every skipped song and why")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    styles = [name.strip() for name in args.style.split(",") if name.strip()]
    unknown = [name for name in styles if name not in TRADITIONS]
    if unknown:
        _common.fail(f"--style {unknown[0]!r} is not a tradition; choose from {', '.join(TRADITIONS)}")
    if styles and args.paths:
        _common.fail("give song paths or --style, not both (--style reads each tradition's own collections)")
    cache = None if args.no_cache else pathlib.Path(args.cache)
    workers = args.workers or None
    groups = [(TRADITIONS[name].files(), name, TRADITIONS[name].triplets_rounded) for name in styles] or [
        (find_song_files(args.paths) if args.paths else default_corpus_files(), "", False)
    ]
    results, files = [], []
    with ProcessPoolExecutor(workers) as pool:
        pool_map = lambda fn, items: pool.map(fn, items, chunksize=16)
        for group_files, style, triplets in groups:
            label = f"parsing {style or 'songs'}"
            progress = lambda it, total, label=label: tqdm(it, total=total, desc=label, unit="song")
            for result in parse_files_cached(group_files, cache, pool_map, progress, round_triplets=triplets):
                if style and "melody" in result:
                    result = {**result, "melody": {**result["melody"], "style": style}}
                results.append(result)
            files += group_files
    corpus = collect(results)
    if args.verbose:
        for source, reason, detail in corpus.skipped_items:
            print(f"skipped {source}: {reason} ({detail})")
    if not corpus.melodies:
        reasons = ", ".join(f"{reason} {count}" for reason, count in corpus.skipped.most_common())
        _common.fail(
            f"none of the {corpus.read} songs read under {args.paths or 'the default corpus'} passed the "
            f"filter ({reasons or 'no song files'}); nothing written. Give .krn, .abc, .musicxml or .mid files of "
            "single-line melodies whose notes last 1/4 to 4 quarters (--verbose names each file and why)"
        )
    summary = write_dataset(corpus, args.out, args.split_seed)
    seconds = time.perf_counter() - started
    print(json.dumps(summary["skipped"]))
    print(
        f"read {summary['songs_read']} songs from {len(files)} files, kept {summary['songs_kept']} "
        f"({summary['steps']} steps), skipped {sum(summary['skipped'].values())}; split "
        f"{summary['split_songs']}; wrote {args.out}/ in {seconds:.0f} s"
    )


if __name__ == "__main__":
    _common.run_main(main)
