#!/usr/bin/env python3
"""Put chords under tunes: one MusicXML per tune, with chord symbols and an accompaniment.

Each tune of the song files given (.abc, where a file may hold many tunes; .krn .xml
.musicxml .mxl .mid .midi) is read as written (repeats not expanded) in its own key; its
own chord symbols, if any, are ignored. The chord model (models/nottingham-chords unless
--model says otherwise) chooses a chord per beat or longer, ending on the tonic, and the
tune is written with the chords as symbols above the melody and an accompaniment part on
a bass staff: <file stem>-<X number>.musicxml for a tune of an ABC file, <file
stem>.musicxml otherwise. Tunes that cannot be read are named with the reason and skipped.

Example:
    .venv/bin/python scripts/harmonize.py corpora/nottingham/jigs.abc --out harmonized/
    .venv/bin/python scripts/harmonize.py song.musicxml other.krn --out harmonized/
"""

from __future__ import annotations

import argparse
import pathlib
import re
import time

import _common  # noqa: F401  (import path)
from tqdm import tqdm


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("songs", nargs="+", metavar="SONG", help="song files or folders (searched recursively)")
    parser.add_argument("--out", required=True, help="folder for the MusicXML files (made if missing)")
    parser.add_argument("--model", default=None, help="chord model folder (default: models/nottingham-chords)")
    return parser.parse_args()


def output_name(task) -> str:
    """``jigs-12.musicxml`` for tune X:12 of jigs.abc, ``song.musicxml`` for song.krn."""
    stem = pathlib.Path(task.path).stem
    if task.fmt == "abc":
        number = re.search(r"^X:\s*(\d+)", task.text or "", flags=re.MULTILINE)
        return f"{stem}-{number.group(1) if number else task.source.rsplit('#', 1)[-1]}.musicxml"
    return f"{stem}.musicxml"


def main() -> None:
    from melody import harmony, render
    from melody.corpus import SongSkipped, find_song_files, parse_task, tasks_for_file

    args = parse_args()
    model = harmony.load(args.model)  # a bad folder fails here, before any file is read
    files = find_song_files(args.songs)
    out = pathlib.Path(args.out)
    if out.exists() and not out.is_dir():
        _common.fail(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tasks = [task for path in files for task in tasks_for_file(path)]
    started, written, skipped, names = time.perf_counter(), 0, [], set()
    for task in tqdm(tasks, desc="harmonizing", unit="tune", leave=False):
        try:
            tune = parse_task(task, strict=False)
        except SongSkipped as skip:
            skipped.append(f"{task.source}: {skip}")
            continue
        name = output_name(task)
        if name in names:  # two tunes numbered alike in one file: keep both
            name = f"{name.removesuffix('.musicxml')}-{len(names)}.musicxml"
        names.add(name)
        render.write(harmony.harmonize(tune, model), out / name)
        written += 1
    for line in skipped:
        print(f"skipped {line}")
    seconds = time.perf_counter() - started
    print(f"harmonized {written} tune(s) of {len(files)} file(s) into {out} in {seconds:.1f} s; skipped {len(skipped)}")


if __name__ == "__main__":
    _common.run_main(main)
