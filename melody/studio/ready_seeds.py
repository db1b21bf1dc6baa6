"""The studio's ready seeds: a few patterns, and the openings of real German folk songs.

Kept here (not in the app) so that tests and scripts use the very seeds people click.
Each ready seed has a short id (for share links), a name, and a `Melody` that carries its
own meter and pickup. The real songs ship as ``assets/demo_songs.json``: chosen tunes of
music21's German Essen sets, read and moved to C major / A minor as training reads them,
each with its origin as the tune's own ABC header names it (``O:``) and its title as
songbooks write it ("Hänschen klein", where the file has "Haenschen klein"). Reading them from
music21 costs seconds of the studio's start (importing music21, parsing ABC), the file a
millisecond. ``scripts/ready_seeds.py`` writes it again; a test holds it equal to a fresh
reading, so it cannot drift from the corpus code.

    >>> PATTERNS["thirds"][0]
    'Falling thirds (the example)'
    >>> ready_seeds()["waltz"].melody.meter
    '3/4'
"""

from __future__ import annotations

import dataclasses
import functools
import json
import pathlib
import re

from melody.core.melody import Melody
from melody.core.paths import ASSETS
from melody.songs.titles import essen_spelling
from melody.songs.typed import EXAMPLE, parse_seed

PATTERNS = {  # id in share links -> (menu name, seed text, meter, pickup in 16ths): each carries its own meter
    "thirds": ("Falling thirds (the example)", EXAMPLE, "4/4", 0),
    "scale": ("Rising scale", "60 _ 62 _ 64 _ 65 _ 67 _ _ _", "4/4", 0),
    "waltz": ("Waltz opening (3/4)", "67 _ _ _ 72 _ _ _ 76 _ _ _ 74 _ 72 _", "3/4", 4),  # a quarter-note pickup
    "note": ("Start from nothing but a note", "67 _ _ _", "4/4", 0),
}
# German songs of music21's Essen sets (ESSEN_GERMAN_SETS), by file and tune number (the
# n-th tune of the file): a meter each of 2/4, 3/4, 4/4, 6/8, and two with a pickup. Each
# with its title as German songbooks write it: the files spell titles in ASCII, most in
# capitals ("ALLE MEINE ENTCHEN", "Haenschen klein ging allein"), which hold neither the
# umlauts nor which words are nouns; reading checks that the title has the file's letters.
DEMO_TUNES = (
    ("kinder0", 149, "Alle meine Entchen"),
    ("boehme20", 26, "Der Mai ist gekommen"),
    ("dva0", 191, "Hänschen klein ging allein"),
    ("boehme10", 86, "Sah ein Knab ein Röslein stehn"),
    ("erk30", 527, "Die Gedanken sind frei"),
)
DEMO_SONGS_FILE = ASSETS / "demo_songs.json"
_DROPPED_ORIGIN_PARTS = ("Europa", "Mitteleuropa")  # every song here is from Central Europe


@dataclasses.dataclass(frozen=True)
class DemoSong:
    """A real song: the melody (in C major / A minor), where it comes from (its ABC ``O:``
    line, e.g. ``"Deutschland, Baden"``), and which tune of which Essen file it is."""

    melody: Melody
    origin: str
    source: str  # e.g. "kinder0 #149": music21's essenFolksong/kinder0.abc, its 149th tune

    @property
    def id(self) -> str:
        """The id in share links: ``"kinder0-149"``."""
        return self.source.replace(" #", "-")

    @property
    def name(self) -> str:
        """The song's title as songbooks write it (``DEMO_TUNES``): "Hänschen klein ging allein"."""
        return self.melody.title

    @property
    def region(self) -> str:
        """The first two parts of the origin (``"Deutschland, Baden"``), for menus."""
        return ", ".join(self.origin.split(", ")[:2])


@dataclasses.dataclass(frozen=True)
class ReadySeed:
    """A seed people can pick: ``id`` for links, ``name`` for the menu, ``melody`` (with its
    meter, pickup and key), ``origin`` for a real song (else empty), ``find_key``: the key
    is to be found from the notes (patterns) rather than taken from the melody (songs)."""

    id: str
    name: str
    melody: Melody
    origin: str = ""
    find_key: bool = False


def origin_of(abc_tune: str) -> str:
    """Where an Essen ABC tune comes from, from its own ``O:`` line: ``"O: Europa,
    Mitteleuropa, Deutschland, Baden"`` -> ``"Deutschland, Baden"`` ('' without one)."""
    found = re.search(r"^O:\s*(.+)$", abc_tune, re.MULTILINE)
    if not found:
        return ""
    parts = [part.strip() for part in found.group(1).split(",") if part.strip()]
    return ", ".join(part for part in parts if part not in _DROPPED_ORIGIN_PARTS)


def read_demo_songs_from_corpus() -> list[DemoSong]:
    """The demo songs as music21 and the corpus code read them now (slow: a second or two)."""
    from melody.songs.corpus import CorpusError, default_corpus_files, parse_task_result, tasks_for_file

    files = {path.stem: path for path in default_corpus_files()}
    songs = []
    for set_name, number, title in DEMO_TUNES:
        if set_name not in files:
            raise CorpusError(f"music21 has no Essen set {set_name!r}; reinstall music21")
        task = tasks_for_file(files[set_name])[number - 1]
        result = parse_task_result(task)
        if "melody" not in result:
            raise CorpusError(f"{set_name} #{number} is no longer kept ({result['skip']}); choose another demo song")
        written = result["melody"]["title"].strip('"')
        if essen_spelling(written) != essen_spelling(title):
            raise CorpusError(f"{set_name} #{number} is {written!r}, not {title!r}; check DEMO_TUNES")
        melody = Melody(**{**result["melody"], "steps": tuple(result["melody"]["steps"]), "title": title})
        songs.append(DemoSong(melody, origin_of(task.text), f"{set_name} #{number}"))
    return songs


def write_demo_songs(path: str | pathlib.Path = DEMO_SONGS_FILE) -> list[DemoSong]:
    """Read the demo songs from the corpus and write them (atomically) to ``path``."""
    from melody.core.storage import atomic_write_json

    songs = read_demo_songs_from_corpus()
    rows = [
        {
            **dataclasses.asdict(song.melody),
            "steps": " ".join(song.melody.steps),
            "origin": song.origin,
            "source": song.source,
        }  # fmt: skip
        for song in songs
    ]
    atomic_write_json(path, {"from": "music21 corpus, essenFolksong (German sets)", "songs": rows})
    return songs


@functools.cache
def demo_songs() -> tuple[DemoSong, ...]:
    """The shipped demo songs (read from the corpus when the file is missing)."""
    try:
        raw = json.loads(DEMO_SONGS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tuple(read_demo_songs_from_corpus())
    songs = []
    for row in raw["songs"]:
        fields = {k: v for k, v in row.items() if k not in ("origin", "source")}
        songs.append(
            DemoSong(Melody(**{**fields, "steps": tuple(fields["steps"].split())}), row["origin"], row["source"])
        )
    return tuple(songs)


@functools.cache
def ready_seeds() -> dict[str, ReadySeed]:
    """Every ready seed by id, patterns first, then the real songs' openings (two bars)."""
    seeds = {}
    for seed_id, (name, text, meter, pickup) in PATTERNS.items():
        seeds[seed_id] = ReadySeed(seed_id, name, parse_seed(text, meter=meter, pickup=pickup), find_key=True)
    for song in demo_songs():
        opening = song.melody.opening(2)
        name = f"{song.name} · {song.region} · {song.melody.meter}"
        seeds[song.id] = ReadySeed(song.id, name, opening, song.origin)
    return seeds
