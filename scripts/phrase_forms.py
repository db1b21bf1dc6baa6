#!/usr/bin/env python3
"""Phrase forms of folk songs written in ABC, where each line of music is one phrase (as in
the Essen collection), and the repetition figures of held-out test songs.

Forms (default mode): every tune is read as training reads it (`melody.train.dataset`'s parse
cache, the seed's duration filter); its phrase boundaries are the ABC line breaks, mapped to
16th steps by adding up the written lengths of each line's notes and rests
(`melody.songs.phrases.abc_line_steps`); a tune whose lines do not add up to its parsed length is
skipped and counted. Phrases get letters by `melody.songs.phrases.label_phrases`: a phrase that
agrees on >= 75% of its 16ths (same symbol at the same offset from the phrase start, over
the longer of the two, so lines of different lengths can share a letter only when the shorter
is at least 3/4 of the longer and matches it that far) with an earlier one takes its letter.
Also labelled the stricter way (``held_pitch``: a held step agrees only where the same pitch
is held), as same-rhythm lines on other notes agree on most 16ths (the holds) otherwise.
Printed: the most common forms, the share of songs whose phrases have equal length, and the
phrase length in bars per meter (the meter as parsed; tunes with ``M: none`` apart).

--test-split DATA: `melody.songs.phrases.repetition_figures` of the dataset's test songs, per meter.

The last line is one JSON object.

Example:
    .venv/bin/python scripts/phrase_forms.py                    # music21's German Essen ABC
    .venv/bin/python scripts/phrase_forms.py --all-regions --top 15
    .venv/bin/python scripts/phrase_forms.py tests/data/two_tunes.abc --workers 1
    .venv/bin/python scripts/phrase_forms.py --test-split data
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import re
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import _common  # noqa: F401  (import path, quiet TensorFlow)
from tqdm import tqdm

NAMED_FORMS = ("AABB", "AABA", "ABAB", "ABAC", "ABCD", "AABC", "ABCA")
_FREE_METER = re.compile(r"^M:(?!\s*\d+\s*/\s*\d+)", re.MULTILINE)  # M: none, M: FREI4/4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="ABC files or folders (default: music21's German Essen ABC files)")
    parser.add_argument(
        "--all-regions", action="store_true", help="every Essen ABC file music21 ships (Chinese, Lorraine, ... too)"
    )
    parser.add_argument("--top", type=int, default=10, help="forms shown (default: %(default)s)")
    parser.add_argument("--cache", default=".cache/preprocess", help="parse cache, shared with preprocess.py")
    parser.add_argument("--no-cache", action="store_true", help="parse everything again")
    parser.add_argument("--workers", type=int, default=0, help="parallel processes (default: all cores)")
    parser.add_argument("--test-split", metavar="DATA", help="report the repetition figures of DATA's test songs")
    return parser.parse_args()


def song_files(args) -> list[pathlib.Path]:
    from melody.songs.corpus import default_corpus_files, find_song_files

    if args.paths:
        files = [path for path in find_song_files(args.paths) if path.suffix.lower() == ".abc"]
        if not files:
            _common.fail(f"no .abc file under {' '.join(args.paths)}; phrases are read from ABC line breaks")
        return files
    if args.all_regions:
        from music21 import corpus

        return sorted(pathlib.Path(str(path)) for path in corpus.getComposer("essenFolksong"))
    return default_corpus_files()


def read_tunes(files, args) -> list[tuple[str, str, dict]]:
    """(source, tune text, parse result) for every tune of ``files``, in order."""
    from melody.songs.corpus import tasks_for_file
    from melody.train.dataset import parse_files_cached

    tasks = [task for path in files for task in tasks_for_file(path)]
    cache = None if args.no_cache else pathlib.Path(args.cache)
    progress = lambda it, total: tqdm(it, total=total, desc="reading tunes", unit="tune")
    if args.workers == 1:
        results = parse_files_cached(files, cache, map, progress)
    else:
        with ProcessPoolExecutor(args.workers or None) as pool:
            results = parse_files_cached(files, cache, lambda f, items: pool.map(f, items, chunksize=16), progress)
    return [(task.source, task.text, result) for task, result in zip(tasks, results, strict=True)]


def tune_form(text: str, result: dict) -> tuple[str, dict | None]:
    """('ok', facts) for a tune whose lines cut its melody, else (reason, None)."""
    from melody.core.melody import Melody
    from melody.songs.phrases import abc_line_steps, label_phrases, split_at_lengths

    if "melody" not in result:
        return result["skip"], None
    melody = Melody(**{**result["melody"], "steps": tuple(result["melody"]["steps"])})
    lengths = abc_line_steps(text)
    if lengths is None:
        return "lines_unread", None
    if sum(lengths) != len(melody):
        return "lines_mismatch", None
    meter = "none" if _FREE_METER.search(text) else melody.meter
    phrases = split_at_lengths(melody, lengths)
    forms = {"form": label_phrases(phrases), "form_held_pitch": label_phrases(phrases, held_pitch=True)}
    return "ok", {**forms, "meter": meter, "lengths": lengths, "bar": melody.bar_steps}


def form_counts(forms: list[str], top: int) -> dict:
    """The ``top`` most common forms, the named ones, how many differ, how many songs return."""
    count, counted = len(forms), collections.Counter(forms)
    return {
        "forms": [{"form": form, "songs": n, "share": n / count} for form, n in counted.most_common(top)],
        "named_forms": {form: {"songs": counted[form], "share": counted[form] / count} for form in NAMED_FORMS},
        "distinct_forms": len(counted),
        "songs_with_return": sum(len(set(form)) < len(form) for form in forms) / count,
    }


def summarise(facts: list[dict], top: int) -> dict:
    """Form counts, equal-length share and phrase length in bars per meter."""
    count = len(facts)
    equal = [len(set(fact["lengths"])) == 1 for fact in facts]
    meters: dict = {}
    for meter in sorted({fact["meter"] for fact in facts}, key=lambda m: -sum(f["meter"] == m for f in facts)):
        mine = [fact for fact in facts if fact["meter"] == meter]
        row = {"songs": len(mine), "equal_length_share": sum(len(set(f["lengths"])) == 1 for f in mine) / len(mine)}
        if meter != "none":
            bars = [length / fact["bar"] for fact in mine for length in fact["lengths"]]
            row["phrase_bars_median"] = statistics.median(bars)
            row["phrase_bars_mode"] = collections.Counter(round(b, 2) for b in bars).most_common(1)[0][0]
            row["phrases_per_song_median"] = statistics.median(len(fact["lengths"]) for fact in mine)
        meters[meter] = row
    four = [fact for fact in facts if len(fact["lengths"]) == 4]
    phrase_counts = collections.Counter(len(fact["lengths"]) for fact in facts)
    return {
        "songs": count,
        **form_counts([fact["form"] for fact in facts], top),
        "held_pitch": form_counts([fact["form_held_pitch"] for fact in facts], top),
        "equal_length_share": sum(equal) / count,
        "phrases_per_song_median": statistics.median(len(fact["lengths"]) for fact in facts),
        "phrases_per_song": {str(n): songs for n, songs in sorted(phrase_counts.items())},
        "four_phrase_songs": {
            "songs": len(four),
            "share": len(four) / count,
            "forms": form_counts([fact["form"] for fact in four], top)["forms"] if four else [],
            "held_pitch_forms": form_counts([fact["form_held_pitch"] for fact in four], top)["forms"] if four else [],
        },
        "meters": meters,
    }


def forms_mode(args) -> None:
    started = time.perf_counter()
    files = song_files(args)
    facts, skipped = [], collections.Counter()
    tunes = read_tunes(files, args)
    for _source, text, result in tunes:
        reason, fact = tune_form(text, result)
        if fact is None:
            skipped[reason] += 1
        else:
            facts.append(fact)
    if not facts:
        _common.fail(f"no tune of {len(tunes)} could be cut into phrases ({dict(skipped)})")
    report = {"tunes_read": len(tunes), "skipped": dict(skipped.most_common()), **summarise(facts, args.top)}
    held = report["held_pitch"]
    print(f"\n{'form':<14}{'songs':>7}{'share':>8}    {'form, held pitch':<18}{'songs':>7}{'share':>8}")
    for row, other in zip(report["forms"], held["forms"]):
        print(
            f"{row['form']:<14}{row['songs']:>7}{row['share']:>8.1%}    "
            f"{other['form']:<18}{other['songs']:>7}{other['share']:>8.1%}"
        )
    four = report["four_phrase_songs"]
    if four["songs"]:
        shown = lambda rows: ", ".join(f"{row['form']} {row['songs']} ({row['share']:.1%})" for row in rows[:6])
        print(f"\nsongs of 4 phrases: {four['songs']} ({four['share']:.1%})")
        print(f"  forms: {shown(four['forms'])}\n  held pitch: {shown(four['held_pitch_forms'])}")
    print(f"\n{'meter':<8}{'songs':>7}{'equal length':>14}{'bars, median':>14}{'bars, mode':>12}")
    for meter, row in report["meters"].items():
        median, mode = row.get("phrase_bars_median", float("nan")), row.get("phrase_bars_mode", float("nan"))
        print(f"{meter:<8}{row['songs']:>7}{row['equal_length_share']:>14.1%}{median:>14g}{mode:>12g}")
    seconds = time.perf_counter() - started
    top = ", ".join(f"{row['form']} {row['share']:.1%}" for row in report["forms"][:4])
    top_held = ", ".join(f"{row['form']} {row['share']:.1%}" for row in held["forms"][:4])
    print(
        f"{report['songs']} of {len(tunes)} tunes cut into phrases in {seconds:.0f} s; {report['distinct_forms']} "
        f"forms, most common {top} (held pitch: {top_held}); phrases of equal length in "
        f"{report['equal_length_share']:.1%}"
    )
    print(json.dumps(report))


def test_split_mode(args) -> None:
    from melody.songs.phrases import FIGURES, repetition_figures
    from melody.train.dataset import load_split

    started = time.perf_counter()
    test = load_split(args.test_split, "test")
    meters = [meter for meter, _ in collections.Counter(song.meter for song in test).most_common()]
    report = {"data": args.test_split, "songs": len(test), "all": repetition_figures(test), "meters": {}}
    for meter in tqdm(meters, desc="meters", unit="meter"):
        report["meters"][meter] = repetition_figures(song for song in test if song.meter == meter)
    shown = (*FIGURES, "ends_on_tonic")
    print(f"\n{'meter':<8}{'songs':>7}" + "".join(f"{name.replace('_', ' '):>24}" for name in shown))
    for meter, row in [("all", report["all"]), *report["meters"].items()]:
        cells = "".join(f"{'-' if row[name] is None else f'{row[name]:.1%}':>24}" for name in shown)
        print(f"{meter:<8}{row['songs']:>7}{cells}")
    whole = report["all"]
    print(
        f"{len(test)} test songs of {args.test_split} in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name} {whole[name]:.1%}" for name in shown if whole[name] is not None)
    )
    print(json.dumps(report))


def main() -> None:
    args = parse_args()
    if args.top < 1:
        _common.fail("--top must be at least 1")
    if args.test_split:
        test_split_mode(args)
    else:
        forms_mode(args)


if __name__ == "__main__":
    _common.run_main(main)
