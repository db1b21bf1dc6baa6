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

from melody.core.paths import CORPORA


def _music21_corpus() -> pathlib.Path:
    from music21 import corpus

    return pathlib.Path(corpus.__file__).resolve().parent.parent / "corpus"


def _german() -> list[pathlib.Path]:
    from melody.songs.corpus import default_corpus_files

    return default_corpus_files()


def _chinese() -> list[pathlib.Path]:
    return sorted((_music21_corpus() / "essenFolksong").glob("han*.abc"))


def _irish_british() -> list[pathlib.Path]:
    from melody.songs.corpus import find_song_files

    base = _music21_corpus()
    folders = [base / "oneills1850", base / "ryansMammoth", base / "airdsAirs", CORPORA / "nottingham"]
    return find_song_files(folder for folder in folders if folder.exists())


@dataclasses.dataclass(frozen=True)
class Tradition:
    """One tradition: its id (``--style``), its name, one sentence on where its songs come from,
    the collections (file stems or folders, for the counts), and its usual meter, tempo
    (quarters a minute) and instrument."""

    id: str
    name: str
    origin: str
    meter: str
    tempo: int
    instrument: str
    sources: Callable[[], list[pathlib.Path]]

    def files(self) -> list[pathlib.Path]:
        """The song files of the tradition (each may hold many ABC tunes)."""
        return self.sources()


TRADITIONS = {
    "german": Tradition(
        "german",
        "German",
        "Songs collected in German-speaking lands in the 19th and 20th centuries (the Essen Folksong "
        "Collection, as music21 ships it).",
        "4/4",
        100,
        "Piano",
        _german,
    ),
    "chinese": Tradition(
        "chinese",
        "Chinese",
        "Han Chinese folk songs transcribed for the Essen Folksong Collection (its han sets, as music21 ships them).",
        "2/4",
        80,
        "Flute",
        _chinese,
    ),
    "irish-british": Tradition(
        "irish-british",
        "Irish and British",
        "Dance tunes and airs from O'Neill's Music of Ireland (1850), Ryan's Mammoth Collection, Aird's "
        "Airs and the Nottingham Music Database.",
        "6/8",
        110,
        "Violin",
        _irish_british,
    ),
}


def collection_of(path: pathlib.Path) -> str:
    """The collection a song file belongs to, for the counts: its folder, or for music21's Essen
    files its set (han1 -> han, erk20 -> erk)."""
    if path.parent.name == "essenFolksong":
        return path.stem.rstrip("0123456789")
    return path.parent.name
