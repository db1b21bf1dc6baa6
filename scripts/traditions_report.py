#!/usr/bin/env python3
"""What each folk tradition's collections give the model: tunes kept by today's reading and
filter, skipped by reason, per collection, the meters kept, and how many notes triplets touch
(issue 25: round them to the 16th grid, or extend the encoding?).

Traditions (`melody/songs/traditions.py`): german (music21's Essen German sets), chinese
(music21's Essen han sets), irish-british (music21's O'Neill's 1850, Ryan's Mammoth
Collection and Aird's Airs, and corpora/nottingham). Each tune is read as preprocessing reads
it; one skipped for its durations is read again with triplets rounded, to count them. Results
are cached a tune a line in .cache/traditions/ (a killed run resumes).

Prints a table, then one JSON line with every count.

Example:
    .venv/bin/python scripts/traditions_report.py
    .venv/bin/python scripts/traditions_report.py --style chinese --workers 2
"""

from __future__ import annotations

import argparse
import json
import time

import _common


def parse_args() -> argparse.Namespace:
    from melody.songs.traditions import TRADITIONS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--style", choices=tuple(TRADITIONS), nargs="+", default=list(TRADITIONS))
    parser.add_argument("--workers", type=int, default=2, help="processes reading tunes (default: %(default)s)")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error("--workers takes a whole number >= 1")
    return args


def main() -> None:
    from melody.songs.traditions import TRADITIONS
    from melody.train.traditions_report import tradition_counts

    args = parse_args()
    started, results = time.perf_counter(), []
    for style in args.style:
        counts = tradition_counts(TRADITIONS[style], args.workers, _common.bar(style, "tune"))
        results.append(counts)
    columns = ("tradition", "files", "tunes", "kept", "skipped (reasons)", "tunes with triplets", "notes in triplets")
    print("| " + " | ".join((*columns, "kept if rounded")) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for c in results:
        reasons = ", ".join(f"{reason} {n}" for reason, n in c["skipped"].items())
        print(
            f"| {c['tradition']} | {c['files']} | {c['tunes']} | {c['kept']} | {reasons} | {c['tunes_with_triplets']} "
            f"| {c['triplet_note_share']:.2%} | {c['kept_if_triplets_rounded']} |"
        )
    for c in results:
        shown = ", ".join(f"{name} {v['kept']}/{v['tunes']}" for name, v in c["collections"].items())
        print(f"{c['tradition']}: kept/tunes per collection: {shown}; meters kept: {c['meters_kept']}")
    print(json.dumps({"traditions": results, "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    _common.run_main(main)
