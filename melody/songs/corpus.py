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
import os
import pathlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from melody.core.errors import MelodyError, UserError
from melody.core.melody import Melody
from melody.songs.keys import to_model_key
from melody.songs.limits import check_file
from melody.songs.lines import Reading
from melody.songs.reading import (  # noqa: F401  (the one-song reading, importable from here as before)
    SKIP_REASONS,
    SongSkipped,
    check_duration,
    detect_key,
    melody_from_midi,
    melody_from_score,
    read_midi,
    read_score,
)

SONG_SUFFIXES = (".krn", ".abc", ".xml", ".musicxml", ".mxl", ".mid", ".midi")
ESSEN_GERMAN_SETS = ("altdeu", "ballad", "boehme", "dva", "erk", "fink", "kinder", "variant", "zuccal")


class CorpusError(UserError, ValueError):
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


def abc_text(data: bytes) -> str:
    """An ABC file's text: UTF-8 (as ABC 2.1 says, a byte-order mark dropped), else latin-1
    (older files), so ``T:Schöne Müllerin`` in UTF-8 is not read as "SchÃ¶ne"."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def tasks_for_file(path: pathlib.Path) -> list[Task]:
    """One task per song in a file (ABC files may hold many tunes); at least one, so an
    empty or tune-less file is counted too (as ``empty``)."""
    fmt = path.suffix.lower().lstrip(".")
    fmt = {"xml": "musicxml", "mxl": "musicxml", "midi": "mid"}.get(fmt, fmt)
    if fmt == "abc":
        text = abc_text(path.read_bytes())
        tunes = split_abc_tunes(text) or [text]  # no tune: read_song says so
        return [Task(f"{path}#{i + 1}", str(path), fmt, tune) for i, tune in enumerate(tunes)]
    return [Task(str(path), str(path), fmt)]


# ---------------------------------------------------------------- one song
def parse_task(task: Task, strict: bool = True, title: str | None = None) -> Melody:
    """Parse one song, the one path of uploads, preprocess and evaluate: the file is sized
    and checked (above), then read (`melody.songs.reading`); raises SongSkipped with the reason
    it cannot be used.

    ``strict`` applies the seed's duration filter (training data); ``title`` defaults to
    the file's own title or name.
    """
    return read_task(task, strict, title).melody


def read_task(task: Task, strict: bool = True, title: str | None = None, lenient: bool = False) -> Reading:
    """`parse_task` as a `Reading`; ``lenient`` reads a file given as a seed: the top line of
    several, a triplet rounded to 16ths (`melody.songs.reading.read_score`)."""
    from music21 import converter

    title = title or pathlib.Path(task.path).stem
    fmt = task.fmt
    try:
        if fmt == "abc":
            if not task.text.strip():
                raise SongSkipped("empty", "no tune in the file" if task.text else "the file is empty")
            check_file(fmt, task.text.encode("utf-8"))
            source = task.text
        else:
            data = pathlib.Path(task.path).read_bytes()
            if not data.strip():
                raise SongSkipped("empty", "the file is empty")
            check_file(fmt, data)
            if fmt == "mid":
                return read_midi(data, title=title, strict=strict, lenient=lenient)
            source = task.path
        score = converter.parse(source, format={"krn": "humdrum"}.get(fmt, fmt))
        if hasattr(score, "scores") and len(score.scores):
            score = score.scores[0]
        return read_score(score, title=title, strict=strict, trust_file_mode=fmt == "musicxml", lenient=lenient)
    except SongSkipped:
        raise
    except Exception as error:  # music21 raises a zoo of exception types on bad input
        raise SongSkipped("parse_error", f"{type(error).__name__}: {str(error)[:120]}") from error


TRIPLET_LONGEST_STEPS = 16  # a tune whose triplets were rounded keeps notes of a 16th to 4 quarters, as the filter


def parse_task_result(task: Task, round_triplets: bool = False, style: str = "") -> dict:
    """``parse_task`` for worker processes: a plain dict, kept song (in C/Am) or skip.

    ``round_triplets`` (traditions whose tunes have them, e.g. Irish): a tune the filter skips
    for its durations is read again with each triplet rounded to the 16th grid, and kept when
    triplets were all that was off the grid and every note lasts a 16th to 4 quarters (as the
    filter asks); ``style`` is the tradition the song is marked with (`Melody.style`)."""
    try:
        try:
            melody = parse_task(task)
        except SongSkipped as skip:
            if not (round_triplets and skip.reason == "bad_duration"):
                raise
            melody = _triplets_rounded(task, skip)
        melody = to_model_key(melody.replace(style=style))
    except SongSkipped as skip:
        return {"source": task.source, "skip": skip.reason, "detail": skip.detail}
    except MelodyError as error:
        return {"source": task.source, "skip": "out_of_range", "detail": str(error)}
    return {"source": task.source, "melody": dataclasses.asdict(melody)}


def _triplets_rounded(task: Task, skip: SongSkipped) -> Melody:
    """The tune read with its triplets rounded to 16ths; raises ``skip`` again when anything
    else was off the grid, more than one line was there, or a note is outside the filter's lengths."""
    reading = read_task(task, strict=False, lenient=True)
    triplets_only = reading.rounded and all(triplet for _, triplet in reading.rounded) and not reading.took
    if not triplets_only or any(not 1 <= e.length <= TRIPLET_LONGEST_STEPS for e in reading.melody.events()):
        raise skip
    return reading.melody


def read_source(source: str) -> Melody:
    """The song a dataset names by ``source`` (``".../erk5.abc#3"``: the 3rd tune of the file;
    a path without ``#N``: the file), read again exactly as preprocessing read it, but in its
    own key: the key training moved it from (`parse_task`, before `to_model_key`). A file
    inside music21's corpus is looked up in this machine's music21 (a dataset records where
    music21 was on the machine that wrote it). Raises SongSkipped as `parse_task` does, and
    CorpusError for a file that is not there."""
    path_text, mark, number = source.rpartition("#")
    if not (mark and number.isdigit()):
        path_text, number = source, "1"
    path = pathlib.Path(path_text)
    inside = path.as_posix().partition("/music21/corpus/")[2]
    if not path.is_file() and inside:
        from music21 import common

        path = common.getCorpusFilePath() / inside
    if not path.is_file():
        raise CorpusError(f"{source}: no such song file")
    tasks = tasks_for_file(path)
    if not 1 <= int(number) <= len(tasks):
        raise CorpusError(f"{source}: the file holds {len(tasks)} tune(s)")
    return parse_task(tasks[int(number) - 1])


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
    f"upload one tune as {', '.join(SONG_SUFFIXES)} (at most {MAX_UPLOAD_BYTES // 2**20} MB), or type the seed"
)
# uploads keep any length on the 16th-note grid and round a triplet to it, so a bad duration
# there is one far off the grid (found before parsing, `melody.songs.limits`)
_UPLOAD_REASONS = {
    **SKIP_REASONS,
    "bad_duration": "a note or rest far off the 16th-note grid (e.g. a fifth of an eighth note)",
}


def upload_problem(name: str, skip: SongSkipped) -> str:
    """What is wrong with an uploaded file and what would work, in one sentence."""
    detail = f" ({skip.detail})" if skip.detail and skip.reason != "parse_error" else ""  # no parser jargon
    return f"{name} cannot be used: {_UPLOAD_REASONS.get(skip.reason, skip.reason)}{detail}; {UPLOAD_HINT}."


def melody_from_upload(name: str, data: bytes) -> Melody:
    """The first song of an uploaded file (by its suffix), in its own key (`song_from_upload`)."""
    return song_from_upload(name, data).melody


def song_from_upload(name: str, data: bytes) -> Reading:
    """The first song of an uploaded file (by its suffix), in its own key, read leniently:
    the top line of a melody with its bass, chords or voices, and a note off the 16th-note grid
    (a triplet) rounded to it, each said in the `Reading`'s notes where it touches the opening
    used (`Reading.opening`).

    Parsed in a private temporary folder under a fixed name (the upload's name is never
    used as a path); any 16th-grid duration is accepted. Raises SongSkipped with a reason.
    """
    import tempfile

    suffix = _song_suffix(name)
    if not data:
        raise SongSkipped("empty", "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise SongSkipped("too_large", f"{len(data) / 2**20:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="folk-upload-") as folder:
        path = pathlib.Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return read_task(tasks_for_file(path)[0], strict=False, title=pathlib.Path(name).stem, lenient=True)


def _song_suffix(name: str) -> str:
    """The suffix of a song file's name, lower case; SongSkipped if it is not one we read."""
    suffix = pathlib.Path(name).suffix.lower()
    if suffix not in SONG_SUFFIXES:
        raise SongSkipped("not_a_song_file", f"{suffix or 'no suffix'}; one of {', '.join(SONG_SUFFIXES)} is needed")
    return suffix


def melody_from_song_file(path: str | os.PathLike) -> Melody:
    """A song file on disk as a Melody (`song_from_file`)."""
    return song_from_file(path).melody


def song_from_file(path: str | os.PathLike) -> Reading:
    """A song file on disk, read exactly as an upload (`song_from_upload`: the same limits
    and reasons), its size checked before a byte is read (a 10 GB file is never loaded)."""
    path = pathlib.Path(path)
    _song_suffix(path.name)
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise SongSkipped("too_large", f"{size / 2**20:.1f} MB")
    with open(path, "rb") as file:
        data = file.read(MAX_UPLOAD_BYTES + 1)  # a file that grew since is refused as too large
    return song_from_upload(path.name, data)
