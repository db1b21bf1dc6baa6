"""The key of a seed as a musician hears it: the model's own judgement plus a few cues.

A seed of a few notes fits several keys. For each of the 24 (`melody.core.pitch.all_keys`) the
seed is moved to C major / A minor by `melody.songs.keys.to_model_key`, the way generation moves
it, and the shipped network scores it: the log-likelihood (nats) of its steps as the opening
of a song in the model's key, in the seed's own meter and pickup. The model sees pitches
only, so a key and its relative (G major, E minor) move the seed alike and get the same
score; musicians' cues decide between them and sharpen the rest: the first note, the note
on the first downbeat and the last note being the tonic or in its triad, the notes outside
the scale, the share of the time on the tonic triad, and the Aarden-Essen key profile (the
one music21's analysis uses; `melody.songs.reading.detect_key`, the model-free fallback).
The score of a key is ``WEIGHTS @ features``, fitted on openings of training songs to name
their heard keys (the song's own tonic in the mode music21 hears in the whole song:
`melody.train.key_report`), and the choice is the best key; the 24 scores as a softmax give
each key's share. The model is trained on songs moved by their files' keys, and Essen's
files call many minor songs major, so the model alone names the key signature well but not
the mode: the cues decide the mode.

    >>> choice = find_seed_key(loaded, Melody(("60", "_", "62", "_", "64", "_", "_", "_")))   # doctest: +SKIP
    >>> choice.key, choice.relative, choice.runner_up                                       # doctest: +SKIP
    ('C major', 'A minor', 'F major')

Cost: one batch of (at most) 12 rows through the network over the seed's steps, about 35 ms
of CPU for a two-bar seed on a 2-core AMD EPYC (`scripts/key_report.py` measures it).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from melody.core.errors import MelodyError
from melody.core.melody import Melody
from melody.core.pitch import all_keys, parse_key, tonic_pitch_class, transpose_key
from melody.generate.bars import log_softmax
from melody.net.step import step_model
from melody.net.vocabulary import UnknownSymbolError, song_arrays
from melody.songs.keys import to_model_key
from melody.songs.reading import detect_key

KEYS = tuple(all_keys())  # the candidates: 12 major keys, then 12 minor keys, from C
MODEL_STEPS = 64  # the model reads at most a seed's first 64 steps (4 bars of 4/4): < 100 ms for any seed
FEATURES = (
    "model",  # log-likelihood (nats) of the seed's steps, moved to the model's key
    "first_tonic",  # the first note is the tonic
    "first_triad",  # ... the 3rd or 5th of the tonic triad
    "downbeat_tonic",  # the note sounding on the first downbeat (after the pickup) is the tonic
    "downbeat_triad",  # ... the 3rd or 5th
    "last_tonic",  # the last note is the tonic
    "last_triad",  # ... the 3rd or 5th
    "outside",  # notes outside the scale (minor: natural minor and its raised 7th)
    "triad_time",  # share of the sounding time on the tonic triad
    "profile",  # correlation of the time per pitch class with the Aarden-Essen profile of the key
    "minor",  # 1 for a minor key (how much rarer minor is)
)
# fitted by `melody.train.key_report.fit_weights` on the openings of 1,000 training songs, their
# heard keys as the answers, L2 0.01 (`scripts/key_report.py --fit 1000` prints them), in the
# order of FEATURES. Fitted to the files' own keys instead (--labels own), the model's weight
# grows (0.6) and minor melodies are called major: see melody/train/key_report.py.
WEIGHTS = np.array([0.1337, 1.002, 0.6945, 1.333, 1.023, -0.01384, 0.1534, -1.208, 1.749, 2.022, -0.6777])

_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor and the raised 7th (harmonic minor)
# time per scale degree in the Essen songs (Aarden 2003), as music21's AardenEssen analysis has them
_AARDEN_MAJOR = (17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494,
                 0.232998, 4.95122)  # fmt: skip
_AARDEN_MINOR = (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186,
                 7.37619, 1.75623)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class KeyChoice:
    """The key found for a seed, and the keys a person may prefer with one click."""

    key: str  # the likeliest key, e.g. "G major"
    relative: str  # its relative key (the same key signature), e.g. "E minor"
    runner_up: str  # the likeliest key of another key signature, e.g. "C major"
    share: float  # the key's share of the 24 scores' softmax, 0 to 1
    shares: dict[str, float]  # every candidate's share, in `KEYS` order ({} for a seed without notes)


def relative_key(key: str) -> str:
    """The key with the same signature and the other mode: "G major" -> "E minor"."""
    mode = parse_key(key)[1]
    return transpose_key(f"{parse_key(key)[0]} {'minor' if mode == 'major' else 'major'}", -3 if mode == "major" else 3)


def find_seed_key(loaded, seed: Melody, weights: np.ndarray = WEIGHTS) -> KeyChoice:
    """The key of ``seed`` (its pitches as written, any key; its meter and pickup) found with
    the model ``loaded`` (a `melody.net.folder.LoadedModel`) and the cues of `FEATURES`.
    A seed without notes keeps its key; one whose notes the model cannot read in any key
    gets `detect_key`'s."""
    if not seed.pitches():
        return _choice(seed.key, {})
    scores = key_scores(key_features(loaded, seed), weights)  # (24,)
    if not np.isfinite(scores).any():  # out of the model's range in every key
        return _choice(detect_key(seed), {})
    shares = np.exp(scores - scores.max())
    shares /= shares.sum()
    return _choice(KEYS[int(np.argmax(scores))], dict(zip(KEYS, shares.tolist())))


def key_scores(features: np.ndarray, weights: np.ndarray = WEIGHTS) -> np.ndarray:
    """Each key's score, ``weights @ features`` of its row of `key_features`: (24,), ``-inf``
    for a key the model cannot read the seed in."""
    valid = np.isfinite(features[:, 0])
    return np.where(valid, np.where(valid[:, None], features, 0.0) @ weights, -np.inf)


def _choice(key: str, shares: dict[str, float]) -> KeyChoice:
    relative = relative_key(key)
    others = [k for k in sorted(shares, key=shares.get, reverse=True) if k not in (key, relative)]
    runner_up = others[0] if others else transpose_key(key, 7)
    return KeyChoice(key, relative, runner_up, shares.get(key, 1.0), shares)


def key_features(loaded, seed: Melody) -> np.ndarray:
    """`FEATURES` of ``seed`` in each of the 24 `KEYS`: (24, len(FEATURES)), float64; a key
    that moves a note out of the model's range has ``-inf`` as its model score."""
    events = [event for event in seed.events() if event.pitch is not None]
    classes = np.array([event.pitch % 12 for event in events])  # pitch class of each note
    time = np.bincount(classes, weights=[event.length for event in events], minlength=12)  # steps per class
    # the note sounding at the first barline (a rest there, or nothing yet: the first note)
    downbeat = next((e.pitch % 12 for e in reversed(events) if e.start <= seed.pickup), classes[0])
    rows = []
    for key in KEYS:
        tonic, minor = tonic_pitch_class(key), parse_key(key)[1] == "minor"
        third = 3 if minor else 4
        first, on_downbeat, last = ((pitch_class - tonic) % 12 for pitch_class in (classes[0], downbeat, classes[-1]))
        outside = np.isin((classes - tonic) % 12, _MINOR_SCALE if minor else _MAJOR_SCALE, invert=True)
        profile = np.roll(_AARDEN_MINOR if minor else _AARDEN_MAJOR, tonic)  # by pitch class from C
        rows.append(
            (
                first == 0,
                first in (third, 7),
                on_downbeat == 0,
                on_downbeat in (third, 7),
                last == 0,
                last in (third, 7),
                outside.sum(),
                time[[tonic, (tonic + third) % 12, (tonic + 7) % 12]].sum() / time.sum(),
                _correlation(time, profile),
                minor,
            )
        )
    return np.column_stack([model_scores(loaded, seed), np.array(rows, dtype=np.float64)])


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - np.mean(b)
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm else 0.0


def model_scores(loaded, seed: Melody) -> np.ndarray:
    """The network's log-likelihood (nats) of ``seed``'s steps (its first `MODEL_STEPS`) as a
    song's opening, the seed in each of the 24 `KEYS` moved by `to_model_key`: (24,), ``-inf``
    where a note leaves the model's range. A key and its relative move the seed alike, so only 12 rows are run,
    together, from a fresh state, not told where the song ends."""
    vocab, net = loaded.vocab, step_model(loaded)
    rows: dict[tuple[str, ...], int] = {}  # moved steps -> batch row (-1: a note out of the model's range)
    arrays, row_of = [], []
    for key in KEYS:
        try:
            moved = to_model_key(seed.replace(key=key))
        except MelodyError:  # a note moved out of MIDI's range
            row_of.append(-1)
            continue
        if moved.steps not in rows:
            try:
                arrays.append(song_arrays(moved, vocab, None, loaded.config.to_go_bars))
                rows[moved.steps] = len(arrays) - 1
            except UnknownSymbolError:
                rows[moved.steps] = -1
        row_of.append(rows[moved.steps])
    if not arrays:
        return np.full(len(KEYS), -np.inf)
    count = min(len(seed), MODEL_STEPS)  # inputs [/] + steps[:-1] predict the steps; the end is not scored
    symbols = np.stack([a.symbols[:count] for a in arrays])  # (rows, count)
    targets = np.stack([a.targets[:count] for a in arrays])
    positions, meters = arrays[0].positions[:count], arrays[0].contexts[:count]
    lookback = np.stack([a.lookback[:, :count] for a in arrays], axis=1)  # (3, rows, count)
    state, total = net.initial_state(len(arrays)), np.zeros(len(arrays))
    batch = len(arrays)
    for t in range(count):
        logits, state = net.step_logits(
            state, symbols[:, t], np.full(batch, positions[t]), np.full(batch, meters[t]), lookback[:, :, t]
        )
        total += log_softmax(logits)[np.arange(batch), targets[:, t]]
    return np.array([total[row] if row >= 0 else -np.inf for row in row_of])
