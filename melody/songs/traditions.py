"""The folk traditions the studio can learn, each with where its songs come from (all offline:
music21's bundled corpus and `corpora/`), one sentence for the people choosing it, and what its
tunes usually are played with (meter, tempo, instrument) as the studio's defaults.

    >>> [t.name for t in TRADITIONS.values()]
    ['German', 'Chinese', 'Irish and British']
    >>> len(TRADITIONS["chinese"].files())                      # doctest: +SKIP
    2
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Callable

from melody.core.errors import UserError
from melody.core.paths import CORPORA


def music21_corpus() -> pathlib.Path:
    from music21 import corpus

    return pathlib.Path(corpus.__file__).resolve().parent.parent / "corpus"


def _german() -> list[pathlib.Path]:
    from melody.songs.corpus import default_corpus_files

    return default_corpus_files()


def _chinese() -> list[pathlib.Path]:
    return sorted((music21_corpus() / "essenFolksong").glob("han*.abc"))


def _irish_british() -> list[pathlib.Path]:
    from melody.songs.corpus import find_song_files

    base = music21_corpus()
    folders = [base / "oneills1850", base / "ryansMammoth", base / "airdsAirs", CORPORA / "nottingham"]
    return find_song_files(folder for folder in folders if folder.exists())


@dataclasses.dataclass(frozen=True)
class Tradition:
    """One tradition: its id (``--style``), its name, one sentence on where its songs come from,
    the collections (file stems or folders, for the counts), its usual meter, tempo
    (quarters a minute) and instrument, and whether its triplets are rounded to the grid (where
    they are common: 2.8% of Irish and British notes; the German songs have none)."""

    id: str
    name: str
    origin: str
    meter: str
    tempo: int
    instrument: str
    sources: Callable[[], list[pathlib.Path]]
    triplets_rounded: bool = False  # its tunes' triplets are rounded to 16ths, not the tune skipped
    model: str = "essen-lstm"  # the shipped model (a folder of models/) that serves it: the best on its test songs
    chords: str = "model"  # under its songs: the chord model's triads, or "drone" (`melody.chords.drone`)
    form: str = "ABAC"  # the studio's form for it (`melody.generate.forms`): Irish tunes are AABB
    bars: int = 16  # the studio's length for it: an Irish tune's two 8-bar parts, each played twice

    def files(self) -> list[pathlib.Path]:
        """The song files of the tradition (each may hold many ABC tunes)."""
        return self.sources()


TRADITIONS = {
    "german": Tradition(
        "german",
        "German",
        "Folk songs collected in German-speaking lands in the 19th and 20th centuries (the Essen Folksong Collection).",
        "4/4",
        100,
        "Piano",
        _german,
    ),
    "chinese": Tradition(
        "chinese",
        "Chinese",
        "Han Chinese folk songs from many provinces, transcribed for the Essen Folksong Collection.",
        "2/4",
        80,
        "Flute",
        _chinese,
        triplets_rounded=True,
        model="traditions-lstm",  # told the style; as good as a Chinese-only model on its test songs
        chords="drone",
    ),
    "irish-british": Tradition(
        "irish-british",
        "Irish and British",
        "Dance tunes and airs from O'Neill's Music of Ireland (1850), Ryan's Mammoth Collection, Aird's "
        "Airs and the Nottingham Music Database.",
        "6/8",
        140,  # a jig's dotted quarter at 93: a session's easy pace
        "Violin",
        _irish_british,
        triplets_rounded=True,
        model="irish-lstm",  # a little better on its test songs than the style model (README, "Traditions")
        form="AABB",
        bars=32,
    ),
}


def model_folder(style: str) -> pathlib.Path:
    """The shipped model that serves a tradition (``$FOLK_MODEL`` overrides it, as it does
    `melody.net.folder.default_model_folder`; songs/ sits above net/, so the check is here too)."""
    import os

    from melody.core.paths import MODELS

    given = os.environ.get("FOLK_MODEL")
    return pathlib.Path(given) if given else MODELS / tradition(style).model


def chords_of(style: str) -> str:
    """How songs of ``style`` are harmonized: "model" (the chord model; also for no style) or "drone"."""
    return TRADITIONS[style].chords if style in TRADITIONS else "model"


def tradition(style: str) -> Tradition:
    """The tradition of a ``--style`` id; raises UnknownTraditionError naming the choices."""
    if style not in TRADITIONS:
        raise UnknownTraditionError(f"{style[:40]!r} is not a style; choose from {', '.join(TRADITIONS)}")
    return TRADITIONS[style]


class UnknownTraditionError(UserError, ValueError):
    """A ``--style`` (or link) that names no tradition."""


COLLECTIONS = {  # a song file's folder (or Essen set) -> the collection's name, for people
    "essenFolksong": "the Essen Folksong Collection",
    "oneills1850": "O'Neill's Music of Ireland (1850)",
    "ryansMammoth": "Ryan's Mammoth Collection (1883)",
    "airdsAirs": "Aird's Selection of Airs (1782-1803)",
    "nottingham": "the Nottingham Music Database",
}


def collection_name(path: pathlib.Path) -> str:
    """The name of the collection a song file belongs to, e.g. "O'Neill's Music of Ireland (1850)"."""
    return COLLECTIONS.get(path.parent.name, path.parent.name)


def collection_of(path: pathlib.Path) -> str:
    """The collection a song file belongs to, for the counts: its folder, or for music21's Essen
    files its set (han1 -> han, erk20 -> erk)."""
    if path.parent.name == "essenFolksong":
        return path.stem.rstrip("0123456789")
    return path.parent.name
