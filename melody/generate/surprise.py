"""What the model thinks of a melody: per-note surprise, and the next-symbol distribution.

Surprise is -log2 p(note | everything before it) under the model, in bits: low where the
melody did what the model expected, high where it took a risk. A melody in any key is
moved to the model's C major / A minor first (by its ``key``).

    >>> [(e.start, e.pitch, round(bits, 2)) for e, bits in note_surprise(loaded, melody)][:2]   # doctest: +SKIP
    [(0, 67, 4.1), (2, 67, 1.3)]
"""

from __future__ import annotations

import numpy as np

from melody.core.melody import Melody, NoteEvent, is_pitch
from melody.net.step import step_model
from melody.net.vocabulary import song_arrays
from melody.songs.keys import model_shift, to_model_key


def step_probabilities(loaded, melody: Melody, whole_song: bool = False) -> np.ndarray:
    """p(next symbol) before each step of ``melody`` and before its end: (len + 1, vocab),
    columns in the model's key (label them with `symbols_in_key`). ``whole_song``: the
    melody is a whole song (e.g. generated with ``bars``), so a model that can be told how
    far the end is is told it, as generation told it."""
    length = len(melody) if whole_song else None
    arrays = song_arrays(to_model_key(melody), loaded.vocab, length, loaded.config.to_go_bars)
    net = step_model(loaded)
    state, rows, lookback = net.initial_state(1), [], arrays.lookback  # (3, len + 1)
    for t in range(len(arrays.symbols)):
        probabilities, state = net.step(
            state,
            arrays.symbols[t : t + 1],
            arrays.positions[t : t + 1],
            arrays.contexts[t : t + 1],
            lookback[:, t : t + 1],
        )
        rows.append(probabilities[0])
    return np.stack(rows)


def symbols_in_key(loaded, key: str) -> list[str]:
    """The model's symbols, pitches moved from its C major / A minor to ``key``: the
    labels of `step_probabilities`' columns for a melody in that key."""
    shift = -model_shift(key)
    return [str(int(symbol) + shift) if is_pitch(symbol) else symbol for symbol in loaded.vocab.symbols]


def note_surprise(loaded, melody: Melody, whole_song: bool = False) -> list[tuple[NoteEvent, float]]:
    """Each note of ``melody`` with its surprise in bits (-log2 of the model's probability
    of the pitch the model saw there, i.e. in `to_model_key` of the melody); ``whole_song``
    as in `step_probabilities`."""
    probabilities = step_probabilities(loaded, melody, whole_song)
    seen = to_model_key(melody).events()  # the same events, in the model's key
    return [
        (event, float(-np.log2(max(probabilities[event.start, loaded.vocab.id(str(model.pitch))], 1e-12))))
        for event, model in zip(melody.events(), seen, strict=True)
        if event.pitch is not None
    ]
