"""Tunes with human chords for the harmony model: their chord spelling, reading, the cache and the split.

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

Scores and baselines: `melody.chords.baselines`.

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

from melody.core.errors import MelodyError
from melody.core.melody import HOLD, REST, Chord, Melody, bar_steps
from melody.core.paths import CORPORA, ROOT
from melody.core.pitch import MINOR_TONICS, QUALITY_SUFFIX

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
    return MINOR_TONICS[chord.root] + QUALITY_SUFFIX[chord.quality]  # black keys as midi_name spells them


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
