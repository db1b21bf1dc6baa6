#!/usr/bin/env python3
"""Score the chord model against the human chords of tunes, with the baselines beside it.

Tunes come from files or folders (searched recursively): ABC (each tune; chord symbols in
quotes, normalised as in training) and MusicXML (``<harmony>`` elements). Other formats, and
tunes without chord symbols, are counted as skipped. Every beat with a human chord is scored
(the human chord at a beat is the last one at or before it): chord accuracy is the share of
those beats whose triad the model matches; the chord-tone ratio is the share of melody
duration on a tone of the model's chord. Beside it: always the tonic triad, the diatonic
rule, the HMM stored with the model (``hmm.npz``) and the best one-chord-per-half-bar oracle.
The last line of output is one JSON object: tunes, beats, chord_accuracy, chord_tone_ratio,
human_chord_tone_ratio, baselines, skipped.

Example:
    .venv/bin/python scripts/harmony_eval.py --model models/nottingham-chords corpora/nottingham/waltzes.abc
"""

from __future__ import annotations

import argparse
import json
import time

import _common
from tqdm import tqdm

from melody.chords.model import DEFAULT_FOLDER


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="tune files or folders (.abc .xml .musicxml .mxl)")
    parser.add_argument("--model", default=str(DEFAULT_FOLDER), help="chord model folder (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="parsing processes (default: 2)")
    return parser.parse_args()


def main() -> None:
    from melody.chords import baselines
    from melody.chords import data as harmony_data
    from melody.chords import model as harmony
    from melody.songs.corpus import find_song_files

    args = parse_args()
    started = time.perf_counter()
    model = harmony.load(args.model)  # fail fast, before parsing (a bad folder: one line, from run_main)
    hmm_path = model.folder / "hmm.npz"
    hmm = baselines.ChordHMM.load(hmm_path) if hmm_path.is_file() else None
    files = find_song_files(args.paths)
    bar = lambda items, total: tqdm(items, total=total, desc="reading", unit="tune", leave=False)
    tunes, _, stats = harmony_data.read_files(files, bar, max(args.workers, 1))
    if not tunes:
        _common.fail(f"no tune with chord symbols in {' '.join(args.paths)} (skipped: {stats.skipped or 'none found'})")
    methods = {"model": model.chords, **baselines.baseline_methods(hmm)}
    scores = baselines.score_methods(tunes, methods, lambda it: tqdm(it, desc="scoring", unit="tune", leave=False))
    print(f"{'method':<10}{'chord accuracy':>16}{'chord-tone ratio':>18}")
    for name, figures in scores.items():
        print(f"{name:<10}{figures['accuracy']:>16.3f}{figures['chord_tone_ratio']:>18.3f}")
    result = {
        "tunes": len(tunes),
        "beats": scores["model"]["beats"],
        "chord_accuracy": scores["model"]["accuracy"],
        "chord_tone_ratio": scores["model"]["chord_tone_ratio"],
        "human_chord_tone_ratio": scores["human"]["chord_tone_ratio"],
        "baselines": {name: scores[name] for name in scores if name not in ("model", "human")},
        "skipped": stats.skipped,
        "model": str(model.folder),
        "seconds": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    _common.run_main(main)
