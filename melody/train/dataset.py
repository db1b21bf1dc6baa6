"""The preprocessed dataset folder: songs, vocabulary, and a split by song.

``write_dataset`` turns a `CorpusResult` into a folder (built beside the target, then
swapped in, so an interrupted run leaves the previous dataset whole)::

    data/
      songs/00001.txt    one encoded song per file (symbols separated by spaces), as in the seed
      dataset.txt        all songs joined, each followed by 64 '/' (the seed's single series)
      melodies.jsonl     one kept song per line: id, source, and the Melody fields
      mapping.json       symbol -> id; meters.json the meters the model is told about
      split.json         song ids of train / validation / test (fixed random seed)
      summary.json       songs read, kept, skipped per reason

    >>> train = load_split("data", "train")          # doctest: +SKIP
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import json
import pathlib
import shutil

import numpy as np

from melody.core.errors import UserError
from melody.core.melody import Melody
from melody.core.storage import atomic_write_json, atomic_write_text, recover_folder, replace_folder, staging_folder
from melody.net.vocabulary import Vocabulary, dataset_text, symbols_text
from melody.songs.corpus import SKIP_REASONS, CorpusResult, Task, parse_task_result, tasks_for_file

# bump when parsing changes, so cached results are not reused (v3: one rest per silence, ties
# joined by MIDI number, tempo read)
CACHE_VERSION = "corpus-v3"
SPLIT_FRACTIONS = {"train": 0.85, "validation": 0.05, "test": 0.10}
SPLIT_SEED = 2024
MIN_METER_SONGS = 10  # meters with fewer training songs share the model's 'other' meter id


class DatasetError(UserError, RuntimeError):
    """A dataset folder is missing or incomplete."""


# ---------------------------------------------------------------- parse cache
def file_digest(path: pathlib.Path, variant: str = "") -> str:
    return hashlib.sha1(CACHE_VERSION.encode() + variant.encode() + path.read_bytes()).hexdigest()


def parse_files_cached(
    files: list[pathlib.Path], cache: pathlib.Path | None, pool_map, progress=None, round_triplets: bool = False
) -> list[dict]:
    """Parse results for every song in ``files``; a file already parsed is read from cache.

    ``pool_map(function, tasks)`` maps in order (e.g. a process pool's ``imap``). Each
    file's results are cached as soon as its last song is parsed, so a killed run resumes.
    ``round_triplets``: as `parse_task_result` (cached apart from the plain reading).
    """
    results: list[dict] = []
    todo: list[tuple[pathlib.Path, str, list[Task]]] = []
    parse = functools.partial(parse_task_result, round_triplets=True) if round_triplets else parse_task_result
    for path in files:
        digest = file_digest(path, "triplets-rounded" if round_triplets else "")
        cached = cache / f"{digest}.json" if cache else None
        if cached and cached.is_file():
            results.extend(json.loads(cached.read_text()))
        else:
            todo.append((path, digest, tasks_for_file(path)))
    tasks = [task for _, _, file_tasks in todo for task in file_tasks]
    stream = pool_map(parse, tasks)
    if progress:
        stream = progress(stream, total=len(tasks))
    stream = iter(stream)
    for _path, digest, file_tasks in todo:
        done = [next(stream) for _ in file_tasks]
        if cache:
            atomic_write_json(cache / f"{digest}.json", done)
        results.extend(done)
    return results


# ---------------------------------------------------------------- split and write
def split_by_style(melodies: list[Melody], seed: int = SPLIT_SEED) -> dict[str, list[int]]:
    """`split_ids` of each tradition's songs apart (`Melody.style`), so that a tradition's test
    songs are the same whichever others share the dataset (the German songs split as in a
    dataset of German songs alone)."""
    groups: dict[str, list[int]] = {}
    for index, melody in enumerate(melodies):
        groups.setdefault(melody.style, []).append(index)
    split: dict[str, list[int]] = {"test": [], "validation": [], "train": []}
    for ids in groups.values():
        for name, local in split_ids(len(ids), seed).items():
            split[name] += [ids[i] for i in local]
    return {name: sorted(ids) for name, ids in split.items()}


def split_ids(count: int, seed: int = SPLIT_SEED) -> dict[str, list[int]]:
    """Song ids 0..count-1 shuffled with a fixed seed and cut into train/validation/test."""
    if count < 3:
        raise DatasetError(f"only {count} song(s) passed the filter; a train/validation/test split needs at least 3")
    order = np.random.default_rng(seed).permutation(count)
    n_test = max(1, round(count * SPLIT_FRACTIONS["test"]))
    n_val = max(1, round(count * SPLIT_FRACTIONS["validation"]))
    return {
        "test": sorted(order[:n_test].tolist()),
        "validation": sorted(order[n_test : n_test + n_val].tolist()),
        "train": sorted(order[n_test + n_val :].tolist()),
    }


def write_dataset(result: CorpusResult, target: str | pathlib.Path, seed: int = SPLIT_SEED) -> dict:
    """Write the dataset folder for ``result``; returns the summary."""
    target = pathlib.Path(target)
    split = split_by_style(result.melodies, seed)
    train = [result.melodies[i] for i in split["train"]]
    vocab = Vocabulary.from_melodies(result.melodies)
    vocab = dataclasses.replace(vocab, meters=Vocabulary.from_melodies(train, min_meter_songs=MIN_METER_SONGS).meters)
    summary = summarise(result, split)
    staging = staging_folder(target)
    try:
        (staging / "songs").mkdir()
        lines = []
        for index, (melody, source) in enumerate(zip(result.melodies, result.sources)):
            (staging / "songs" / f"{index:05d}.txt").write_text(symbols_text(melody) + "\n")
            lines.append(json.dumps({"id": index, "source": source, **dataclasses.asdict(melody)}))
        atomic_write_text(staging / "melodies.jsonl", "\n".join(lines) + "\n")
        atomic_write_text(staging / "dataset.txt", dataset_text(result.melodies) + "\n")
        vocab.save(staging)
        atomic_write_json(staging / "split.json", {"seed": seed, **split})
        atomic_write_json(staging / "summary.json", summary)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_folder(staging, target)
    return summary


def summarise(result: CorpusResult, split: dict) -> dict:
    """Counts for the card and the closing line."""
    return {
        "songs_read": result.read,
        "songs_kept": len(result.melodies),
        "skipped": dict(sorted(result.skipped.items())),
        "skip_reasons": {k: SKIP_REASONS[k] for k in sorted(result.skipped)},
        "split_songs": {name: len(ids) for name, ids in split.items() if name != "seed"},
        "steps": sum(len(m) for m in result.melodies),
        "meters": dict(collections.Counter(m.meter for m in result.melodies).most_common()),
        **(
            {"styles": dict(collections.Counter(m.style for m in result.melodies))}
            if result.melodies and result.melodies[0].style
            else {}
        ),
    }


# ---------------------------------------------------------------- read back
def load_melodies(folder: str | pathlib.Path) -> list[Melody]:
    """Every kept song of a dataset folder, in id order."""
    recover_folder(folder)
    path = pathlib.Path(folder) / "melodies.jsonl"
    if not path.is_file():
        raise DatasetError(f"no dataset at {folder}: run .venv/bin/python scripts/preprocess.py --out {folder}")
    melodies = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        # a field the record lacks keeps its default (datasets written before it existed, e.g. chords)
        fields = {f.name: record[f.name] for f in dataclasses.fields(Melody) if f.name in record}
        melodies.append(Melody(**{**fields, "steps": tuple(fields["steps"])}))
    return melodies


def load_sources(folder: str | pathlib.Path) -> list[str]:
    """Where each kept song of a dataset folder came from (``".../erk5.abc#3"``), in id order:
    `melody.songs.corpus.read_source` reads one again in its own key."""
    recover_folder(folder)
    path = pathlib.Path(folder) / "melodies.jsonl"
    if not path.is_file():
        raise DatasetError(f"no dataset at {folder}: run .venv/bin/python scripts/preprocess.py --out {folder}")
    return [json.loads(line)["source"] for line in path.read_text().splitlines()]


def load_split(folder: str | pathlib.Path, name: str, melodies: list[Melody] | None = None) -> list[Melody]:
    """The songs of one split ('train', 'validation' or 'test')."""
    melodies = melodies if melodies is not None else load_melodies(folder)
    return [melodies[i] for i in load_split_ids(folder, name)]


def load_split_ids(folder: str | pathlib.Path, name: str) -> list[int]:
    """The song ids of one split ('train', 'validation' or 'test'), in rising order."""
    split_path = pathlib.Path(folder) / "split.json"
    if not split_path.is_file():
        raise DatasetError(f"{split_path} is missing: run .venv/bin/python scripts/preprocess.py --out {folder}")
    return json.loads(split_path.read_text())[name]
