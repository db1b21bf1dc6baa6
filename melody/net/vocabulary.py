"""Melody <-> symbols <-> integer ids, and the model's per-step inputs.

The vocabulary is saved as ``mapping.json`` (symbol -> id), as in the seed report. Ids:
``/`` is 0, ``_`` 1, ``r`` 2, then the MIDI numbers in rising order.

For each song the model reads ``[/] + steps`` and predicts ``steps + [/]``; beside each
symbol it is told where in the bar the *next* step falls and the song's meter, and a
lookback model (Magenta's Lookback RNN) also what sounded one and two bars before the next
step and whether the last bar repeated the one before (`lookback_ids`).

    >>> vocab = Vocabulary.from_melodies([Melody(("60", "_", "62", "r"))])
    >>> vocab.symbols
    ('/', '_', 'r', '60', '61', '62')
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Iterable

import numpy as np

from melody.core.errors import MelodyError, UserError
from melody.core.melody import END, HOLD, REST, Melody, bar_steps, is_pitch
from melody.core.storage import atomic_write_json

MAX_POSITIONS = 48  # bar positions the model distinguishes (a 3/1 or 12/4 bar is 48 steps)
OTHER_METER = "other"


class UnknownSymbolError(UserError, ValueError):
    """A symbol (usually a pitch) that the model's vocabulary does not have."""


class UnknownStyleError(UserError, ValueError):
    """A tradition the model was not taught."""


class VocabularyFileError(UserError, ValueError):
    """A mapping.json or meters.json (of a model or dataset folder) that cannot be used;
    the message names the file, what it holds and what is expected."""


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The model's symbols in id order, the meters it was told about, and the traditions
    (`Melody.style`) a style model was told about (empty: a model of one tradition)."""

    symbols: tuple[str, ...]
    meters: tuple[str, ...] = (OTHER_METER,)
    styles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {s: i for i, s in enumerate(self.symbols)})

    def __len__(self) -> int:
        return len(self.symbols)

    @classmethod
    def from_melodies(cls, melodies: Iterable[Melody], min_meter_songs: int = 1) -> Vocabulary:
        """Every pitch from the lowest to the highest seen (no holes), and common meters."""
        melodies = list(melodies)
        pitches = [int(s) for m in melodies for s in set(m.steps) if is_pitch(s)]
        span = range(min(pitches), max(pitches) + 1) if pitches else range(0)
        counts: dict[str, int] = {}
        for m in melodies:
            counts[m.meter] = counts.get(m.meter, 0) + 1
        meters = sorted((m for m, n in counts.items() if n >= min_meter_songs), key=_meter_order)
        styles = tuple(dict.fromkeys(m.style for m in melodies if m.style))  # in order of first song
        styles = styles if len(styles) > 1 else ()  # songs of one tradition need no style input
        return cls((END, HOLD, REST, *(str(p) for p in span)), (OTHER_METER, *meters), styles)

    @property
    def pitch_range(self) -> tuple[int, int]:
        """Lowest and highest MIDI number the model knows."""
        pitches = [int(s) for s in self.symbols if is_pitch(s)]
        return min(pitches), max(pitches)

    @property
    def pitch_ids(self) -> np.ndarray:
        """Ids of the pitch symbols, shape (n_pitches,)."""
        return np.array([i for i, s in enumerate(self.symbols) if is_pitch(s)])

    def id(self, symbol: str) -> int:
        try:
            return self._ids[symbol]
        except KeyError:
            low, high = self.pitch_range
            raise UnknownSymbolError(
                f"the model has never seen {symbol!r}: it knows MIDI {low} to {high}, 'r', '_' "
                f"(transpose the seed, or pick notes in that range)"
            ) from None

    def encode(self, steps: Iterable[str]) -> np.ndarray:
        """Symbols to ids, shape (len,), int32."""
        return np.array([self.id(s) for s in steps], dtype=np.int32)

    def decode(self, ids: Iterable[int]) -> tuple[str, ...]:
        """Ids to symbols."""
        return tuple(self.symbols[int(i)] for i in ids)

    def meter_id(self, meter: str) -> int:
        """Id of a meter; meters the model was not told about share id 0 ('other')."""
        return self.meters.index(meter) if meter in self.meters else 0

    def style_id(self, style: str) -> int:
        """Id of a tradition for a style model: "" (not said) is its first; 0 for a model of
        one tradition. Raises UnknownStyleError for a tradition the model was not taught."""
        if not self.styles or not style:
            return 0
        if style not in self.styles:
            raise UnknownStyleError(f"this model knows the styles {', '.join(self.styles)}, not {style[:40]!r}")
        return self.styles.index(style)

    def context_id(self, meter: str, style: str = "") -> int:
        """The meter and style as one id, as `melody.net.step.StepModel` reads them (its meter
        table holds a row per style and meter): ``style_id * len(meters) + meter_id``."""
        return self.style_id(style) * len(self.meters) + self.meter_id(meter)

    # ------------------------------------------------------------------ files
    def save(self, folder: str | pathlib.Path) -> None:
        """Write ``mapping.json`` (symbol -> id), ``meters.json`` and (a style model)
        ``styles.json`` into ``folder``."""
        folder = pathlib.Path(folder)
        atomic_write_json(folder / "mapping.json", {s: i for i, s in enumerate(self.symbols)})
        atomic_write_json(folder / "meters.json", list(self.meters))
        if self.styles:
            atomic_write_json(folder / "styles.json", list(self.styles))

    @classmethod
    def load(cls, folder: str | pathlib.Path) -> Vocabulary:
        """Read ``mapping.json`` and (if there) ``meters.json``, checked against their schema.

        mapping.json: a JSON object of symbol -> id with ``/`` (end), ``_`` (hold), ``r``
        (rest) and at least one pitch (a MIDI number 0-127, written plainly, e.g. "60"),
        and ids exactly 0..n-1, each once. meters.json: a JSON list, ``"other"`` first,
        then distinct meters the 16th-note grid holds (e.g. "4/4", "6/8"). Raises
        ValueError naming the file, what it found and what is expected (OSError if a file
        cannot be read at all).
        """
        folder = pathlib.Path(folder)
        kinds = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}

        def read(path: pathlib.Path):
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise VocabularyFileError(f"{path} is unreadable ({error})") from None

        def kind(value) -> str:
            return kinds.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)

        path = folder / "mapping.json"
        mapping = read(path)
        if not isinstance(mapping, dict):
            raise VocabularyFileError(
                f'{path}: expected a JSON object of symbol -> id, e.g. {{"/": 0, "_": 1, "r": 2, "60": 3}}; '
                f"found {kind(mapping)}"
            )
        specials = {END: "end", HOLD: "hold", REST: "rest"}
        for symbol, index in mapping.items():
            plain_pitch = symbol.isascii() and symbol.isdigit() and str(int(symbol)) == symbol and is_pitch(symbol)
            if symbol not in specials and not plain_pitch:
                raise VocabularyFileError(
                    f"{path}: symbol {symbol!r} is neither a MIDI number 0-127 (e.g. '60') nor '/', '_' or 'r'"
                )
            if not isinstance(index, int) or isinstance(index, bool):
                raise VocabularyFileError(f"{path}: the id of {symbol!r} is {index!r}, expected a whole number")
        missing = [f"{s!r} ({name})" for s, name in specials.items() if s not in mapping]
        if missing:
            raise VocabularyFileError(
                f"{path}: lacks the symbol(s) {', '.join(missing)}; expected '/', '_', 'r' and pitches"
            )
        if not any(is_pitch(s) for s in mapping):
            raise VocabularyFileError(
                f"{path}: has no pitch symbols, only {sorted(mapping)}; expected MIDI numbers 0-127 too"
            )
        count = len(mapping)
        owners: dict[int, str] = {}
        for symbol, index in mapping.items():
            if not 0 <= index < count:
                raise VocabularyFileError(
                    f"{path}: the id of {symbol!r} is {index}, expected ids 0..{count - 1} ({count} symbols), each once"
                )
            if index in owners:
                raise VocabularyFileError(
                    f"{path}: id {index} is given to both {owners[index]!r} and {symbol!r}; "
                    f"expected ids 0..{count - 1}, each once"
                )
            owners[index] = symbol
        symbols = tuple(owners[i] for i in range(count))

        styles = cls._read_styles(folder / "styles.json", read)
        path = folder / "meters.json"
        if not path.exists():
            return cls(symbols, (OTHER_METER,), styles)
        meters = read(path)
        if not isinstance(meters, list) or not meters or meters[0] != OTHER_METER:
            if not isinstance(meters, list):
                found = kind(meters)
            else:
                found = f"a list starting with {meters[0]!r}" if meters else "an empty list"
            raise VocabularyFileError(
                f'{path}: expected a JSON list of meters, "other" first, e.g. ["other", "4/4"]; found {found}'
            )
        for number, meter in enumerate(meters[1:], start=2):
            try:
                if not isinstance(meter, str):
                    raise MelodyError(kind(meter))
                bar_steps(meter)
            except MelodyError:
                raise VocabularyFileError(
                    f"{path}: entry {number}, {meter!r}, is not a meter; expected meters like '4/4' or '6/8' "
                    "(N/1, N/2, N/4, N/8 or N/16)"
                ) from None
            if meter in meters[: number - 1]:
                raise VocabularyFileError(
                    f"{path}: entry {number}, {meter!r}, is listed twice; expected each meter once"
                )
        return cls(symbols, tuple(meters), styles)

    @staticmethod
    def _read_styles(path: pathlib.Path, read) -> tuple[str, ...]:
        """styles.json (a style model's traditions, in id order): a JSON list of distinct ids."""
        if not path.exists():
            return ()
        styles = read(path)
        if (
            not isinstance(styles, list)
            or not styles
            or not all(isinstance(s, str) and s and len(s) <= 32 for s in styles)
            or len(set(styles)) != len(styles)
        ):
            raise VocabularyFileError(f'{path}: expected a JSON list of distinct style ids, e.g. ["german", "chinese"]')
        return tuple(styles)


def _meter_order(meter: str) -> tuple[int, int]:
    top, bottom = meter.split("/")
    return int(bottom), int(top)


def position_ids(melody: Melody, count: int, length: int | None = None, to_go_bars: int = 0) -> np.ndarray:
    """The position input of steps 0..count-1 of ``melody``, shape (count,), int32.

    The bar position of each step (capped at MAX_POSITIONS - 1) and, for a model told how
    far the end is (``to_go_bars`` > 0) and a song of known ``length`` (in steps), how many
    bars are left before the end symbol (0: it comes next; capped at ``to_go_bars``), in one
    id: ``bar position + MAX_POSITIONS * bucket``, where bucket 0 is "not told" (so an untold
    song has the plain bar-position ids) and bucket 1 + b means b bars to go, rounded up.
    """
    bar = melody.bar_steps
    positions = np.minimum((np.arange(count) - melody.pickup) % bar, MAX_POSITIONS - 1)
    if length is None or not to_go_bars:
        return positions.astype(np.int32)
    remaining = np.maximum(length - np.arange(count), 0)  # steps before the end symbol
    buckets = 1 + np.minimum(-(-remaining // bar), to_go_bars)
    return (positions + MAX_POSITIONS * buckets).astype(np.int32)


LOOKBACK_FIELDS = ("lookback_1", "lookback_2", "repeated")  # the rows of `lookback_ids`, as model inputs


def lookback_ids(song: np.ndarray, indices, bar: int, pickup: int, none_id: int) -> np.ndarray:
    """The lookback inputs for predicting steps ``indices`` of songs ``song`` (rows, n) of
    ids, bars of ``bar`` steps after a pickup of ``pickup`` steps: (3, rows, len(indices)),
    int32; for one index given as an int, (3, rows) (generation's hot path, a few µs).

    Row 0: the symbol one bar before each step (the same bar position in the bar before),
    ``none_id`` where that is before the song starts; row 1: the same two bars before; row 2:
    1 where the last bar completed before the step (a whole bar after the pickup) repeats the
    bar before it exactly, else 0. Predicting step i reads only ``song[:, :i]`` (what has
    sounded), so generation can call it with the history so far (``n`` >= the largest index).

        >>> lookback_ids(np.array([[5, 6, 5, 6]]), range(5), bar=2, pickup=0, none_id=0)[:, 0]
        array([[0, 0, 5, 6, 5],
               [0, 0, 0, 0, 5],
               [0, 0, 0, 0, 1]], dtype=int32)
    """
    song = np.asarray(song)
    if isinstance(indices, (int, np.integer)):  # one step
        i, out = int(indices), np.full((3, song.shape[0]), none_id, dtype=np.int32)
        if i >= bar:
            out[0] = song[:, i - bar]
        if i >= 2 * bar:
            out[1] = song[:, i - 2 * bar]
        end = pickup + (i - pickup) // bar * bar  # the last barline at or before the step
        out[2] = (song[:, end - bar : end] == song[:, end - 2 * bar : end - bar]).all(axis=1) if end >= 2 * bar else 0
        return out
    steps = np.asarray(indices, dtype=np.int64).reshape(-1)

    def back(bars: int) -> np.ndarray:  # song[:, step - bars * bar], none before the start
        at = steps - bars * bar
        ids = np.full((song.shape[0], len(steps)), none_id, dtype=np.int32)
        ids[:, at >= 0] = song[:, at[at >= 0]]
        return ids

    out = np.zeros((3, song.shape[0], len(steps)), dtype=np.int32)
    out[0], out[1] = back(1), back(2)
    end = pickup + (steps - pickup) // bar * bar  # the last barline at or before each step
    whole = end >= 2 * bar  # the last bar and the one before it are whole bars of the song
    if whole.any():
        last = end[whole, None] - bar + np.arange(bar)  # (k, bar) the steps of the last bar
        out[2][:, whole] = (song[:, last] == song[:, last - bar]).all(axis=2)
    return out


def position_count(to_go_bars: int) -> int:
    """Rows of the position table of a model told ``to_go_bars`` (0: not told)."""
    return MAX_POSITIONS * (to_go_bars + 2) if to_go_bars else MAX_POSITIONS


@dataclasses.dataclass
class SongArrays:
    """One song as model inputs and targets, all shape (len(melody) + 1,), int32."""

    symbols: np.ndarray  # [/] + steps
    positions: np.ndarray  # bar position of the step being predicted (and bars to go: `position_ids`)
    meters: np.ndarray  # the song's meter id, repeated
    targets: np.ndarray  # steps + [/]
    lookback_1: np.ndarray | None = None  # symbol one bar before the step being predicted (`lookback_ids`)
    lookback_2: np.ndarray | None = None  # ... two bars before
    repeated: np.ndarray | None = None  # 1: the last whole bar repeated the one before it
    styles: np.ndarray | None = None  # the song's style id, repeated (read by a style model only)
    contexts: np.ndarray | None = None  # meter and style as `StepModel` reads them (`Vocabulary.context_id`)
    weights: np.ndarray | None = None  # per-target loss weights, set by melody.batching

    @property
    def lookback(self) -> np.ndarray:
        """The lookback inputs (3, len), as `lookback_ids` gives them for one song."""
        return np.stack([self.lookback_1, self.lookback_2, self.repeated])


def song_arrays(melody: Melody, vocab: Vocabulary, length: int | None = None, to_go_bars: int = 0) -> SongArrays:
    """Inputs and targets for scoring or training on one song from its start; ``length``
    and ``to_go_bars`` as in `position_ids` (a model told how far the end of a song of
    known length is)."""
    ids = vocab.encode(melody.steps)
    count = len(ids) + 1
    end = np.array([vocab.id(END)], dtype=np.int32)
    back = lookback_ids(ids[None], range(count), melody.bar_steps, melody.pickup, vocab.id(END))[:, 0]
    return SongArrays(
        symbols=np.concatenate([end, ids]),
        positions=position_ids(melody, count, length, to_go_bars),
        meters=np.full(count, vocab.meter_id(melody.meter), dtype=np.int32),
        styles=np.full(count, vocab.style_id(melody.style), dtype=np.int32),
        contexts=np.full(count, vocab.context_id(melody.meter, melody.style), dtype=np.int32),
        targets=np.concatenate([ids, end]),
        lookback_1=back[0],
        lookback_2=back[1],
        repeated=back[2],
    )


def symbols_text(melody: Melody) -> str:
    """The seed report's text form: symbols separated by spaces."""
    return " ".join(melody.steps)


def dataset_text(melodies: Iterable[Melody], sequence_length: int = 64) -> str:
    """All songs joined into one series, each followed by ``/`` x sequence_length (seed)."""
    delimiter = " ".join([END] * sequence_length)
    return " ".join(f"{symbols_text(m)} {delimiter}" for m in melodies)
