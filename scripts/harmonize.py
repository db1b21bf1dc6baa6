#!/usr/bin/env python3
"""Put chords under tunes: one MusicXML per tune, with chord symbols and an accompaniment.

Each tune of the song files given (.abc, where a file may hold many tunes; .krn .xml
.musicxml .mxl .mid .midi) is read as written (repeats not expanded) in its own key, a
triplet rounded to 16ths as the chord model's training data is (and the studio's upload:
of several lines, the top one); its own chord symbols, if any, are ignored. The chord model
(models/nottingham-chords unless --model says otherwise) chooses a chord per beat or
longer, ending on the tonic, and the tune is written with the chords as symbols above the
melody and an accompaniment part on a bass staff: <file stem>-<X number>.musicxml for a
tune of an ABC file, <file stem>.musicxml otherwise. Tunes that cannot be read are named
with the reason and skipped.

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


MAX_STEM_CHARS = 80  # of a written file's name before its number and suffix


def output_name(task) -> str:
    """``jigs-12.musicxml`` for tune X:12 of jigs.abc, ``song.musicxml`` for song.krn: the
    stem cleaned (`safe_text.clean`; no path separators) and bounded, the X number whole
    digits only (at most 12)."""
    from melody.core.safe_text import clean

    stem = re.sub(r"[/\\]", "-", clean(pathlib.Path(task.path).stem, MAX_STEM_CHARS)) or "tune"
    if task.fmt == "abc":
        found = re.search(r"^X:\s*(\d{1,12})(?!\d)", task.text or "", flags=re.MULTILINE)
        return f"{stem}-{found.group(1) if found else task.source.rsplit('#', 1)[-1]}.musicxml"
    return f"{stem}.musicxml"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``<stem>-2.musicxml``, ``-3`` ... if a tune of this run already has it
    (two tunes numbered alike, or ``tune.abc`` X:2 beside ``tune-2.mid``)."""
    stem, copy = name.removesuffix(".musicxml"), 2
    while name.lower() in taken:  # case-folded: a case-insensitive file system is one clash too
        name, copy = f"{stem}-{copy}.musicxml", copy + 1
    taken.add(name.lower())
    return name


def write_checked(path: pathlib.Path, data: bytes) -> None:
    """Write ``data`` atomically once it parses as XML (a file that does not read back is
    never left behind)."""
    from xml.etree import ElementTree

    from melody.core.storage import atomic_write_bytes

    ElementTree.fromstring(data)  # ParseError: skipped with its reason
    atomic_write_bytes(path, data)


def main() -> None:
    from xml.etree import ElementTree

    from melody.chords import model as harmony
    from melody.core.errors import UserError
    from melody.core.safe_text import clean
    from melody.output import engrave
    from melody.songs.corpus import SongSkipped, find_song_files, read_task, tasks_for_file

    args = parse_args()
    model = harmony.load(args.model)  # a bad folder fails here, before any file is read
    files = find_song_files(args.songs)
    out = pathlib.Path(args.out)
    if out.exists() and not out.is_dir():
        _common.fail(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tasks = [task for path in files for task in tasks_for_file(path)]
    started, written, skipped, taken = time.perf_counter(), 0, [], set()
    try:
        for task in tqdm(tasks, desc="harmonizing", unit="tune", leave=False):
            try:
                tune = read_task(task, strict=False, lenient=True).melody  # triplets rounded, as in training
                name = unique_name(output_name(task), taken)
                write_checked(out / name, engrave.to_musicxml_bytes(harmony.harmonize(tune, model)))
                written += 1
            except SongSkipped as skip:
                skipped.append(f"{clean(task.source, 200)}: {skip}")
            except (OSError, ElementTree.ParseError, UserError) as error:  # this tune only: the rest go on
                skipped.append(f"{clean(task.source, 200)}: could not be written ({clean(error, 200)})")
    finally:  # the summary always prints, an interruption included
        for line in skipped:
            print(f"skipped {line}")
        seconds = time.perf_counter() - started
        print(
            f"harmonized {written} tune(s) of {len(files)} file(s) into {out} in {seconds:.1f} s; "
            f"skipped {len(skipped)}"
        )


if __name__ == "__main__":
    _common.run_main(main)
