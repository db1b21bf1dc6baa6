"""Tunes with human chords for the harmony model: spelling, reading, scores, baselines.

The Nottingham Music Database (``corpora/nottingham/*.abc``, GPL-3) writes chords in quotes
in its own spelling, which music21 drops or misreads, so every quoted chord is rewritten
first (`normalise_chord`: ``"Gd"`` -> ``"Gdim"``, ``"D/f+"`` -> ``"D"``) and only then parsed.
Chords are triads: root plus major, minor, diminished or augmented (7ths, 6ths and sus
reduce to their triad, slash basses are ignored, N.C. is skipped).

A tune is read as written (repeats not expanded) into a `Melody` in its key, the first ABC
``K:`` field (a mode keeps its tonic: Dorian, Phrygian, Aeolian, Locrian read as minor,
Lydian, Mixolydian as major, by `reading.key_name`; a later key change is counted, not
followed), carrying the human `Chord` values. Two repairs keep it on the project's grid: notes off the
16th grid (triplets) are quantised to the nearest 16th, and where an incomplete bar inside
the tune (e.g. a first ending without the pickup the second has) would move every later
barline, a rest completes it. Both are counted in `CorpusStats`.

Definitions (issue 16): beats are `melody.chords.model.beat_starts` (a quarter note in x/4, a
dotted quarter in 6/8, 9/8, 12/8). The human chord at a beat is the last chord at or before
it; only beats with a human chord are scored. Accuracy is the share of beats whose triad
equals the human one (`score_beats`); the chord-tone ratio is the share of melody duration
on a tone of the chord sounding (`chord_tone_steps`). The baselines (always the tonic, the
diatonic rule, an HMM, the one-chord-per-half-bar oracle) are scored beside the model by
`score_methods`.

    >>> normalise_chord("Fa7"), normalise_chord("D/f+"), normalise_chord("N.C.")
    ('Faug', 'D', None)
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import pathlib
import re

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
from melody.core.errors import MelodyError
from melody.core.melody import HOLD, REST, Chord, Melody, bar_steps, chords_at
from melody.core.paths import CORPORA, ROOT
from melody.core.pitch import CHORD_QUALITIES, parse_key, tonic_pitch_class

CORPUS_FOLDER = CORPORA / "nottingham"
CACHE_FILE = ROOT / "data" / "nottingham-chords.json"
CACHE_VERSION = "nottingham-v3"  # bump when reading changes, so a cached corpus is read again
_QUOTED_RUN = re.compile(r'(?:"[^"\n]*")+')  # one or more chord symbols side by side


class TuneSkipped(Exception):
    """A tune cannot be used for chords; ``reason`` says why (e.g. ``no_chords``)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


# ---------------------------------------------------------------- chord spelling
def normalise_chord(text: str) -> str | None:
    """A chord symbol as its triad, spelled so music21 reads it: ``"Gd"`` -> ``"Gdim"``,
    ``"Ea"`` -> ``"Eaug"``, ``"A7/c+"`` -> ``"A"``, ``"Bm7"`` -> ``"Bm"``; None for none."""
    chord = Chord.from_symbol(text)
    if chord is None:
        return None
    return chord.symbol()


def normalise_abc_chords(tune: str) -> str:
    """An ABC tune with every quoted chord in the music lines rewritten by `normalise_chord`.
    Side-by-side alternatives (``"Em""C"``) keep the first; a blank first alternative
    (``" ""G"``) means no change there, and text that is no chord is dropped."""

    def rewrite(match: re.Match) -> str:
        first = re.findall(r'"([^"\n]*)"', match.group(0))[0]
        spelled = normalise_chord(first)
        return f'"{spelled}"' if spelled else ""

    lines = []
    for line in tune.split("\n"):
        is_field = re.match(r"^[A-Za-z]:", line) or line.startswith("%")
        lines.append(line if is_field else _QUOTED_RUN.sub(rewrite, line))
    return "\n".join(lines)


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


# ---------------------------------------------------------------- reading the corpus
@dataclasses.dataclass
class CorpusStats:
    """What reading the tunes gave: counts of tunes kept, skipped (by reason) and repaired."""

    read: int = 0
    kept: int = 0
    skipped: dict = dataclasses.field(default_factory=dict)
    quantised: int = 0  # notes off the 16th grid (triplets) moved to the nearest 16th
    padded: int = 0  # an incomplete bar inside the tune completed with a rest
    key_changes: int = 0  # a later K: field; the tune is read in its first key


def corpus_files(folder: pathlib.Path = CORPUS_FOLDER) -> list[pathlib.Path]:
    """The ABC files of the chord corpus, sorted."""
    return sorted(pathlib.Path(folder).glob("*.abc"))


def load_tunes(files=None, cache: pathlib.Path | None = CACHE_FILE, progress=None, workers: int = 2):
    """Every tune with chords in ``files`` (default: the Nottingham corpus) as a Melody in
    its key with its human chords, its source (``"jigs.abc#12"``) and the `CorpusStats`.
    Parsing takes ~2 min on 2 cores; the result is cached in ``cache`` (data/, git-ignored)
    under a digest of the files, so training and evaluation read it in a second."""
    files = [pathlib.Path(f) for f in (files or corpus_files())]
    digest = hashlib.sha1(CACHE_VERSION.encode())
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    if cache and cache.is_file():
        stored = json.loads(cache.read_text())
        if stored.get("digest") == digest.hexdigest():
            return _from_json(stored)
    melodies, sources, stats = read_files(files, progress, workers)
    if cache:
        from melody.core.storage import atomic_write_json

        atomic_write_json(cache, _to_json(melodies, sources, stats, digest.hexdigest()))
    return melodies, sources, stats


CHORD_SUFFIXES = (".abc", ".xml", ".musicxml", ".mxl")  # formats that carry chord symbols


def read_files(files: list[pathlib.Path], progress=None, workers: int = 2):
    """Read every tune of ``files`` (ABC: each tune; MusicXML: the file), on ``workers``
    processes: the kept melodies, their sources (``"jigs.abc#12"``) and the `CorpusStats`.
    Files of other formats are counted as skipped (``no_chord_format``)."""
    from concurrent.futures import ProcessPoolExecutor

    from melody.songs.corpus import split_abc_tunes

    tasks, skipped = [], collections.Counter()
    for path in files:
        if path.suffix.lower() == ".abc":
            tunes = split_abc_tunes(path.read_bytes().decode("latin-1"))
            tasks.extend(("abc", tune, f"{path.name}#{index + 1}") for index, tune in enumerate(tunes))
        elif path.suffix.lower() in CHORD_SUFFIXES:
            tasks.append(("musicxml", str(path), path.name))
        else:
            skipped["no_chord_format"] += 1
    wrap = progress or (lambda items, total: items)
    if workers > 1 and len(tasks) > 8:
        with ProcessPoolExecutor(workers) as pool:
            results = list(wrap(pool.map(_read_result, tasks, chunksize=8), total=len(tasks)))
    else:
        results = list(wrap(map(_read_result, tasks), total=len(tasks)))
    stats, melodies, sources = CorpusStats(read=len(results) + sum(skipped.values())), [], []
    for (*_, source), result in zip(tasks, results):
        if isinstance(result, str):
            skipped[result] += 1
            continue
        melody, repairs = result
        melodies.append(melody)
        sources.append(source)
        stats.quantised += "quantised" in repairs
        stats.padded += "padded" in repairs
        stats.key_changes += "key_change" in repairs
    stats.kept, stats.skipped = len(melodies), dict(skipped)
    return melodies, sources, stats


def _read_result(task: tuple[str, str, str]):
    """One task of `read_files` (worker processes): (melody, repairs), or why it was skipped."""
    kind, payload, source = task
    try:
        if kind == "abc":
            return read_tune(payload, source)
        from music21 import converter

        from melody.songs.limits import check_file

        check_file("musicxml", pathlib.Path(payload).read_bytes())
        return melody_with_chords(converter.parse(payload), source)
    except TuneSkipped as skip:
        return skip.reason
    except Exception:  # music21 and the file checks raise many types on bad files
        return "parse_error"


def read_tune(text: str, source: str = "") -> tuple[Melody, set[str]]:
    """One ABC tune as a Melody (as written, in its first key) with its human chords, and
    the repairs made (``quantised``, ``padded``, ``key_change``); raises TuneSkipped."""
    from music21 import converter

    from melody.songs.limits import check_file

    try:
        check_file("abc", text.encode("latin-1", "replace"))
        score = converter.parse(normalise_abc_chords(text), format="abc")
    except Exception as error:  # music21 and the file checks raise many types on bad input
        raise TuneSkipped("parse_error", f"{type(error).__name__}: {str(error)[:100]}") from error
    return melody_with_chords(score, source)


def melody_with_chords(score, title: str = "") -> tuple[Melody, set[str]]:
    """A music21 score's first part as a Melody carrying its chord symbols (see `read_tune`)."""
    from music21 import harmony, key, meter, stream

    from melody.songs.reading import key_name

    part = score.parts[0] if hasattr(score, "parts") and len(score.parts) else score
    flat = part.flatten()
    meters = [ts.ratioString for ts in flat.getElementsByClass(meter.TimeSignature)]
    if len(set(meters)) > 1:
        raise TuneSkipped("meter_change", " -> ".join(dict.fromkeys(meters)))
    meter_text = meters[0] if meters else "4/4"
    keys = list(flat.getElementsByClass(key.KeySignature))
    key_text = key_name(keys[0] if isinstance(keys[0], key.Key) else keys[0].asKey()) if keys else "C major"
    repairs = {"key_change"} if len({str(k) for k in keys}) > 1 else set()
    try:
        bar = bar_steps(meter_text) / 4  # in quarter lengths
    except MelodyError as error:
        raise TuneSkipped("bad_meter", str(error)) from error
    measures = list(part.getElementsByClass(stream.Measure))
    pickup = float(measures[0].highestTime) if len(measures) > 1 and measures[0].highestTime < bar else 0.0
    shifts, shift = [], 0.0  # quarter lengths of rest added before each measure
    for index, measure in enumerate(measures):
        phase = (float(measure.offset) + shift - pickup) % bar
        if index and abs(measure.highestTime - bar) < 1e-6 and 1e-6 < phase < bar - 1e-6:
            shift += bar - phase
            repairs.add("padded")
        shifts.append(shift)
    starts = [float(m.offset) for m in measures]
    moved = lambda offset: offset + (shifts[max(np.searchsorted(starts, offset + 1e-9) - 1, 0)] if shifts else 0)
    onsets: dict[int, tuple[int, int]] = {}  # step -> (midi, end step)
    for element in flat.notes:
        if isinstance(element, harmony.ChordSymbol) or element.duration.isGrace or element.quarterLength == 0:
            continue
        offset, length = moved(float(element.offset)), float(element.quarterLength)
        if abs(offset * 4 - round(offset * 4)) > 1e-6 or abs(length * 4 - round(length * 4)) > 1e-6:
            repairs.add("quantised")
        start, end = round(offset * 4), round((offset + length) * 4)
        pitch = max(p.midi for p in element.pitches)  # a double stop: its top note
        tie = element.tie is not None and element.tie.type in ("continue", "stop")
        previous = max((s for s in onsets if s < start), default=None)
        if tie and previous is not None and onsets[previous][0] == pitch:
            onsets[previous] = (pitch, max(end, start + 1))
        elif start not in onsets:  # a triplet's note that rounds onto the one before is dropped
            onsets[start] = (pitch, max(end, start + 1))
    if not onsets:
        raise TuneSkipped("empty", "no notes")
    total = max(end for _, end in onsets.values())
    steps, sounding_until = [], 0
    for step in range(total):
        if step in onsets:
            steps.append(str(onsets[step][0]))
            sounding_until = onsets[step][1]
        else:
            steps.append(HOLD if step < sounding_until else REST)  # Melody keeps one rest per silence
    chords: list[Chord] = []
    for symbol in flat.getElementsByClass(harmony.ChordSymbol):
        chord = Chord.from_symbol(symbol.figure, min(round(moved(float(symbol.offset)) * 4), total - 1))
        if chord is None:
            continue
        if chords and chords[-1].start == chord.start:
            chords.pop()
        if not chords or chords[-1][1:] != chord[1:]:
            chords.append(chord)
    if not chords:
        raise TuneSkipped("no_chords")
    title = score.metadata.title.strip() if score.metadata is not None and score.metadata.title else title
    melody = Melody(tuple(steps), key=key_text, meter=meter_text, pickup=round(pickup * 4), title=title)
    return melody.with_chords(chords), repairs


def _to_json(melodies, sources, stats, digest) -> dict:
    tunes = [{"source": s, **dataclasses.asdict(m)} for m, s in zip(melodies, sources)]
    return {"digest": digest, "stats": dataclasses.asdict(stats), "tunes": tunes}


def _from_json(stored: dict):
    melodies, sources = [], []
    for tune in stored["tunes"]:
        sources.append(tune.pop("source"))
        chords = tuple(Chord(*chord) for chord in tune.pop("chords"))
        melodies.append(Melody(**{**tune, "steps": tuple(tune["steps"]), "chords": chords}))
    return melodies, sources, CorpusStats(**stored["stats"])


def split_tunes(sources: list[str], seed: int = 16, fractions=(0.8, 0.1, 0.1)) -> dict[str, list[str]]:
    """Tune sources shuffled with a fixed seed and cut into train/validation/test."""
    order = np.random.default_rng(seed).permutation(sorted(sources))
    cut1 = round(len(order) * fractions[0])
    cut2 = cut1 + round(len(order) * fractions[1])
    return {"train": list(order[:cut1]), "validation": list(order[cut1:cut2]), "test": list(order[cut2:])}


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
    path = np.zeros(len(scores), dtype=np.int64)
    path[-1] = int(best.argmax())
    for t in range(len(scores) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


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
