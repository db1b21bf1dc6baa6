"""The studio's ready seeds: a few patterns, and the openings of real folk songs of each
tradition (German, Chinese, Irish and British).

Kept here (not in the app) so that tests and scripts use the very seeds people click.
Each ready seed has a short id (for share links), a name, and a `Melody` that carries its
own meter and pickup. The real songs ship as ``assets/demo_songs.json``: chosen tunes of
music21's corpus (the Essen sets, German and Chinese; O'Neill's Music of Ireland), read and
moved to C major / A minor as training reads them (triplets rounded where the tradition's are),
each with its origin as the tune's own ABC header names it (``O:``), its collection, and its
title as songbooks write it ("Hänschen klein", where the file has "Haenschen klein"). Reading them from
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
# Real songs of music21's corpus by tradition, file (its path in the corpus, without .abc) and
# tune number (the n-th tune of the file), with the title as songbooks write it and, where the
# title is not English or German, what it means. German: a meter each of 2/4, 3/4, 4/4, 6/8,
# and two with a pickup; the files spell titles in ASCII, most in capitals ("ALLE MEINE
# ENTCHEN", "Haenschen klein ging allein"), which hold neither the umlauts nor which words are
# nouns; reading checks that the title has the file's letters. Chinese: the best known of the
# Essen han songs. Irish: two jigs, a reel and a hornpipe of O'Neill's (1850).
DEMO_TUNES = (
    ("german", "essenFolksong/kinder0", 149, "Alle meine Entchen", ""),
    ("german", "essenFolksong/boehme20", 26, "Der Mai ist gekommen", ""),
    ("german", "essenFolksong/dva0", 191, "Hänschen klein ging allein", ""),
    ("german", "essenFolksong/boehme10", 86, "Sah ein Knab ein Röslein stehn", ""),
    ("german", "essenFolksong/erk30", 527, "Die Gedanken sind frei", ""),
    ("chinese", "essenFolksong/han1", 516, "Molihua", "Jasmine flower"),
    ("chinese", "essenFolksong/han1", 508, "Fengyang huagu", "The Fengyang flower drum"),
    ("chinese", "essenFolksong/han1", 129, "Xiu he bao", "Embroidering a purse"),
    ("irish-british", "oneills1850/0811-0899", 37, "The Rakes of Kildare", ""),
    ("irish-british", "oneills1850/0981-1000", 7, "Haste to the Wedding", ""),
    ("irish-british", "oneills1850/1376-1475", 50, "Drowsy Maggie", ""),
    ("irish-british", "oneills1850/1556-1624", 48, "The Harvest Home", ""),
)
DEMO_SONGS_FILE = ASSETS / "demo_songs.json"
_DROPPED_ORIGIN_PARTS = ("Europa", "Mitteleuropa")  # every German song here is from Central Europe


@dataclasses.dataclass(frozen=True)
class DemoSong:
    """A real song: the melody (in C major / A minor, its ``style`` the tradition), where it
    comes from (its ABC ``O:`` line, e.g. ``"Deutschland, Baden"``; '' where the file says
    none), which tune of which file it is, the collection it is printed in, and what its title
    means where it is not English or German."""

    melody: Melody
    origin: str
    source: str  # e.g. "kinder0 #149": music21's essenFolksong/kinder0.abc, its 149th tune
    collection: str = ""
    meaning: str = ""

    @property
    def id(self) -> str:
        """The id in share links: ``"kinder0-149"``, ``"oneills1850-0811-0899-37"``."""
        return self.source.replace(" #", "-").replace("/", "-")

    @property
    def name(self) -> str:
        """The song's title as songbooks write it (``DEMO_TUNES``): "Hänschen klein ging allein"."""
        return self.melody.title

    @property
    def region(self) -> str:
        """Where it is from, for menus: the first two parts of the origin (``"Deutschland,
        Baden"``; a Chinese song's province, ``"China, Jiangsu"``), else its collection."""
        return ", ".join(part.strip() for part in self.origin.split(",")[:2]) or self.collection

    @property
    def style(self) -> str:
        return self.melody.style


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
    collection: str = ""  # a real song's collection ("O'Neill's Music of Ireland (1850)")

    @property
    def style(self) -> str:
        """The tradition of a real song ('' for a pattern: any style)."""
        return self.melody.style


def origin_of(abc_tune: str) -> str:
    """Where an Essen ABC tune comes from, from its own ``O:`` line: ``"O: Europa,
    Mitteleuropa, Deutschland, Baden"`` -> ``"Deutschland, Baden"`` ('' without one)."""
    found = re.search(r"^O:\s*(.+)$", abc_tune, re.MULTILINE)
    if not found:
        return ""
    parts = [part.strip() for part in found.group(1).split(",") if part.strip()]
    return ", ".join(part for part in parts if part not in _DROPPED_ORIGIN_PARTS)


def read_demo_songs_from_corpus() -> list[DemoSong]:
    """The demo songs as music21 and the corpus code read them now (slow: a few seconds)."""
    from melody.songs.corpus import CorpusError, parse_task_result, tasks_for_file
    from melody.songs.traditions import TRADITIONS, collection_name, music21_corpus

    songs = []
    for style, file, number, title, meaning in DEMO_TUNES:
        path = music21_corpus() / f"{file}.abc"
        if not path.is_file():
            raise CorpusError(f"music21 has no {file}.abc; reinstall music21")
        task = tasks_for_file(path)[number - 1]
        result = parse_task_result(task, round_triplets=TRADITIONS[style].triplets_rounded, style=style)
        if "melody" not in result:
            raise CorpusError(f"{file} #{number} is no longer kept ({result['skip']}); choose another demo song")
        written = result["melody"]["title"].strip('"')
        if _title_letters(written) != _title_letters(title):
            raise CorpusError(f"{file} #{number} is {written!r}, not {title!r}; check DEMO_TUNES")
        melody = Melody(**{**result["melody"], "steps": tuple(result["melody"]["steps"]), "title": title})
        source = f"{file.removeprefix('essenFolksong/')} #{number}"
        songs.append(DemoSong(melody, origin_of(task.text), source, collection_name(path), meaning))
    return songs


def _title_letters(title: str) -> str:
    """A title as the files may spell it, for the check: "Harvest Home, The" and "Fengyang huagu
    (1)" (a numbered version) are "The Harvest Home" and "Fengyang huagu"."""
    text = re.sub(r"\s*\(\d+\)$", "", essen_spelling(title).strip())
    text = re.sub(r"^(.*), the$", r"the \1", text)
    return text.removeprefix("the ")


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
            "collection": song.collection,
            "meaning": song.meaning,
        }  # fmt: skip
        for song in songs
    ]
    atomic_write_json(path, {"from": "music21 corpus: essenFolksong (German and han sets), oneills1850", "songs": rows})
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
        said = ("origin", "source", "collection", "meaning")
        fields = {k: v for k, v in row.items() if k not in said}
        melody = Melody(**{**fields, "steps": tuple(fields["steps"].split())})
        songs.append(DemoSong(melody, *(row.get(name, "") for name in said)))
    return tuple(songs)


@functools.cache
def ready_seeds() -> dict[str, ReadySeed]:
    """Every ready seed by id, patterns first, then the real songs' openings (two bars)."""
    seeds = {}
    for seed_id, (name, text, meter, pickup) in PATTERNS.items():
        seeds[seed_id] = ReadySeed(seed_id, name, parse_seed(text, meter=meter, pickup=pickup), find_key=True)
    for song in demo_songs():
        opening = song.melody.opening(2)
        meaning = f" ({song.meaning})" if song.meaning else ""
        name = f"{song.name}{meaning} · {song.region} · {song.melody.meter}"
        seeds[song.id] = ReadySeed(song.id, name, opening, song.origin, collection=song.collection)
    return seeds


def first_song(style: str) -> ReadySeed:
    """A tradition's first real song: the seed the studio and ``generate.py --style`` start from."""
    return next(seed for seed in ready_seeds().values() if seed.style == style)


def ready_seeds_for(style: str) -> dict[str, ReadySeed]:
    """The ready seeds a style's menu offers: the patterns and that tradition's real songs."""
    return {seed_id: seed for seed_id, seed in ready_seeds().items() if seed.style in ("", style)}
