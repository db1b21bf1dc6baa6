"""Interpolated Kneser-Ney n-gram model over the melody symbols: the baseline.

Trained on the same songs as the LSTM and scored the same way: each song from its start
(the context padded with ``/``), every step and the closing ``/`` predicted. Discounts
per order follow Ney's estimate D = n1 / (n1 + 2 n2).

    >>> kn = KneserNey.fit([("60", "_", "62"), ("60", "_", "_")], vocab_symbols, order=3)  # doctest: +SKIP
    >>> kn.distribution(("/", "60")).sum()                                                  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from melody.core.melody import END


class KneserNey:
    """An interpolated Kneser-Ney model of a given ``order`` over a fixed symbol list."""

    def __init__(self, symbols: Sequence[str], order: int):
        self.symbols, self.order = tuple(symbols), order
        self.ids = {s: i for i, s in enumerate(self.symbols)}
        self.counts: list[dict[tuple, np.ndarray]] = [dict() for _ in range(order)]  # by context length
        self.discounts = [0.75] * order
        self._cache: dict[tuple, np.ndarray] = {}

    @classmethod
    def fit(cls, songs: Iterable[Sequence[str]], symbols: Sequence[str], order: int = 5) -> KneserNey:
        """Count n-grams of every song (context padded with ``/``, closing ``/`` included)."""
        model = cls(symbols, order)
        top = defaultdict(lambda: np.zeros(len(model.symbols)))
        for song in songs:
            ids = [model.ids[END]] * (order - 1) + [model.ids[s] for s in song] + [model.ids[END]]
            for t in range(order - 1, len(ids)):
                top[tuple(ids[t - order + 1 : t])][ids[t]] += 1
        model.counts[order - 1] = dict(top)
        for length in range(order - 2, -1, -1):  # continuation counts: distinct left extensions
            lower = defaultdict(lambda: np.zeros(len(model.symbols)))
            for context, row in model.counts[length + 1].items():
                lower[context[1:]] += row > 0
            model.counts[length] = dict(lower)
        for length, table in enumerate(model.counts):
            values = np.concatenate([row[row > 0] for row in table.values()]) if table else np.zeros(0)
            n1, n2 = (values == 1).sum(), (values == 2).sum()
            model.discounts[length] = float(n1 / (n1 + 2 * n2)) if n1 + n2 else 0.75
        return model

    def distribution(self, context: Sequence[str] | tuple[int, ...]) -> np.ndarray:
        """p(next symbol | context), shape (vocab,), float64; context as ids or symbols."""
        ids = tuple(c if isinstance(c, (int, np.integer)) else self.ids[c] for c in context)
        return self._probabilities(ids[len(ids) - (self.order - 1) :] if self.order > 1 else ())

    def _probabilities(self, context: tuple[int, ...]) -> np.ndarray:
        if context in self._cache:
            return self._cache[context]
        vocab = len(self.symbols)
        lower = self._probabilities(context[1:]) if context else np.full(vocab, 1.0 / vocab)
        row = self.counts[len(context)].get(context)
        if row is None or row.sum() == 0:
            result = lower
        else:
            total, discount = row.sum(), self.discounts[len(context)]
            result = np.maximum(row - discount, 0) / total + discount * (row > 0).sum() / total * lower
        self._cache[context] = result
        return result

    def song_probabilities(self, song: Sequence[str]) -> np.ndarray:
        """p(· | context) before each step of ``song`` and before the closing ``/``: (len+1, vocab)."""
        ids = [self.ids[END]] * (self.order - 1) + [self.ids[s] for s in song]
        width = self.order - 1
        return np.stack([self._probabilities(tuple(ids[t : t + width])) for t in range(len(song) + 1)])
