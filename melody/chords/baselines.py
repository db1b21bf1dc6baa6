"""How well chords fit, and the baselines the chord model is measured against.

Scores: `score_beats` (the share of beats whose chord matches the human one) and
`chord_tone_steps`. Baselines: the tonic everywhere, the diatonic rule (the triad with the
most melody notes), an HMM over chords (`ChordHMM`, counted from the training tunes) and the
oracle (the best triad per beat, given the human chords). `tune_change_costs` tunes the
model's harmonic rhythm on validation tunes.

Definitions (issue 16): beats are `melody.chords.model.beat_starts` (a quarter note in x/4, a
dotted quarter in 6/8, 9/8, 12/8). The human chord at a beat is the last chord at or before
it; only beats with a human chord are scored. Accuracy is the share of beats whose triad
equals the human one (`score_beats`); the chord-tone ratio is the share of melody duration
on a tone of the chord sounding (`chord_tone_steps`)."""

from __future__ import annotations

import collections
import dataclasses
import pathlib

import numpy as np

from melody.chords.model import (
    N_CLASSES,
    beat_features,
    beat_starts,
    chord_class,
    class_chord,
    half_bar_index,
    path_chords,
    segment_starts,
    tonic_class,
)
from melody.chords.viterbi import viterbi
from melody.core.melody import HOLD, Chord, Melody, chords_at
from melody.core.pitch import CHORD_QUALITIES, parse_key, tonic_pitch_class


# ---------------------------------------------------------------- scores
def score_beats(truth: Melody, chords) -> tuple[int, int]:
    """(beats whose triad equals the human one, beats with a human chord) of ``chords``
    under ``truth``, a melody carrying the human chords."""
    beats = beat_starts(truth)
    human, ours = chords_at(truth.chords, beats), chords_at(tuple(chords), beats)
    scored = [(h, o) for h, o in zip(human, ours) if h is not None]
    return sum(o is not None and (h.root, h.quality) == (o.root, o.quality) for h, o in scored), len(scored)


def chord_tone_steps(melody: Melody, chords) -> tuple[int, int]:
    """(16ths of melody notes on a tone of the chord sounding, 16ths of notes under a chord)."""
    on = total = 0
    for event in melody.events():
        if event.pitch is None:
            continue
        span = range(event.start, event.start + event.length)
        for chord in chords_at(tuple(chords), span):
            if chord is not None:
                total += 1
                on += event.pitch % 12 in chord.pitch_classes()
    return on, total


# ---------------------------------------------------------------- baselines
RULE_DEGREES = {  # (semitones above the tonic, quality), in the order ties are broken
    "major": ((0, "major"), (7, "major"), (5, "major"), (9, "minor"), (2, "minor"), (4, "minor")),
    "minor": ((0, "minor"), (7, "major"), (5, "minor"), (8, "major"), (3, "major"), (10, "major")),
}


def tonic_chords(melody: Melody) -> list[Chord]:
    """Always the tonic triad."""
    return [class_chord(tonic_class(melody.key), melody.key, 0)]


def _sounding(melody: Melody) -> np.ndarray:
    """Key-relative pitch class sounding at each step (-1: rest)."""
    pcs, tonic = np.full(len(melody), -1), tonic_pitch_class(melody.key)
    for event in melody.events():
        if event.pitch is not None:
            pcs[event.start : event.start + event.length] = (event.pitch - tonic) % 12
    return pcs


def rule_chords(melody: Melody) -> list[Chord]:
    """The diatonic rule: per half bar, the triad among I V IV vi ii iii (minor: i V iv VI
    III VII) whose tones cover most melody duration, the notes sounding at the half bar's
    first step (its strong beat) counted twice; ties go to the earlier in that list."""
    pcs, mode = _sounding(melody), parse_key(melody.key)[1]
    candidates = RULE_DEGREES[mode]
    masks = np.array([[(pc - root) % 12 in ((0, 4, 7) if q == "major" else (0, 3, 7)) for pc in range(12)]
                      for root, q in candidates])  # fmt: skip
    groups = half_bar_index(melody, np.arange(len(melody)))
    chords = []
    for group in np.unique(groups):
        steps = np.flatnonzero(groups == group)
        weights = np.zeros(12)
        for step in steps:
            if pcs[step] >= 0:
                weights[pcs[step]] += 1 + (pcs[step] == pcs[steps[0]] and _same_note(melody, steps[0], step))
        root, quality = candidates[int(np.argmax(masks @ weights))]
        chords.append(class_chord(root * 4 + CHORD_QUALITIES.index(quality), melody.key, int(steps[0])))
    return chords


def _same_note(melody: Melody, first: int, step: int) -> bool:
    """True when the note sounding at ``step`` began at or before ``first`` (no new onset between)."""
    return all(symbol == HOLD for symbol in melody.steps[first + 1 : step + 1])


def oracle_chords(truth: Melody) -> list[Chord]:
    """The best any one-chord-per-half-bar method can do: per half bar, the human chord
    sounding on most of its scored beats."""
    beats = beat_starts(truth)
    human, groups = chords_at(truth.chords, beats), half_bar_index(truth, beats)
    chords = []
    for group in np.unique(groups):
        inside = [h for h, g in zip(human, groups) if g == group and h is not None]
        if inside:
            (root, quality), _ = collections.Counter((h.root, h.quality) for h in inside).most_common(1)[0]
            start = int(beats[groups == group][0])
            chords.append(Chord(start, root, quality))
    return chords


class ChordHMM:
    """A hidden Markov model over the 48 key-relative triads, one state per beat, per mode:
    transitions between beats, and each note sounding in a beat emits its key-relative pitch
    class given the chord. Counts from training tunes (`fit`), add-``alpha`` smoothing; Viterbi.
    ``tables`` maps ``"<mode>_start"`` (48,), ``"<mode>_move"`` (48, 48) and ``"<mode>_emit"``
    (48, 12) to log probabilities, as saved beside the chord model (``hmm.npz``)."""

    def __init__(self, tables: dict[str, np.ndarray]):
        self.tables = {name: np.asarray(table, dtype=np.float64) for name, table in tables.items()}

    @classmethod
    def load(cls, path: pathlib.Path) -> ChordHMM:
        """The tables saved by `save` (``hmm.npz`` of a chord model folder)."""
        with np.load(path) as stored:
            return cls(dict(stored))

    def save(self, path: pathlib.Path) -> None:
        """Write the tables to ``path`` as ``.npz``, atomically."""
        import io

        from melody.core.storage import atomic_write_bytes

        buffer = io.BytesIO()
        np.savez(buffer, **self.tables)
        atomic_write_bytes(path, buffer.getvalue())

    @classmethod
    def fit(cls, melodies: list[Melody], alpha: float = 0.5) -> ChordHMM:
        """Counted from ``melodies`` carrying human chords (beats without one are left out)."""
        tables = {}
        for mode in ("major", "minor"):
            start, move = np.full(N_CLASSES, alpha), np.full((N_CLASSES, N_CLASSES), alpha)
            emit = np.full((N_CLASSES, 12), alpha)
            for melody in (m for m in melodies if parse_key(m.key)[1] == mode):
                labels, notes = cls._beats(melody)
                for index, (label, pcs) in enumerate(zip(labels, notes)):
                    if label < 0:
                        continue
                    np.add.at(emit[label], pcs, 1)
                    if index and labels[index - 1] >= 0:
                        move[labels[index - 1], label] += 1
                    else:
                        start[label] += 1
            for name, table in (("start", start), ("move", move), ("emit", emit)):
                tables[f"{mode}_{name}"] = np.log(table / table.sum(axis=-1, keepdims=True))
        return cls(tables)

    @staticmethod
    def _beats(melody: Melody) -> tuple[list[int], list[list[int]]]:
        """Per segment: the human chord's class (-1: none) and the pitch classes of the notes sounding in it."""
        starts = segment_starts(melody)
        ends = np.append(starts[1:], len(melody))
        pcs, onsets = _sounding(melody), np.array([symbol != HOLD for symbol in melody.steps])
        notes = [
            [int(pcs[s]) for s in range(a, b) if pcs[s] >= 0 and (onsets[s] or s == a)] for a, b in zip(starts, ends)
        ]
        labels = [chord_class(c, melody.key) if c else -1 for c in chords_at(melody.chords, starts)]
        return labels, notes

    def chords(self, melody: Melody) -> list[Chord]:
        """The likeliest chord per segment (Viterbi), as Chords where they change."""
        mode = parse_key(melody.key)[1]
        _, notes = self._beats(melody)
        emit, move = self.tables[f"{mode}_emit"], self.tables[f"{mode}_move"]
        scores = np.array([emit[:, pcs].sum(axis=1) for pcs in notes])
        path = viterbi(scores, self.tables[f"{mode}_start"], np.broadcast_to(move, (len(notes), *move.shape)))
        return path_chords(path, segment_starts(melody), melody.key)


def score_methods(tunes: list[Melody], methods: dict, progress=None) -> dict[str, dict]:
    """Each method (name -> function of a Melody without chords, giving chords) scored on
    ``tunes`` (melodies carrying the human chords): accuracy over the beats with a human
    chord and the chord-tone ratio, pooled over the tunes. Also ``"oracle"`` (`oracle_chords`,
    which reads the human chords) and ``"human"`` (the human chords' own chord-tone ratio)."""
    totals = {name: np.zeros(4, dtype=np.int64) for name in (*methods, "oracle", "human")}
    for truth in progress(tunes) if progress else tunes:
        bare = truth.with_chords(())
        found = {name: method(bare) for name, method in methods.items()}
        found.update(oracle=oracle_chords(truth), human=truth.chords)
        for name, chords in found.items():
            totals[name] += (*score_beats(truth, chords), *chord_tone_steps(truth, chords))
    return {
        name: {"accuracy": round(c / max(b, 1), 4), "chord_tone_ratio": round(on / max(n, 1), 4), "beats": int(b)}
        for name, (c, b, on, n) in totals.items()
    }


def baseline_methods(hmm: ChordHMM | None = None) -> dict:
    """The baselines of issue 16 by name (the oracle is always scored, see `score_methods`)."""
    methods = {"tonic": tonic_chords, "rule": rule_chords}
    if hmm is not None:
        methods["hmm"] = hmm.chords
    return methods


# change costs (bar line, half bar, other beat) tried on validation tunes, larger costs first
CHANGE_COST_GRID = tuple(
    (bar, half, beat)
    for bar in (0.5, 0.0)
    for half in (2.0, 1.0, 0.5, 0.25)
    for beat in (4.0, 2.0, 1.0, 0.5)
    if bar <= half <= beat
)


def tune_change_costs(model, tunes: list[Melody], grid=CHANGE_COST_GRID) -> tuple[tuple, float]:
    """The change costs of ``grid`` whose decoding scores best on ``tunes`` (ties: the
    earlier, costlier one, i.e. fewer changes), and that accuracy. The network runs once per tune."""
    prepared = []
    for truth in tunes:
        bare = truth.with_chords(())
        features, starts = beat_features(bare)
        prepared.append((truth, bare, starts, model.log_probs(features)))
    best = (None, -1.0)
    for costs in grid:
        trial = dataclasses.replace(model, config=dataclasses.replace(model.config, change_cost=costs))
        right = total = 0
        for truth, bare, starts, scores in prepared:
            correct, beats = score_beats(truth, trial.decode(bare, starts, scores))
            right, total = right + correct, total + beats
        if round(right / max(total, 1), 4) > round(best[1], 4):
            best = (costs, right / max(total, 1))
    return best
