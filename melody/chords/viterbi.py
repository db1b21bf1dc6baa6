"""The best chord per segment: Viterbi over log scores, with one backtrace for both kinds of move.

- `change_viterbi`: staying on a chord is free, any change costs the same at a given segment
  (the chord model's harmonic rhythm): O(classes) a segment.
- `viterbi`: a full (classes, classes) move table per segment (the baselines' HMM)."""

from __future__ import annotations

import numpy as np


def change_viterbi(scores: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Viterbi over ``scores`` (segments, classes) of log scores where staying on a chord is
    free and changing at segment t costs ``costs[t]``: the class per segment. Since every
    change costs the same, the best way into a chord is to stay on it or to come from the
    best chord so far, so a step costs O(classes), not O(classes^2)."""
    best = scores[0].copy()
    back = np.zeros(scores.shape, dtype=np.int64)
    classes = np.arange(scores.shape[1])
    for t in range(1, len(scores)):
        top = int(best.argmax())
        stay = best >= best[top] - costs[t]
        back[t] = np.where(stay, classes, top)
        best = np.where(stay, best, best[top] - costs[t]) + scores[t]
    return _backtrace(back, best)


def viterbi(scores: np.ndarray, start: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """The best path through ``scores`` (segments, classes) of log scores, with ``start``
    (classes,) added at the first segment and ``moves[t]`` (classes, classes) from
    segment t - 1 to t (``moves[0]`` unused). Returns the class per segment."""
    best = start + scores[0]
    back = np.zeros(scores.shape, dtype=np.int64)
    for t in range(1, len(scores)):
        total = best[:, None] + moves[t]  # (from, to)
        back[t] = total.argmax(axis=0)
        best = total[back[t], np.arange(scores.shape[1])] + scores[t]
    return _backtrace(back, best)


def _backtrace(back: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The path ending in the best final class, read back through ``back`` (segments, classes):
    the class each segment's best way into each class came from."""
    path = np.zeros(len(back), dtype=np.int64)
    path[-1] = int(best.argmax())
    for t in range(len(back) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
