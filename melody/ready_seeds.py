"""The studio's ready seeds: a few patterns, and the openings of real Essen songs.

Kept here (not in the app) so that tests and scripts use the very seeds people click.
The real songs ship as ``assets/demo_songs.json`` (the first songs of music21's bundled
Essen set erk5, read and moved to C major / A minor as training reads them): reading them
from music21 costs ~2 s of the studio's start (importing music21, parsing ABC), the file
a millisecond. ``scripts/ready_seeds.py`` writes it again; a test holds it equal to a
fresh reading, so it cannot drift from the corpus code.

    >>> sorted(PATTERNS)[0]
    'Falling thirds (the example)'
"""

from __future__ import annotations

import dataclasses
import functools
import json
import pathlib

from .melody import Melody
from .seed import EXAMPLE

PATTERNS = {  # name -> seed text (MIDI numbers, '_' and 'r')
    "Falling thirds (the example)": EXAMPLE,
    "Rising scale": "60 _ 62 _ 64 _ 65 _ 67 _ _ _",
    "Waltz opening (3/4)": "67 _ _ _ 72 _ _ _ 76 _ _ _ 74 _ 72 _",
    "Start from nothing but a note": "67",
}
DEMO_SET, DEMO_COUNT = "erk5", 5  # music21's Essen set and how many of its kept songs ship
DEMO_SONGS_FILE = pathlib.Path(__file__).resolve().parent.parent / "assets" / "demo_songs.json"


def read_demo_songs_from_corpus() -> list[Melody]:
    """The demo songs as music21 and the corpus code read them now (slow: seconds)."""
    from .corpus import bundled_essen_songs

    return bundled_essen_songs(DEMO_SET)[:DEMO_COUNT]


def write_demo_songs(path: str | pathlib.Path = DEMO_SONGS_FILE) -> list[Melody]:
    """Read the demo songs from the corpus and write them (atomically) to ``path``."""
    from .storage import atomic_write_json

    songs = read_demo_songs_from_corpus()
    rows = [{**dataclasses.asdict(song), "steps": " ".join(song.steps)} for song in songs]  # one line a song
    atomic_write_json(path, {"set": DEMO_SET, "songs": rows})
    return songs


@functools.cache
def demo_songs() -> tuple[Melody, ...]:
    """The shipped demo songs (read from the corpus when the file is missing)."""
    try:
        raw = json.loads(DEMO_SONGS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tuple(read_demo_songs_from_corpus())
    return tuple(Melody(**{**fields, "steps": tuple(fields["steps"].split())}) for fields in raw["songs"])


def real_song_openings(count: int = DEMO_COUNT, bars: int = 2) -> dict[str, Melody]:
    """Openings (pickup + ``bars`` bars) of the demo songs, named by title, in C major / A minor."""
    return {f"{song.title} (opening, Essen collection)": song.opening(bars) for song in demo_songs()[:count]}
