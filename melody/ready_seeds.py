"""The studio's ready seeds: a few patterns, and the openings of real Essen songs.

Kept here (not in the app) so that tests and scripts use the very seeds people click.

    >>> sorted(PATTERNS)[0]
    'Falling thirds (the example)'
"""

from __future__ import annotations

from .corpus import bundled_essen_songs
from .melody import Melody
from .seed import EXAMPLE

PATTERNS = {  # name -> seed text (MIDI numbers, '_' and 'r')
    "Falling thirds (the example)": EXAMPLE,
    "Rising scale": "60 _ 62 _ 64 _ 65 _ 67 _ _ _",
    "Waltz opening (3/4)": "67 _ _ _ 72 _ _ _ 76 _ _ _ 74 _ 72 _",
    "Start from nothing but a note": "67",
}


def real_song_openings(count: int = 5, bars: int = 2) -> dict[str, Melody]:
    """Openings (pickup + ``bars`` bars) of the first ``count`` songs of music21's bundled
    Essen erk5 set, named by title, in C major / A minor."""
    return {f"{song.title} (opening, Essen collection)": song.opening(bars) for song in bundled_essen_songs()[:count]}
