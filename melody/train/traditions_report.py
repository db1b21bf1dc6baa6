"""What each tradition's collections give the model (issue 25, item 1): tunes kept by today's
reading and filter (`melody.songs.corpus.parse_task_result`, the one preprocessing path) and
skipped, by reason; and for the tunes skipped for a duration off the grid, how many of their
notes are triplets (read again leniently, triplets rounded: `melody.songs.lines.Reading`), so
that the share of notes triplets touch per tradition can decide between rounding them and
extending the encoding.

Results are kept one JSON line per tune under ``cache`` (a killed run resumes where it was).

    >>> counts = tradition_counts(TRADITIONS["chinese"], workers=2)       # doctest: +SKIP
    >>> counts["tunes"], counts["kept"], counts["skipped"]                 # doctest: +SKIP
    (1222, 841, {'bad_duration': 301, ...})
"""

from __future__ import annotations

import collections
import json
import pathlib
from concurrent.futures import ProcessPoolExecutor

from melody.core.paths import ROOT
from melody.core.storage import atomic_write_text
from melody.songs.corpus import Task, parse_task_result, read_task, tasks_for_file
from melody.songs.reading import SongSkipped
from melody.songs.traditions import Tradition, collection_of

CACHE = ROOT / ".cache" / "traditions"


def count_tune(task: Task) -> dict:
    """One tune: kept (its steps in C major / A minor, meter, pickup and notes) or its skip
    reason; a tune skipped for its
    durations is read again with triplets and other off-grid notes rounded, to count them."""
    result = parse_task_result(task)
    row = {"source": task.source}
    if "melody" in result:
        song = result["melody"]  # in C major / A minor, as training reads it
        notes = sum(s not in ("_", "r") for s in song["steps"])
        row.update(kept=True, meter=song["meter"], notes=notes, steps=" ".join(song["steps"]), pickup=song["pickup"])
        return row
    row.update(kept=False, skip=result["skip"])
    if result["skip"] == "bad_duration":
        try:
            reading = read_task(task, strict=False, lenient=True)
        except SongSkipped as skip:
            row["lenient_skip"] = skip.reason
        else:
            row.update(
                meter=reading.melody.meter,
                notes=len(reading.melody.pitches()),
                triplet_notes=sum(1 for _, triplet in reading.rounded if triplet),
                offgrid_notes=sum(1 for _, triplet in reading.rounded if not triplet),
            )
    return row


def tradition_counts(tradition: Tradition, workers: int = 2, progress=None, cache: pathlib.Path = CACHE) -> dict:
    """The counts of one tradition (every tune of its files), resumed from ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    done_path = cache / f"{tradition.id}.jsonl"
    done, cut = {}, False
    if done_path.exists():
        for line in done_path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a killed run: that tune again
                cut = True
                continue
            done[row["source"]] = row
    if cut:  # the whole lines only, so that the next one appended starts a line of its own
        atomic_write_text(done_path, "".join(json.dumps(row) + "\n" for row in done.values()))
    files = tradition.files()
    tasks = [task for path in files for task in tasks_for_file(path)]
    todo = [task for task in tasks if task.source not in done]
    if todo:
        wrap = progress or (lambda items: items)
        with open(done_path, "a") as out, ProcessPoolExecutor(workers) as pool:
            for row in wrap(pool.map(count_tune, todo, chunksize=8)):
                out.write(json.dumps(row) + "\n")
                out.flush()
                done[row["source"]] = row
    rows = [done[task.source] for task in tasks]
    return summary(tradition, files, rows)


def kept_songs(tradition: Tradition, workers: int = 2, progress=None, cache: pathlib.Path = CACHE) -> list:
    """The tradition's kept tunes as `Melody` values (in C major / A minor), from the counts'
    cache (counted first where it is not complete)."""
    from melody.core.melody import Melody

    tradition_counts(tradition, workers, progress, cache)
    rows = [json.loads(line) for line in (cache / f"{tradition.id}.jsonl").read_text().splitlines()]
    return [
        Melody(tuple(row["steps"].split()), meter=row["meter"], pickup=row["pickup"], title=row["source"])
        for row in rows
        if row["kept"]
    ]


def summary(tradition: Tradition, files: list[pathlib.Path], rows: list[dict]) -> dict:
    """Tunes, kept, skipped by reason, per collection, meters kept, and the triplets' share."""
    collection = {str(path): collection_of(path) for path in files}
    per_collection = collections.defaultdict(lambda: [0, 0])
    for row in rows:
        name = collection[row["source"].rpartition("#")[0] or row["source"]]
        per_collection[name][0] += 1
        per_collection[name][1] += row["kept"]
    kept = [row for row in rows if row["kept"]]
    rounded = [row for row in rows if "triplet_notes" in row]
    notes = sum(row.get("notes", 0) for row in kept + rounded)
    triplet_notes = sum(row["triplet_notes"] for row in rounded)
    return {
        "tradition": tradition.id,
        "files": len(files),
        "tunes": len(rows),
        "kept": len(kept),
        "skipped": dict(collections.Counter(row["skip"] for row in rows if not row["kept"]).most_common()),
        "collections": {name: {"tunes": n, "kept": k} for name, (n, k) in sorted(per_collection.items())},
        "meters_kept": dict(collections.Counter(row["meter"] for row in kept).most_common(6)),
        "tunes_with_triplets": sum(1 for row in rounded if row["triplet_notes"]),
        "triplet_note_share": round(triplet_notes / notes, 4) if notes else 0.0,
        "offgrid_notes_other": sum(row["offgrid_notes"] for row in rounded),
        "kept_if_triplets_rounded": len(kept) + sum(1 for row in rounded if row["notes"]),
    }
