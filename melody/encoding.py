"""Melody <-> symbols <-> integer ids, and the model's per-step inputs.

The vocabulary is saved as ``mapping.json`` (symbol -> id), as in the seed report. Ids:
``/`` is 0, ``_`` 1, ``r`` 2, then the MIDI numbers in rising order.

For each song the model reads ``[/] + steps`` and predicts ``steps + [/]``; beside each
symbol it is told where in the bar the *next* step falls and the song's meter.

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

from .melody import END, HOLD, REST, Melody, is_pitch
from .storage import atomic_write_json

MAX_POSITIONS = 48  # bar positions the model distinguishes (a 3/1 or 12/4 bar is 48 steps)
OTHER_METER = "other"


class UnknownSymbolError(ValueError):
    """A symbol (usually a pitch) that the model's vocabulary does not have."""


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The model's symbols in id order, and the meters it was told about."""

    symbols: tuple[str, ...]
    meters: tuple[str, ...] = (OTHER_METER,)

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
        return cls((END, HOLD, REST, *(str(p) for p in span)), (OTHER_METER, *meters))

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

    # ------------------------------------------------------------------ files
    def save(self, folder: str | pathlib.Path) -> None:
        """Write ``mapping.json`` (symbol -> id) and ``meters.json`` into ``folder``."""
        folder = pathlib.Path(folder)
        atomic_write_json(folder / "mapping.json", {s: i for i, s in enumerate(self.symbols)})
        atomic_write_json(folder / "meters.json", list(self.meters))

    @classmethod
    def load(cls, folder: str | pathlib.Path) -> Vocabulary:
        folder = pathlib.Path(folder)
        mapping = json.loads((folder / "mapping.json").read_text())
        symbols = tuple(sorted(mapping, key=mapping.get))
        if [mapping[s] for s in symbols] != list(range(len(symbols))):
            raise ValueError(f"{folder / 'mapping.json'}: ids are not 0..{len(symbols) - 1}")
        meters_file = folder / "meters.json"
        meters = tuple(json.loads(meters_file.read_text())) if meters_file.exists() else (OTHER_METER,)
        return cls(symbols, meters)


def _meter_order(meter: str) -> tuple[int, int]:
    top, bottom = meter.split("/")
    return int(bottom), int(top)


def position_ids(melody: Melody, count: int) -> np.ndarray:
    """Bar position of steps 0..count-1 of ``melody``, capped at MAX_POSITIONS - 1."""
    bar = melody.bar_steps
    positions = (np.arange(count) - melody.pickup) % bar
    return np.minimum(positions, MAX_POSITIONS - 1).astype(np.int32)


@dataclasses.dataclass
class SongArrays:
    """One song as model inputs and targets, all shape (len(melody) + 1,), int32."""

    symbols: np.ndarray  # [/] + steps
    positions: np.ndarray  # bar position of the step being predicted
    meters: np.ndarray  # the song's meter id, repeated
    targets: np.ndarray  # steps + [/]
    weights: np.ndarray | None = None  # per-target loss weights, set by melody.batching


def song_arrays(melody: Melody, vocab: Vocabulary) -> SongArrays:
    """Inputs and targets for scoring or training on one song from its start."""
    ids = vocab.encode(melody.steps)
    count = len(ids) + 1
    end = np.array([vocab.id(END)], dtype=np.int32)
    return SongArrays(
        symbols=np.concatenate([end, ids]),
        positions=position_ids(melody, count),
        meters=np.full(count, vocab.meter_id(melody.meter), dtype=np.int32),
        targets=np.concatenate([ids, end]),
    )


def symbols_text(melody: Melody) -> str:
    """The seed report's text form: symbols separated by spaces."""
    return " ".join(melody.steps)


def dataset_text(melodies: Iterable[Melody], sequence_length: int = 64) -> str:
    """All songs joined into one series, each followed by ``/`` x sequence_length (seed)."""
    delimiter = " ".join([END] * sequence_length)
    return " ".join(f"{symbols_text(m)} {delimiter}" for m in melodies)
