#!/usr/bin/env python3
"""Continue a seed melody with the trained model and write MIDI / MusicXML / WAV.

The seed takes MIDI numbers, note names (C4, F#4, Bb3), '_' (hold) and 'r' (rest), one
per 16th note. Prints each melody's symbol series.

The seed's key is found from its notes (or given with --seed-key); the model works in
C major / A minor, and the result comes back in the seed's key or in --key.

Example:
    .venv/bin/python scripts/generate.py --seed "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _" \\
        --steps 256 --temperature 0.8 --random-seed 7 --meter 3/4 --key "D minor" --out melody.mid
"""

from __future__ import annotations

import argparse
import pathlib
import time

import _common  # noqa: F401  (import path, quiet TensorFlow)

from melody.model import default_model_folder
from melody.seed import EXAMPLE


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", default=EXAMPLE, help='seed melody, e.g. "%(default)s"')
    parser.add_argument("--steps", type=int, default=256, help="16th-note steps to add (default: %(default)s)")
    parser.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="0: likeliest; 1: the model's own; higher: wilder (default: %(default)s)",
    )
    parser.add_argument("--top-k", type=int, default=None, help="sample among the k likeliest symbols only")
    parser.add_argument(
        "--max-seq-len",
        type=int,
        default=None,
        help="let the model see only this many past steps (the seed report's window)",
    )
    parser.add_argument("--random-seed", type=int, default=None, help="same number, same melody")
    parser.add_argument(
        "--full-length", action="store_true", help="always add all --steps (never stop at the end-of-song symbol)"
    )
    parser.add_argument(
        "--variations", type=int, default=1, help="melodies to generate in one batch (default: %(default)s)"
    )
    parser.add_argument("--meter", default="4/4", help="time signature of the seed and result (default: %(default)s)")
    parser.add_argument(
        "--pickup", type=int, default=0, help="16ths of the seed before the first barline (default: 0, a downbeat)"
    )
    parser.add_argument(
        "--seed-key", default=None, help='key the seed is in, e.g. "G major" (default: found from its notes by music21)'
    )
    parser.add_argument(
        "--key", default=None, help='key of the result, any of the 24, e.g. "D minor" (default: the seed\'s key)'
    )
    parser.add_argument("--tempo", type=float, default=100.0, help="quarter notes per minute (default: %(default)s)")
    parser.add_argument("--program", type=int, default=0, help="General MIDI program 0-127 (default: 0, piano)")
    parser.add_argument("--model", default=str(default_model_folder()), help="model folder (default: %(default)s)")
    parser.add_argument("--out", default=None, help="write FILE.mid, .musicxml or .wav (variations get -2, -3 ...)")
    return parser.parse_args()


def output_paths(out: str, count: int) -> list[pathlib.Path]:
    path = pathlib.Path(out)
    return [path] + [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(2, count + 1)]


def main() -> None:
    from melody import render
    from melody.corpus import detect_key
    from melody.keys import canonical_key
    from melody.model import load_model_folder
    from melody.sampler import GenerationSettings, generate
    from melody.seed import parse_seed

    args = parse_args()
    if args.out and pathlib.Path(args.out).suffix.lower() not in render.WRITERS:
        _common.fail(f"--out {args.out}: use a .mid, .musicxml or .wav file name")
    if not 0 <= args.program <= 127:
        _common.fail(f"--program {args.program}: General MIDI programs are 0 to 127")
    seed = parse_seed(args.seed, meter=args.meter, pickup=args.pickup, tempo=args.tempo)
    seed = seed.replace(key=canonical_key(args.seed_key) if args.seed_key else detect_key(seed))
    settings = GenerationSettings(
        steps=args.steps,
        temperature=args.temperature,
        top_k=args.top_k,
        random_seed=args.random_seed,
        variations=args.variations,
        max_seq_len=args.max_seq_len,
        full_length=args.full_length,
        key=args.key,
    )
    settings.check()
    loaded = load_model_folder(args.model)
    started = time.perf_counter()
    melodies = generate(loaded, seed, settings)
    milliseconds = (time.perf_counter() - started) * 1000
    paths = output_paths(args.out, len(melodies)) if args.out else []
    for index, melody in enumerate(melodies):
        print(" ".join(melody.steps))
        if paths:
            render.write(melody.replace(title=f"Folk melody {index + 1}"), paths[index], program=args.program)
    new_steps = sum(len(m) - len(seed) for m in melodies)
    written = f"; wrote {', '.join(map(str, paths))}" if paths else ""
    keys = f"seed in {seed.key}, result in {melodies[0].key}, {seed.meter}"
    print(f"generated {len(melodies)} melody(ies), {new_steps} new steps in {milliseconds:.0f} ms ({keys}){written}")


if __name__ == "__main__":
    _common.run_main(main)
