"""Reading songs into `Melody` values: music21 parsing, the seed's filter, transposition.

Formats: Humdrum ``.krn``, ``.abc`` (one song per tune, ``X:`` fields), MusicXML
(``.xml .musicxml .mxl``) and monophonic MIDI (``.mid .midi``). The default corpus is the
German part of the Essen collection that music21 ships as ABC, so nothing is downloaded.

Every song that is not kept is reported with a reason (``SKIP_REASONS``):

    >>> result = load_corpus(["tests/data"], workers=1)        # doctest: +SKIP
    >>> len(result.melodies), dict(result.skipped)             # doctest: +SKIP
    (3, {'bad_duration': 1})
"""

from __future__ import annotations

import collections
import dataclasses
import io
import os
import pathlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from .keys import to_model_key
from .melody import (
    ACCEPTED_DURATIONS_QL,
    STEP_QL,
    Melody,
    MelodyError,
    bar_steps,
    transpose_key,
)

SONG_SUFFIXES = (".krn", ".abc", ".xml", ".musicxml", ".mxl", ".mid", ".midi")
ESSEN_GERMAN_SETS = ("altdeu", "ballad", "boehme", "dva", "erk", "fink", "kinder", "variant", "zuccal")
SKIP_REASONS = {
    "bad_duration": "a note or rest lasts other than 1/4, 1/2, 3/4, 1, 3/2, 2, 3 or 4 quarters",
    "polyphony": "chords or overlapping notes (only single melodic lines are used)",
    "parse_error": "the file could not be read as music",
    "empty": "no notes",
    "out_of_range": "a pitch outside the model's vocabulary",
    "bad_meter": "a time signature the 16th-note grid cannot hold",
    "too_large": "the file is larger than an upload may be",
    "not_a_song_file": "not a kind of file the studio reads",
}


class SongSkipped(Exception):
    """A song was not kept; ``reason`` is a key of ``SKIP_REASONS``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


class CorpusError(ValueError):
    """A corpus path does not exist or holds no song files."""


@dataclasses.dataclass(frozen=True)
class Task:
    """One song to parse: ``text`` for an ABC tune, else the file at ``path``."""

    source: str  # "file.abc#12" or "file.krn"
    path: str
    fmt: str
    text: str = ""


@dataclasses.dataclass
class CorpusResult:
    """Kept melodies (in their own keys and in C/Am) and what was skipped, by reason."""

    melodies: list[Melody]
    sources: list[str]
    skipped: collections.Counter
    skipped_items: list[tuple[str, str, str]]  # (source, reason, detail)

    @property
    def read(self) -> int:
        return len(self.melodies) + sum(self.skipped.values())


# ---------------------------------------------------------------- finding the songs
def default_corpus_files() -> list[pathlib.Path]:
    """music21's bundled German Essen ABC files (altdeu, ballad, ..., zuccal)."""
    from music21 import corpus

    files = [pathlib.Path(str(p)) for p in corpus.getComposer("essenFolksong")]
    chosen = [p for p in files if p.stem.rstrip("0123456789") in ESSEN_GERMAN_SETS]
    return sorted(chosen)


def bundled_essen_songs(set_name: str = "erk5") -> list[Melody]:
    """The kept songs of one of music21's bundled Essen ABC files (in C/Am), e.g. for demos."""
    path = next((p for p in default_corpus_files() if p.stem == set_name), None)
    if path is None:
        raise CorpusError(f"music21 has no Essen set {set_name!r}; try one of {', '.join(ESSEN_GERMAN_SETS)}")
    return load_corpus([path], workers=1).melodies


def find_song_files(paths: Iterable[str | os.PathLike]) -> list[pathlib.Path]:
    """Song files under ``paths`` (files, or folders searched recursively), sorted."""
    found: list[pathlib.Path] = []
    for raw in paths:
        path = pathlib.Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.suffix.lower() in SONG_SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder")
    return found


def split_abc_tunes(text: str) -> list[str]:
    """The tunes of an ABC file, each with the file header (lines before the first X:)."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("X:")]
    if not starts:
        return [text] if text.strip() else []
    header = [line for line in lines[: starts[0]] if line.strip() and not line.startswith("%")]
    bounds = starts + [len(lines)]
    return ["\n".join([lines[begin], *header, *lines[begin + 1 : end]]) for begin, end in zip(bounds, bounds[1:])]


def tasks_for_file(path: pathlib.Path) -> list[Task]:
    """One task per song in a file (ABC files may hold many tunes)."""
    fmt = path.suffix.lower().lstrip(".")
    fmt = {"xml": "musicxml", "mxl": "musicxml", "midi": "mid"}.get(fmt, fmt)
    if fmt == "abc":
        text = path.read_bytes().decode("latin-1")
        return [Task(f"{path}#{i + 1}", str(path), fmt, tune) for i, tune in enumerate(split_abc_tunes(text))]
    return [Task(str(path), str(path), fmt)]


# ---------------------------------------------------------------- one song
def check_duration(quarter_length: float, strict: bool = True) -> int:
    """Steps for a duration; raises SongSkipped if it is off the 16th-note grid or, when
    ``strict`` (the seed's filter, used for training data), not one of ACCEPTED_DURATIONS_QL."""
    steps = float(quarter_length) / STEP_QL
    on_grid = steps >= 1 and abs(steps - round(steps)) < 1e-6
    if not on_grid or (strict and not any(abs(quarter_length - d) < 1e-6 for d in ACCEPTED_DURATIONS_QL)):
        raise SongSkipped("bad_duration", f"a duration of {float(quarter_length):g} quarters")
    return round(steps)


def melody_from_score(score, title: str = "", strict: bool = True, trust_file_mode: bool = False) -> Melody:
    """A Melody from a music21 stream (first part), in the song's own key.

    ``strict`` applies the seed's duration filter; otherwise any 16th-grid duration is kept.
    ``trust_file_mode``: where the file states major or minor (MusicXML's ``<mode>``), that
    is trusted; otherwise music21's analysis settles the mode (see `_song_key`).
    """
    from music21 import chord, meter, note, tempo

    parts = list(score.parts) if hasattr(score, "parts") and score.parts else [score]
    if len(parts) > 1:
        raise SongSkipped("polyphony", f"{len(parts)} parts (only single melodic lines are used)")
    part = parts[0]
    flat = part.flatten()
    pieces: list[list] = []  # [midi or None, quarter length]; tied notes joined
    for element in flat.notesAndRests:
        if element.duration.isGrace or element.quarterLength == 0:
            continue
        if isinstance(element, chord.Chord):
            raise SongSkipped("polyphony", "a chord")
        pitch = element.pitch.midi if isinstance(element, note.Note) else None
        tied = pitch is not None and element.tie is not None and element.tie.type in ("continue", "stop")
        if tied and pieces and pieces[-1][0] == pitch:  # by MIDI number: a written natural is the same note
            pieces[-1][1] += element.quarterLength
        else:
            pieces.append([pitch, element.quarterLength])
    events = [(pitch, check_duration(length, strict)) for pitch, length in pieces]
    if not any(pitch is not None for pitch, _ in events):
        raise SongSkipped("empty", "no notes")
    signatures = list(flat.getElementsByClass(meter.TimeSignature))
    meter_text = signatures[0].ratioString if signatures else "4/4"
    key_text = key_name(_song_key(flat, trust_file_mode))
    pickup = _pickup_steps(part, meter_text)
    marks = [m for m in flat.getElementsByClass(tempo.MetronomeMark) if m.number]
    fields = {"tempo": round(float(marks[0].getQuarterBPM()), 3)} if marks else {}  # e.g. dotted quarter = 60 in 6/8
    if score.metadata is not None and score.metadata.title:
        title = score.metadata.title.strip()
        title = title.title() if title.isupper() else title
    try:
        return Melody.from_events(events, key=key_text, meter=meter_text, pickup=pickup, title=title, **fields)
    except MelodyError as error:
        raise SongSkipped("bad_meter", str(error)) from error


def _pickup_steps(part, meter_text: str) -> int:
    """Length in steps of an incomplete first bar (0 when the song starts on a downbeat).
    A lone bar is a pickup only when numbered 0 (as MusicXML writes a pickup bar)."""
    measures = list(part.getElementsByClass("Measure"))
    if not measures or (len(measures) < 2 and measures[0].number != 0):
        return 0
    try:
        bar = bar_steps(meter_text)
    except MelodyError:
        return 0
    first = round(measures[0].highestTime / STEP_QL)
    return first if 0 < first < bar else 0


def _beats_in(step: int) -> str:
    return "at the very start" if step == 0 else f"{step * STEP_QL:g} beats in"


def melody_from_midi(data: bytes, title: str = "", strict: bool = True) -> Melody:
    """A Melody from monophonic MIDI bytes, quantised to the 16th-note grid (``strict``:
    the seed's duration filter too)."""
    import pretty_midi

    try:
        pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    except Exception as error:  # pretty_midi raises many kinds on bad bytes
        raise SongSkipped("parse_error", f"not a readable MIDI file ({type(error).__name__})") from error
    notes = sorted((n for inst in pm.instruments if not inst.is_drum for n in inst.notes), key=lambda n: n.start)
    if not notes:
        raise SongSkipped("empty", "no notes")
    _, tempi = pm.get_tempo_changes()
    tempo = float(tempi[0]) if len(tempi) else 120.0
    step_s = 60.0 / tempo * STEP_QL
    events: list[tuple[int | None, int]] = []
    position = round(notes[0].start / step_s)
    for current, following in zip(notes, notes[1:] + [None]):
        start = round(current.start / step_s)
        end = max(start + 1, round(current.end / step_s))
        next_start = round(following.start / step_s) if following is not None else end
        if following is not None and next_start < end and next_start <= start:
            raise SongSkipped("polyphony", f"two notes start together {_beats_in(start)}")
        if following is not None and next_start < end:
            raise SongSkipped("polyphony", f"two notes overlap {_beats_in(next_start)}")
        if start > position:
            events.append((None, start - position))
        events.append((current.pitch, end - start))
        if next_start > end:
            events.append((None, next_start - end))
        position = max(end, next_start)
    for _, steps in events:
        check_duration(steps * STEP_QL, strict)
    meter_text = "4/4"
    if pm.time_signature_changes:
        ts = pm.time_signature_changes[0]
        meter_text = f"{ts.numerator}/{ts.denominator}"
    try:
        bar = bar_steps(meter_text)
    except MelodyError as error:
        raise SongSkipped("bad_meter", str(error)) from error
    leading = round(notes[0].start / step_s) % bar  # silence before a pickup, bars aligned
    melody = Melody.from_events(
        events, meter=meter_text, pickup=(bar - leading) % bar, tempo=round(tempo, 2), title=title
    )
    if pm.key_signature_changes:
        number = pm.key_signature_changes[0].key_number
        return melody.replace(key=transpose_key("C major" if number < 12 else "C minor", number % 12))
    return melody.replace(key=detect_key(melody))


def _song_key(flat, trust_file_mode: bool = False):
    """The song's key: the file's, with major or minor settled by music21's analysis
    (unless ``trust_file_mode``: the file's own major or minor is trusted).

    Essen's ABC files give only a key signature (``K: F`` for a D minor song too), so
    where the analysed key shares the file's signature (the relative major or minor),
    the analysis names the mode; otherwise the file's key stands. Relative keys move by
    the same interval to C major / A minor, so the pitches never depend on this choice.
    """
    from music21 import key

    stated = [k for k in flat.getElementsByClass(key.Key) if k.mode in ("major", "minor")]
    if stated and trust_file_mode:
        return stated[0]
    keys = list(flat.getElementsByClass(key.Key)) or [
        ks.asKey("major") for ks in flat.getElementsByClass(key.KeySignature)
    ]
    analysed = flat.analyze("key")
    if not keys or analysed.sharps == keys[0].sharps:
        return analysed
    return keys[0]


MINOR_MODES = ("minor", "aeolian", "dorian", "phrygian", "locrian")


def key_name(found) -> str:
    """A music21 Key as ``"G major"`` / ``"D minor"``; church modes go to the nearer of the two."""
    mode = "minor" if found.mode in MINOR_MODES else "major"
    return f"{found.tonic.name.replace('-', 'b')} {mode}"


def detect_key(melody: Melody) -> str:
    """music21's key analysis (Krumhansl-Schmuckler) of a melody, e.g. ``"G major"``; a
    melody without notes keeps its key."""
    from .render import to_music21

    if not melody.pitches():
        return melody.key
    found = to_music21(melody).analyze("key")
    return key_name(found)


def parse_task(task: Task, strict: bool = True, title: str | None = None) -> Melody:
    """Parse one song; raises SongSkipped with the reason it cannot be used.

    ``strict`` applies the seed's duration filter (training data); ``title`` defaults to
    the file's own title or name.
    """
    from music21 import converter

    title = title or pathlib.Path(task.path).stem
    try:
        if task.fmt == "mid":
            return melody_from_midi(pathlib.Path(task.path).read_bytes(), title=title, strict=strict)
        source = task.text if task.fmt == "abc" else task.path
        score = converter.parse(source, format={"krn": "humdrum"}.get(task.fmt, task.fmt))
        if hasattr(score, "scores") and len(score.scores):
            score = score.scores[0]
        return melody_from_score(score, title=title, strict=strict, trust_file_mode=task.fmt == "musicxml")
    except SongSkipped:
        raise
    except Exception as error:  # music21 raises a zoo of exception types on bad input
        raise SongSkipped("parse_error", f"{type(error).__name__}: {str(error)[:120]}") from error


def parse_task_result(task: Task) -> dict:
    """``parse_task`` for worker processes: a plain dict, kept song (in C/Am) or skip."""
    try:
        melody = to_model_key(parse_task(task))
    except SongSkipped as skip:
        return {"source": task.source, "skip": skip.reason, "detail": skip.detail}
    except MelodyError as error:
        return {"source": task.source, "skip": "out_of_range", "detail": str(error)}
    return {"source": task.source, "melody": dataclasses.asdict(melody)}


def load_corpus(
    paths: Iterable[str | os.PathLike] | None = None,
    workers: int | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> CorpusResult:
    """Read, filter and transpose every song under ``paths`` (default: German Essen)."""
    files = default_corpus_files() if paths is None else find_song_files(paths)
    tasks = [task for path in files for task in tasks_for_file(path)]
    return collect(run_tasks(tasks, workers, progress))


def run_tasks(tasks: list[Task], workers: int | None = None, progress=None) -> list[dict]:
    """``parse_task_result`` over tasks, on ``workers`` processes (default: all cores)."""
    workers = workers or os.cpu_count() or 1
    wrap = progress or (lambda it: it)
    if workers == 1 or len(tasks) < 8:
        return list(wrap(map(parse_task_result, tasks)))
    with ProcessPoolExecutor(workers) as pool:
        return list(wrap(pool.map(parse_task_result, tasks, chunksize=16)))


def collect(results: Iterable[dict]) -> CorpusResult:
    """Gather worker results into melodies and counted skips."""
    out = CorpusResult([], [], collections.Counter(), [])
    for result in results:
        if "melody" in result:
            out.melodies.append(Melody(**{**result["melody"], "steps": tuple(result["melody"]["steps"])}))
            out.sources.append(result["source"])
        else:
            out.skipped[result["skip"]] += 1
            out.skipped_items.append((result["source"], result["skip"], result["detail"]))
    return out


MAX_UPLOAD_BYTES = 5 * 2**20


UPLOAD_HINT = (
    f"upload one tune with a single melodic line as {', '.join(SONG_SUFFIXES)} "
    f"(at most {MAX_UPLOAD_BYTES // 2**20} MB), or type the seed"
)
# uploads keep any length on the 16th-note grid, so a bad duration there is one off the grid
_UPLOAD_REASONS = {
    **SKIP_REASONS,
    "bad_duration": "a note or rest that does not fit the 16th-note grid (e.g. a triplet)",
}


def upload_problem(name: str, skip: SongSkipped) -> str:
    """What is wrong with an uploaded file and what would work, in one sentence."""
    detail = f" ({skip.detail})" if skip.detail and skip.reason != "parse_error" else ""  # no parser jargon
    return f"{name} cannot be used: {_UPLOAD_REASONS.get(skip.reason, skip.reason)}{detail}; {UPLOAD_HINT}."


def melody_from_upload(name: str, data: bytes) -> Melody:
    """The first song of an uploaded file (by its suffix), in its own key.

    Parsed in a private temporary folder under a fixed name (the upload's name is never
    used as a path); any 16th-grid duration is accepted. Raises SongSkipped with a reason.
    """
    import tempfile

    suffix = pathlib.Path(name).suffix.lower()
    if suffix not in SONG_SUFFIXES:
        raise SongSkipped("not_a_song_file", f"{suffix or 'no suffix'}; one of {', '.join(SONG_SUFFIXES)} is needed")
    if not data:
        raise SongSkipped("empty", "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise SongSkipped("too_large", f"{len(data) / 2**20:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="folk-upload-") as folder:
        path = pathlib.Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        tasks = tasks_for_file(path)
        if not tasks:
            raise SongSkipped("empty", "no tune in the file")
        return parse_task(tasks[0], strict=False, title=pathlib.Path(name).stem)
