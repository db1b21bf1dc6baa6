"""Melody numbers that are melodies: the studio's book of what each number made.

A melody number is the random seed of a melody, and alone it says nothing of the seed and
settings it was drawn with. So every melody the studio makes is written in its book
(`MelodyBook`: number -> the recipe's share-link query) and "Bring back a melody" with a
number alone, in any browser, restores the seed and every setting and makes the same
melody; a number this studio never made is answered plainly (`unknown_number`).

- New numbers are drawn among those not yet in the book, so a number names one melody.
- At "Safest" (temperature 0) the number does not change the melody (the likeliest is
  taken at every step), so the same recipe keeps its first number (`number_for`): the same
  notes never appear under two numbers.
- The book is one JSON-lines file, appended a line per melody under a lock (a line
  half-written by a crash is skipped when read), kept to `MAX_ENTRIES` (the oldest half is
  dropped by an atomic rewrite), at `FOLK_MELODY_BOOK` or `.cache/melody-book.jsonl`.

    >>> book = MelodyBook(tmp_path / "book.jsonl")                       # doctest: +SKIP
    >>> book.record(Recipe(seed="G4 _ A4 _", number=48213)); book.query(48213)["seed"]  # doctest: +SKIP
    'G4 _ A4 _'
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import secrets
import threading

from melody.core.paths import ROOT
from melody.core.storage import atomic_write_text
from melody.studio.recipe import MAX_NUMBER, NAMES, Recipe, to_query

_LOG = logging.getLogger(__name__)
MAX_ENTRIES = 50_000  # half of the numbers: a fresh one is still found at the first draws
MAX_LINE_CHARS = 8_000  # a recipe's query (a typed seed is at most 6,000 characters)
DRAWS = 64  # tries for a number not in the book before one is reused


def default_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get("FOLK_MELODY_BOOK") or ROOT / ".cache" / "melody-book.jsonl")


def unknown_number(number: int) -> str:
    """What the studio says for a number its book does not hold."""
    return (
        f"Melody #{number} was not made by this studio (or was made too long ago to be kept), so its seed and "
        "settings are unknown here. Open the melody's link instead: the link holds everything it needs."
    )


class MelodyBook:
    """Number -> the share-link query of the recipe that made it; thread-safe."""

    def __init__(self, path: str | os.PathLike | None = None, limit: int = MAX_ENTRIES) -> None:
        self.path, self.limit = pathlib.Path(path or default_path()), limit
        self.lock = threading.Lock()
        self.queries: dict[int, dict[str, str]] = {}  # in the order made (dicts keep it)
        self._read()

    def _read(self) -> None:
        try:
            with self.path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    self._take(line)
        except FileNotFoundError:
            return
        except OSError as error:
            _LOG.warning("the melody book %s cannot be read (%s): it starts empty", self.path, error)

    def _take(self, line: str) -> None:
        if len(line) > MAX_LINE_CHARS:
            return
        try:
            query = json.loads(line)
            number = int(query[NAMES["number"]])
        except (ValueError, KeyError, TypeError):
            return  # a line cut by a crash, or not ours
        if isinstance(query, dict) and 0 <= number <= MAX_NUMBER:
            self.queries.pop(number, None)
            self.queries[number] = {str(k): str(v) for k, v in query.items()}

    def query(self, number: int) -> dict[str, str] | None:
        """The share-link query that made melody ``number``, or None if this book lacks it."""
        with self.lock:
            query = self.queries.get(int(number))
            return dict(query) if query else None

    def number_for(self, recipe: Recipe) -> int | None:
        """The number already given to ``recipe``'s melody when it is the same whatever the
        number (temperature 0: the likeliest symbol at every step), else None."""
        if recipe.temperature != 0:
            return None
        wanted = to_query(dataclasses.replace(recipe, number=None))
        with self.lock:
            for number, query in reversed(self.queries.items()):
                if {k: v for k, v in query.items() if k != NAMES["number"]} == wanted:
                    return number
        return None

    def new_number(self) -> int:
        """A number not in the book (drawn at random; after `DRAWS` misses, any number)."""
        with self.lock:
            for _ in range(DRAWS):
                number = secrets.randbelow(MAX_NUMBER + 1)
                if number not in self.queries:
                    return number
        return number

    def record(self, recipe: Recipe) -> None:
        """Write down what made melody ``recipe.number``. The first recipe under a number
        stays (a link made up with another's number does not rewrite it). A book that cannot
        be written is logged, never an error."""
        if recipe.number is None:
            return
        query = to_query(recipe)
        line = json.dumps(query, ensure_ascii=False, separators=(",", ":"))
        if len(line) > MAX_LINE_CHARS:
            return
        with self.lock:
            if recipe.number in self.queries:
                return
            self.queries[recipe.number] = query
            try:
                if len(self.queries) > self.limit:
                    self._compact()
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with self.path.open("a", encoding="utf-8") as out:
                        out.write(line + "\n")
            except OSError as error:
                _LOG.warning("the melody book %s cannot be written (%s)", self.path, error)

    def _compact(self) -> None:
        """Keep the newer half (with the lock held), written atomically."""
        kept = list(self.queries.items())[-(self.limit // 2) :]
        self.queries = dict(kept)
        text = "".join(json.dumps(q, ensure_ascii=False, separators=(",", ":")) + "\n" for _, q in kept)
        atomic_write_text(self.path, text)
