"""Held-out figures: how well a model predicts songs it has not seen.

Each song is scored from its start with a fresh state; every step and the closing ``/``
are predicted. Figures (all means over the scored targets):

- ``nll_per_step``: negative log-likelihood per 16th-note step, in nats;
- ``nll_per_event``: the same over targets other than ``_`` (note and rest onsets, ``/``);
- ``pitch_bits_per_note``: -log2 p(pitch | a pitch starts), i.e. the probability of the
  true pitch renormalised over the pitch symbols, over note onsets (IDyOM-comparable);
- ``accuracy``: share of targets that are the model's likeliest symbol.

    >>> scores = score_model(loaded, test_songs)        # doctest: +SKIP
    >>> round(scores.nll_per_step, 3)                    # doctest: +SKIP
    0.69
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import numpy as np

from melody.core.melody import HOLD, Melody
from melody.net.folder import input_names
from melody.net.vocabulary import song_arrays
from melody.train.batching import make_batches
from melody.train.keras_model import keras_of

FIGURES = ("nll_per_step", "nll_per_event", "pitch_bits_per_note", "accuracy")


@dataclasses.dataclass
class Tally:
    """Running sums over scored targets."""

    songs: int = 0
    steps: int = 0
    nll: float = 0.0
    events: int = 0
    event_nll: float = 0.0
    notes: int = 0
    pitch_bits: float = 0.0
    correct: int = 0

    def add(self, probabilities: np.ndarray, targets: np.ndarray, hold_id: int, pitch_ids: np.ndarray) -> None:
        """Add one song: probabilities (steps, vocab) predicting targets (steps,)."""
        p = np.maximum(probabilities[np.arange(len(targets)), targets].astype(np.float64), 1e-12)
        nll = -np.log(p)
        self.songs += 1
        self.steps += len(targets)
        self.nll += nll.sum()
        event = targets != hold_id
        self.events += int(event.sum())
        self.event_nll += nll[event].sum()
        is_pitch = np.isin(targets, pitch_ids)
        pitch_mass = probabilities[is_pitch][:, pitch_ids].astype(np.float64).sum(axis=1)
        self.notes += int(is_pitch.sum())
        self.pitch_bits += (-np.log2(p[is_pitch] / np.maximum(pitch_mass, 1e-12))).sum()
        self.correct += int((probabilities.argmax(axis=1) == targets).sum())

    def figures(self) -> dict:
        share = lambda a, b: float(a / b) if b else float("nan")
        return {
            "songs": self.songs,
            "steps": self.steps,
            "nll_per_step": share(self.nll, self.steps),
            "nll_per_event": share(self.event_nll, self.events),
            "pitch_bits_per_note": share(self.pitch_bits, self.notes),
            "accuracy": share(self.correct, self.steps),
        }


def score_model(
    loaded, songs: list[Melody], batch_size: int = 64, progress: Callable | None = None, told: bool = False
) -> dict:
    """Figures of a loaded Keras model (`melody.net.folder.LoadedModel`) on ``songs``; ``told``:
    a model that can be told how far the end is (``to_go_bars``) is told each song's length."""
    vocab, tally = loaded.vocab, Tally()
    hold_id, pitch_ids = vocab.id(HOLD), vocab.pitch_ids
    to_go_bars = loaded.config.to_go_bars if told else 0
    batches = make_batches(songs, vocab, batch_size, max_steps=10**9, to_go_bars=to_go_bars)
    for batch in progress(batches) if progress else batches:
        inputs = batch.inputs_for(input_names(loaded.config))
        probabilities = np.asarray(keras_of(loaded).predict_on_batch(inputs))  # (batch, steps, vocab)
        for row in range(len(batch.targets)):
            n = int((batch.weights[row] > 0).sum())
            tally.add(probabilities[row, :n], batch.targets[row, :n], hold_id, pitch_ids)
    return tally.figures()


def score_ngram(ngram, vocab, songs: Iterable[Melody]) -> dict:
    """The same figures for a `melody.train.ngram.KneserNey` model."""
    tally = Tally()
    for melody in songs:
        targets = song_arrays(melody, vocab).targets
        tally.add(ngram.song_probabilities(melody.steps), targets, vocab.id(HOLD), vocab.pitch_ids)
    return tally.figures()
