"""Chords under a melody: a small bidirectional LSTM over beats, served in NumPy.

Each beat of a melody (`segment_starts`: every beat, and the pickup's first step when it
starts off the beat) becomes a row of features in key-relative terms: how long
each pitch class (in semitones above the tonic) sounds, which sounds at the beat's start,
which start inside it, rests, where the beat falls in the bar and the phrase (bar number
mod 8), how far the last note is, the meter and the mode. The network (Dense -> BiLSTM ->
softmax over the 48 key-relative triads) gives every beat a distribution over chords;
Viterbi then picks one chord per beat under a harmonic rhythm for the meter (a change costs
``change_cost`` at a bar line, at a half bar or at another beat, tuned on validation) with
the tonic triad forced from the last beat that holds a note. Training uses Keras (imported
in `melody.train.chords` only); `harmonize` reads the weights with h5py and runs in NumPy. The
corpus, the scores and the baselines are in `melody.chords.data`.

    >>> song = Melody(("60", "_", "_", "_", "64", "_", "_", "_", "67", "_", "_", "_", "72", "_", "_", "_"))
    >>> [chord.symbol() for chord in harmonize(song).chords]          # doctest: +SKIP
    ['C']
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import threading

import numpy as np

from melody.chords.drone import drone_chords
from melody.chords.viterbi import change_viterbi
from melody.core.errors import UserError
from melody.core.melody import Chord, Melody, chords_at
from melody.core.paths import MODELS
from melody.core.pitch import CHORD_QUALITIES, parse_key, tonic_pitch_class
from melody.songs.traditions import chords_of

DEFAULT_FOLDER = MODELS / "nottingham-chords"
WEIGHTS_FILE = "chords.keras"  # not model.keras: the melody-model folders are found by that name
FORMAT_VERSION = 1
N_FEATURES = 75
TRAIN_HINT = "train one with: .venv/bin/python scripts/train_harmony.py"
N_CLASSES = 12 * len(CHORD_QUALITIES)  # key-relative triads: (semitones above the tonic) * 4 + quality


class HarmonyModelError(UserError, RuntimeError):
    """A chord model folder is missing, incomplete or of another format."""


@dataclasses.dataclass
class HarmonyConfig:
    """The network's sizes and training, and the decoder's costs (saved as config.json)."""

    units: int = 64  # LSTM units per direction
    input_units: int = 64  # the Dense layer that reads each beat's features
    dropout: float = 0.3
    learning_rate: float = 2e-3
    epochs: int = 80  # at most; early stopping on validation loss keeps the best epoch
    batch_size: int = 16  # tunes per update
    patience: int = 10
    change_cost: tuple = (0.0, 1.0, 3.0)  # log-score cost of a chord change at a bar line, half bar, other beat
    format_version: int = FORMAT_VERSION


# ---------------------------------------------------------------- key-relative triads
def chord_class(chord: Chord, key: str) -> int:
    """The key-relative class of a chord: (semitones from the tonic up to the root) * 4 +
    quality index, 0 to 47 (0 is the major triad on the tonic)."""
    return (chord.root - tonic_pitch_class(key)) % 12 * 4 + CHORD_QUALITIES.index(chord.quality)


def class_chord(index: int, key: str, start: int) -> Chord:
    """The inverse of `chord_class`: the Chord of class ``index`` in ``key`` at ``start``."""
    return Chord(start, (tonic_pitch_class(key) + index // 4) % 12, CHORD_QUALITIES[index % 4])


def tonic_class(key: str) -> int:
    """Class of the tonic triad: the major or minor chord on the key's tonic."""
    return CHORD_QUALITIES.index(parse_key(key)[1])


# ---------------------------------------------------------------- beats
def beat_steps(meter: str) -> int:
    """Length of a beat in 16ths: a dotted quarter in 6/8, 9/8, 12/8 (and 3/8, 6/16...),
    else the meter's unit (quarter in x/4, half in x/2, eighth in 5/8 or 7/8)."""
    count, unit = (int(part) for part in meter.split("/"))
    unit_steps = 16 // unit
    return 3 * unit_steps if unit >= 8 and count % 3 == 0 else unit_steps


def beat_starts(melody: Melody) -> np.ndarray:
    """Steps where beats start, from the bar grid (pickup included), inside the melody."""
    beat = beat_steps(melody.meter)
    first = melody.pickup % beat
    return np.arange(first, len(melody), beat)


def segment_starts(melody: Melody) -> np.ndarray:
    """Where a chord may change: every beat, and step 0 when a pickup starts off the beat."""
    beats = beat_starts(melody)
    return beats if len(beats) and beats[0] == 0 else np.concatenate([[0], beats]).astype(int)


def half_bar_index(melody: Melody, steps: np.ndarray) -> np.ndarray:
    """Which half bar each step falls in (numbered from the first barline; the pickup's
    are negative). A bar of an odd number of beats (3/4, 9/8) is not halved: one per bar."""
    beat, bar = beat_steps(melody.meter), melody.bar_steps
    beats = max(bar // beat, 1)
    span = bar // 2 if beats % 2 == 0 else bar
    return (np.asarray(steps) - melody.pickup) // span


def path_chords(path, starts, key: str) -> list[Chord]:
    """Chords from one class per segment (starting at ``starts``), one where the class changes."""
    return [
        class_chord(int(c), key, int(s)) for i, (c, s) in enumerate(zip(path, starts)) if i == 0 or c != path[i - 1]
    ]


# ---------------------------------------------------------------- features
def beat_features(melody: Melody) -> tuple[np.ndarray, np.ndarray]:
    """Features (segments, N_FEATURES) float32 of every segment (see module doc) and the
    segment starts (segments,) in steps. A melody without steps has one empty segment."""
    starts = segment_starts(melody) if len(melody) else np.zeros(1, dtype=int)
    length, beat, bar = max(len(melody), 1), beat_steps(melody.meter), melody.bar_steps
    ends = np.append(starts[1:], length)
    segment = np.repeat(np.arange(len(starts)), ends - starts)  # (steps,) segment of each step
    pcs, onset = np.full(length, -1), np.zeros(length, dtype=bool)
    tonic = tonic_pitch_class(melody.key)
    for event in melody.events():
        if event.pitch is not None:
            pcs[event.start : event.start + event.length] = (event.pitch - tonic) % 12
            onset[event.start] = True
    count, on_note = len(starts), pcs >= 0
    duration = np.zeros((count, 13))  # 12 pitch classes and rest
    np.add.at(duration, (segment, np.where(on_note, pcs, 12)), 1.0 / beat)
    first = np.zeros((count, 12))
    first[np.flatnonzero(pcs[starts] >= 0), pcs[starts][pcs[starts] >= 0]] = 1
    started = np.zeros((count, 12))
    started[segment[onset], pcs[onset]] = 1
    beats_in_bar = max(bar // beat, 1)
    position = (starts - melody.pickup) % bar // beat
    halves = half_bar_index(melody, starts)
    half_start = np.r_[True, halves[1:] != halves[:-1]] & ((starts - melody.pickup) % beat == 0)
    note_segments = np.flatnonzero(np.bincount(segment[on_note], minlength=count)) if on_note.any() else [count - 1]
    to_end = np.clip(note_segments[-1] - np.arange(count), -1, 8) + 1  # 0: after the last note
    bar_number = (starts - melody.pickup) // bar
    columns = [
        duration,
        first,
        started,
        _one_hot(np.minimum(position, 5), 6),
        (position == 0)[:, None],
        half_start[:, None],
        _one_hot(np.full(count, min(beats_in_bar, 5) - 1), 5),
        np.full((count, 1), beat % 3 == 0 and beat > 1),  # compound meter (dotted beats)
        np.full((count, 1), parse_key(melody.key)[1] == "minor"),
        _one_hot(to_end, 10),
        np.minimum((bar_number[-1] - bar_number) / 8, 1)[:, None],
        _one_hot(bar_number % 8, 8),
        (bar_number < 0)[:, None],
        (np.arange(count) / max(count - 1, 1))[:, None],
        ((ends - starts) / beat)[:, None],
        np.ones((count, 1)),
    ]
    return np.concatenate(columns, axis=1).astype(np.float32), starts


def _one_hot(values: np.ndarray, size: int) -> np.ndarray:
    return np.eye(size, dtype=np.float32)[np.asarray(values, dtype=int)]


def beat_labels(melody: Melody, starts: np.ndarray) -> np.ndarray:
    """The human chord's key-relative class at each segment start (-1 where none sounds)."""
    return np.array([chord_class(c, melody.key) if c else -1 for c in chords_at(melody.chords, starts)])


# ---------------------------------------------------------------- serving (NumPy)
@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity: one per folder, shared by threads
class HarmonyModel:
    """A loaded chord model: the network's arrays (NumPy) and its config."""

    folder: pathlib.Path
    config: HarmonyConfig
    weights: dict  # layer name -> list of arrays, Keras' order (the BiLSTM's forward arrays first)

    def log_probs(self, features: np.ndarray) -> np.ndarray:
        """Log chord probabilities (beats, 48) of one melody's features (beats, N_FEATURES),
        as the Keras network computes them at inference (dropout off)."""
        kernel, bias = self.weights["melody_in"]
        x = np.tanh(features @ kernel + bias)
        h = _bilstm(x, self.weights["context"][:3], self.weights["context"][3:])
        kernel, bias = self.weights["chord"]
        logits = h @ kernel + bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def chords(self, melody: Melody, force_tonic: bool = True) -> list[Chord]:
        """The decoded chords of ``melody`` (see `harmonize`); ``force_tonic`` False lets
        the ending choose freely (to measure how often it would choose the tonic)."""
        features, starts = beat_features(melody)
        return self.decode(melody, starts, self.log_probs(features), force_tonic)

    def decode(self, melody: Melody, starts: np.ndarray, scores: np.ndarray, force_tonic: bool = True) -> list[Chord]:
        """Chords from the network's log probabilities ``scores`` (segments, 48) at segment
        ``starts``: Viterbi under the change costs, the tonic triad forced from the last
        segment in which a note sounds (when ``force_tonic``)."""
        scores = scores.copy()
        if force_tonic:
            last_note = _last_note_segment(melody, starts)
            scores[last_note:] = -np.inf
            scores[last_note:, tonic_class(melody.key)] = 0.0
        return path_chords(change_viterbi(scores, self.change_costs(melody, starts)), starts, melody.key)

    def change_costs(self, melody: Melody, starts: np.ndarray) -> np.ndarray:
        """What a chord change costs (segments,) at each segment start: at a bar line, a half
        bar or another beat (``config.change_cost``)."""
        at_bar, at_half, at_beat = self.config.change_cost
        halves = half_bar_index(melody, starts)
        on_bar = (starts - melody.pickup) % melody.bar_steps == 0
        on_half = np.r_[True, halves[1:] != halves[:-1]]
        return np.where(on_bar, at_bar, np.where(on_half, at_half, at_beat))


def _bilstm(x: np.ndarray, forward: list[np.ndarray], backward: list[np.ndarray]) -> np.ndarray:
    """Keras' bidirectional LSTM (gates i, f, c, o; sigmoid and tanh; outputs concatenated,
    forward first) over x (steps, inputs) from zero states; returns (steps, 2 * units).
    Both directions advance in one loop: their states side by side, one product with the
    block-diagonal recurrent kernel per step, and the sigmoids as one tanh (sigmoid(z) =
    (1 + tanh(z / 2)) / 2), so a step is a handful of NumPy calls (speed: see `harmonize`)."""
    units, steps = forward[1].shape[0], len(x)
    inputs = np.stack([x @ forward[0] + forward[2], (x @ backward[0] + backward[2])[::-1]], axis=1)
    recurrent = np.zeros((2 * units, 8 * units), np.float32)  # [h forward, h backward] -> both gate sets
    recurrent[:units, : 4 * units], recurrent[units:, 4 * units :] = forward[1], backward[1]
    inputs = inputs.reshape(steps, 8 * units)
    h, c = np.zeros(2 * units, np.float32), np.zeros((2, units), np.float32)
    out = np.empty((steps, 2, units), np.float32)
    for t in range(steps):
        z = (inputs[t] + h @ recurrent).reshape(2, 4, units)  # (direction, gate, unit)
        gates = 0.5 + 0.5 * np.tanh(0.5 * z)
        c = gates[:, 1] * c + gates[:, 0] * np.tanh(z[:, 2])
        out[t] = gates[:, 3] * np.tanh(c)
        h = out[t].reshape(-1)
    return np.concatenate([out[:, 0], out[::-1, 1]], axis=1)


def _last_note_segment(melody: Melody, starts: np.ndarray) -> int:
    """Index of the last segment in which a note sounds (the first if none does: silence
    gets the tonic throughout, as `harmonize` promises)."""
    events = [e for e in melody.events() if e.pitch is not None]
    if not events:
        return 0
    last_step = events[-1].start + events[-1].length - 1
    return int(np.searchsorted(starts, last_step, side="right") - 1)


_LOADED: dict = {}
_LOCK = threading.Lock()


def load(folder: str | pathlib.Path | None = None) -> HarmonyModel:
    """The chord model in ``folder`` (default `DEFAULT_FOLDER`), read with h5py (no Keras),
    cached per folder (thread-safe); raises HarmonyModelError with a way forward."""
    from melody.net.weights import WeightsFileError, read_layer_weights

    folder = pathlib.Path(folder or DEFAULT_FOLDER).resolve()
    with _LOCK:
        if folder in _LOADED:
            return _LOADED[folder]
        if not (folder / "config.json").is_file() or not (folder / WEIGHTS_FILE).is_file():
            raise HarmonyModelError(f"no chord model at {folder} (config.json and {WEIGHTS_FILE} needed); {TRAIN_HINT}")
        try:
            config = HarmonyConfig(**json.loads((folder / "config.json").read_text()))
            config.change_cost = tuple(config.change_cost)
            weights = _checked(read_layer_weights(folder / WEIGHTS_FILE), config.units)
        except (json.JSONDecodeError, TypeError, KeyError, ValueError, WeightsFileError, OSError) as error:
            raise HarmonyModelError(f"{folder} is not a usable chord model ({error}); {TRAIN_HINT}") from error
        if config.format_version != FORMAT_VERSION:
            raise HarmonyModelError(f"{folder} is chord model format {config.format_version}, not {FORMAT_VERSION}")
        model = _LOADED[folder] = HarmonyModel(folder, config, weights)
        return model


def _checked(weights: dict, units: int) -> dict:
    """The layers' arrays checked against the network's shapes, the BiLSTM's in Keras' order
    (forward kernel, recurrent, bias, then backward). `melody.net.weights` orders a layer's
    arrays by number, then by path, and ``backward_layer/...`` sorts before
    ``forward_layer/...``, so it lists them backward 0, forward 0, backward 1, ...; the
    test against Keras holds this. Raises ValueError for arrays of other shapes."""
    arrays = weights["context"]
    backward, forward = arrays[0::2], arrays[1::2]
    found = [a.shape for a in (*weights["melody_in"], *forward, *weights["chord"])]
    inputs = weights["melody_in"][1].shape[0] if len(weights["melody_in"]) == 2 else None
    expected = [(N_FEATURES, inputs), (inputs,), (inputs, 4 * units), (units, 4 * units), (4 * units,)]
    expected += [(2 * units, N_CLASSES), (N_CLASSES,)]
    if len(arrays) != 6 or found != expected:
        raise ValueError(f"its layers have arrays of shapes {found}, not those of the network with {units} units")
    return {**weights, "context": forward + backward}


def harmonize(melody: Melody, model: HarmonyModel | None = None) -> Melody:
    """``melody`` with chords under it: one triad per beat at most (`Chord` values whose
    starts are beat boundaries, the first at step 0), the last the tonic triad of its key;
    for a tradition whose songs take a drone (``melody.style``: Chinese), an open fifth on its
    final each bar (`melody.chords.drone`).
    Any key, meter, pickup and length (a single note, or none: the tonic throughout). NumPy
    only, no TensorFlow: ~4 ms for 16 bars of 4/4 on a 2-core AMD EPYC (see the model card)."""
    if chords_of(melody.style) == "drone":  # a tradition without triads (`melody.chords.drone`)
        return melody.with_chords(drone_chords(melody))
    model = model or load()
    return melody.with_chords(model.chords(melody))
