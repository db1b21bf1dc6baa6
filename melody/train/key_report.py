"""How often a key finder names a real song's own key from its opening (scripts/key_report.py).

The openings: songs of a dataset's split, each read again from its source in its own key
(`melody.songs.corpus.read_source`; the dataset itself holds them moved to C major / A minor)
and cut to its pickup and first two bars (`Melody.opening(2)`), in its meter, its key left
out (a seed typed in the studio says nothing of its key either). A song's **own key** is the
key preprocessing assigns the whole song before moving it to the model's key: the file's key
signature, with major or minor settled by music21's analysis of the whole song
(`melody.songs.reading`, ``_song_key``). A finder names it **exactly**, or names its relative
(**the same key signature**: the same notes, the tonic a third away).

Essen's files name a song's final in ``K:`` and write a minor or modal song's flats as
accidentals (``K: G`` over ``c_BA``), so the own key of such a song is "G major" while music21
hears G minor in the whole song. The song's **heard key** is its own tonic in the mode music21
hears in the whole song (`heard_key`; the own key where music21 hears another tonic); about one
own key in seven differs from it. A finder that names the heard key is counted as right in
**own or heard** too.

The finders: music21's analysis of the opening (`detect_key`, the model-free fallback and the
finder before issue 23) and the model with musicians' cues (`find_seed_key`), whose weights
`fit_weights` fits on openings of the training split, their heard keys as the answers (fitted
to the own keys, the finder calls minor melodies major: "D F A G F E D" D major).

    >>> openings, _ = song_openings("data", "test", count=150)               # doctest: +SKIP
    >>> [tally] = score_finders(openings, {"music21": detect_key})           # doctest: +SKIP
    >>> tally.exact, tally.same_signature, tally.own_or_heard                # doctest: +SKIP
    (98, 104, 115)
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Iterable

import numpy as np

from melody.core.melody import Melody
from melody.core.pitch import tonic_pitch_class
from melody.generate.seed_key import FEATURES, KEYS, key_features, key_scores, relative_key
from melody.songs.corpus import SongSkipped, detect_key, read_source
from melody.songs.keys import canonical_key, to_model_key
from melody.train.dataset import load_melodies, load_sources, load_split_ids

OPENING_BARS = 2  # a seed is a song's pickup and first two bars
PICKS = ("first", "spread")  # the first songs of the split (in id order), or songs spread evenly over it


@dataclasses.dataclass(frozen=True)
class Opening:
    """A real song's opening as a seed, and the song's own key."""

    source: str  # where the song was read, e.g. ".../altdeu10.abc#18"
    key: str  # the song's own key (see the module's note)
    heard: str  # the song's heard key: its own tonic in the mode music21 hears in the whole song
    seed: Melody  # pickup and two bars in the song's own pitches, meter and pickup; its key left at C major


@dataclasses.dataclass
class Tally:
    """What one finder named for a list of openings."""

    name: str
    exact: int = 0  # the song's own key
    same_signature: int = 0  # the own key or its relative
    own_or_heard: int = 0  # the own key or the heard key
    total: int = 0
    milliseconds: list[float] = dataclasses.field(default_factory=list)  # wall time per seed
    cpu_milliseconds: list[float] = dataclasses.field(default_factory=list)  # this thread's CPU time per seed
    found: list[str] = dataclasses.field(default_factory=list)  # the key named for each opening

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.milliseconds) if self.milliseconds else 0.0

    @property
    def median_cpu_ms(self) -> float:
        """The time per seed on a core of its own (the wall time grows when others share it)."""
        return statistics.median(self.cpu_milliseconds) if self.cpu_milliseconds else 0.0


def picked_ids(ids: list[int], count: int, pick: str = "first") -> list[int]:
    """``count`` of a split's song ids: the first ones, or ``spread`` evenly over all of them."""
    if pick not in PICKS:
        raise ValueError(f"pick {pick!r} is not one of {PICKS}")
    count = min(count, len(ids))
    if pick == "first":
        return ids[:count]
    return [ids[index * len(ids) // count] for index in range(count)]


def song_openings(
    data: str, split: str = "test", count: int = 150, pick: str = "first", progress=None
) -> tuple[list[Opening], int]:
    """The openings of ``count`` songs of ``split`` (`picked_ids`), and how many picked songs
    were left out (they no longer read as the dataset holds them, e.g. another music21)."""
    sources, melodies = load_sources(data), load_melodies(data)
    chosen = picked_ids(load_split_ids(data, split), count, pick)
    openings, left_out = [], 0
    for song_id in progress(chosen) if progress else chosen:
        try:
            song = read_source(sources[song_id])
        except SongSkipped:
            left_out += 1
            continue
        if to_model_key(song).steps != melodies[song_id].steps:
            left_out += 1
            continue
        seed = song.opening(OPENING_BARS).replace(key="C major", title="")
        openings.append(Opening(sources[song_id], canonical_key(song.key), heard_key(song), seed))
    return openings, left_out


def heard_key(song: Melody) -> str:
    """``song``'s own tonic in the mode music21's analysis hears in the whole song, e.g. "G minor"
    for a song whose file says ``K: G`` over B flats; its own key where music21 hears another tonic."""
    whole = detect_key(song)
    return whole if tonic_pitch_class(whole) == tonic_pitch_class(song.key) else canonical_key(song.key)


def score_finders(openings: list[Opening], finders: dict[str, Callable[[Melody], str]], progress=None) -> list[Tally]:
    """Each finder (name -> function of a seed giving a key) run on every opening, timed (wall
    and CPU time: BLAS on one thread, as the scripts and the studio run it)."""
    tallies = [Tally(name) for name in finders]
    for opening in progress(openings) if progress else openings:
        for tally, finder in zip(tallies, finders.values()):
            started, cpu = time.perf_counter(), time.thread_time()
            found = canonical_key(finder(opening.seed))
            tally.milliseconds.append((time.perf_counter() - started) * 1000)
            tally.cpu_milliseconds.append((time.thread_time() - cpu) * 1000)
            tally.found.append(found)
            tally.total += 1
            tally.exact += found == opening.key
            tally.same_signature += found in (opening.key, relative_key(opening.key))
            tally.own_or_heard += found in (opening.key, opening.heard)
    return tallies


def opening_features(
    loaded, openings: Iterable[Opening], labels: str = "heard", progress=None
) -> tuple[list[np.ndarray], list[int]]:
    """`key_features` of each opening (24, features) and the index in `KEYS` of its ``labels``
    key: "heard" (`heard_key`) or "own"."""
    features, answers = [], []
    for opening in progress(openings) if progress else openings:
        features.append(key_features(loaded, opening.seed))
        answers.append(KEYS.index(opening.heard if labels == "heard" else opening.key))
    return features, answers


def fit_weights(
    features: list[np.ndarray], labels: list[int], l2: float = 0.01, rounds: int = 50, columns=None
) -> np.ndarray:
    """The weights (len(FEATURES),) that make each opening's key (``labels``) likeliest: a conditional
    logit (softmax over the 24 keys of ``weights @ features``; keys out of the model's range
    left out), fitted by Newton's method with step halving, with an L2 penalty of ``l2`` per
    opening. ``columns``: the features used (names; the others get weight 0), e.g. to
    measure one cue's worth. Openings whose own key the model cannot read are left out."""
    used = np.array([name in (columns or FEATURES) for name in FEATURES])
    kept = [(rows, label) for rows, label in zip(features, labels) if np.isfinite(rows[label, 0])]
    x = np.stack([np.where(np.isfinite(rows), rows, 0.0) for rows, _ in kept])[:, :, used]  # (n, 24, f)
    valid = np.stack([np.isfinite(rows[:, 0]) for rows, _ in kept])  # (n, 24)
    own = x[np.arange(len(kept)), [label for _, label in kept]]  # (n, f)
    penalty = l2 * len(kept)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Penalised log-likelihood, its gradient and Hessian at ``w``."""
        scores = np.where(valid, x @ w, -np.inf)
        top = scores.max(axis=1, keepdims=True)
        p = np.exp(scores - top)
        total = p.sum(axis=1, keepdims=True)
        p /= total
        mean = np.einsum("nk,nkf->nf", p, x)
        value = (own @ w - top[:, 0] - np.log(total[:, 0])).sum() - penalty / 2 * w @ w
        gradient = (own - mean).sum(axis=0) - penalty * w
        second = np.einsum("nk,nkf,nkg->fg", p, x, x) - mean.T @ mean
        return value, gradient, -second - penalty * np.eye(len(w))

    w = np.zeros(int(used.sum()))
    value, gradient, hessian = objective(w)
    for _ in range(rounds):
        step = -np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-6:
            trial = objective(w + size * step)
            if trial[0] >= value:
                break
            size /= 2
        w = w + size * step
        change, (value, gradient, hessian) = trial[0] - value, trial
        if abs(change) < 1e-9 * max(1.0, abs(value)):
            break
    weights = np.zeros(len(FEATURES))
    weights[used] = w
    return weights


def accuracy(features: list[np.ndarray], labels: list[int], weights: np.ndarray) -> tuple[float, float]:
    """Shares of openings whose best key by ``weights`` is their ``labels`` key, and that key or
    its relative."""
    exact = same = 0
    for rows, label in zip(features, labels):
        best = KEYS[int(np.argmax(key_scores(rows, weights)))]
        exact += best == KEYS[label]
        same += best in (KEYS[label], relative_key(KEYS[label]))
    return exact / len(labels), same / len(labels)
