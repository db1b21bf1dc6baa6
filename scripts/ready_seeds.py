#!/usr/bin/env python3
"""Write assets/demo_songs.json: the real songs behind the studio's ready seeds and the
"How it works" example: chosen German, Chinese and Irish tunes of music21's bundled corpus, read
as training reads songs, each with its origin from its own ABC header (`O:`) and its collection.
Run it when the corpus reading changes (a test fails when the file is out of date).

Example:
    .venv/bin/python scripts/ready_seeds.py
"""

from __future__ import annotations

import argparse

import _common

from melody.studio.ready_seeds import DEMO_SONGS_FILE, write_demo_songs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(DEMO_SONGS_FILE), help="file to write (default: %(default)s)")
    args = parser.parse_args()
    songs = write_demo_songs(args.out)
    for song in songs:
        print(f"{song.source}: {song.name} ({song.region}), {song.melody.meter}, {song.style}")
    styles = ", ".join(sorted({song.style for song in songs}))
    print(f"wrote {len(songs)} songs of music21's corpus ({styles}) to {args.out}")


if __name__ == "__main__":
    _common.run_main(main)
