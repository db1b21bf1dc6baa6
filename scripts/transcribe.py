#!/usr/bin/env python3
"""The notes sung or hummed in a recording, as a seed for the studio or generate.py.

Reads AUDIO (WAV, MP3, OGG, M4A, FLAC, WEBM ...; at most 12 MB, the first 30 s), finds the
pitch every 16 ms (swift-f0), the notes (swift-f0's segmentation), rounds them to semitones
in the singer's own tuning, places them on the 16th grid of --meter at --tempo (found from
the singing unless given), with --pickup 16ths before the first barline, keeps at most 4
bars, moves them by octaves into the model's range and names the key heard in them (the
model and musicians' cues, as for a typed seed). The same path as the studio's "Sing or
hum" and `generate.py --seed-audio`.

Prints each note heard (seconds, as sung, the note), then one JSON line: `seed` (note names,
`_` and `r`: what the seed box and --seed take), `tempo`, `meter`, `pickup`, `key`, `notes`
(each heard note: start, end, midi, sung, confidence), `sure` (0-1), `tuning_cents`,
`tempo_found`, `said` (what was changed, in words), `seconds` (time taken).

Example:
    .venv/bin/python scripts/transcribe.py corpora/singing/vocadito_1.wav
    .venv/bin/python scripts/transcribe.py hum.m4a --tempo 90 --meter 3/4 --pickup 4
    .venv/bin/python scripts/generate.py --seed-audio hum.m4a --meter 3/4 --bars 16 --out song.mid
"""

from __future__ import annotations

import argparse
import json
import time

import _common

from melody.net.folder import default_model_folder

NAMINGS = ("english", "german", "solfege")


def parse_args() -> argparse.Namespace:
    from melody.core.melody import TEMPO_RANGE

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio", metavar="AUDIO", help="a recording of someone singing or humming a few notes")
    parser.add_argument(
        "--tempo", type=float, default=None, help=f"quarter notes a minute, {TEMPO_RANGE[0]:g}-{TEMPO_RANGE[1]:g} "
        "(default: found from the singing)",
    )  # fmt: skip
    parser.add_argument("--meter", default="4/4", help="time signature of the seed (default: %(default)s)")
    parser.add_argument("--pickup", type=int, default=0, help="16ths before the first barline (default: 0)")
    parser.add_argument("--key", default=None, help='the seed\'s key, e.g. "G major" (default: heard in the notes)')
    parser.add_argument("--note-names", choices=NAMINGS, default="english", help="how the seed is written")
    parser.add_argument("--model", default=str(default_model_folder()), help="model folder (default: %(default)s)")
    args = parser.parse_args()
    if args.tempo is not None and not TEMPO_RANGE[0] <= args.tempo <= TEMPO_RANGE[1]:
        parser.error(f"--tempo {args.tempo:g}: use {TEMPO_RANGE[0]:g} to {TEMPO_RANGE[1]:g} quarter notes a minute")
    return args


def main() -> None:
    from melody.core.pitch import note_name
    from melody.generate.sung_seed import seed_from_singing
    from melody.net.folder import load_model_folder
    from melody.songs.recording import read_recording_file
    from melody.songs.typed import seed_text

    args = parse_args()
    loaded = load_model_folder(args.model)
    started = time.perf_counter()
    recording = read_recording_file(args.audio)
    sung = seed_from_singing(loaded, recording, args.meter, args.tempo, args.pickup, args.key)
    seconds = time.perf_counter() - started
    seed = sung.melody
    for row in sung.note_list():
        name = note_name(row["midi"], seed.key, args.note_names)
        print(
            f"{row['start']:7.3f}-{row['end']:7.3f} s  sung {row['sung']:6.2f}  {name:<5} sure {row['confidence']:.2f}"
        )
    for said in sung.notes:
        print(said)
    tempo = f"{sung.tempo:g} a minute" + (" (found from the singing)" if sung.tempo_found else "")
    print(
        f"heard {len(sung.heard)} notes in {recording.seconds:.1f} s: seed of {len(seed.pitches())} notes "
        f"in {seed.key}, "
        f"{seed.meter}, {tempo}, sung {sung.tuning_cents:+.0f} cents from A440, sure {sung.sure:.0%}, {seconds:.2f} s"
    )
    summary = {
        "seed": seed_text(seed, args.note_names),
        "tempo": sung.tempo,
        "meter": seed.meter,
        "pickup": seed.pickup,
        "key": seed.key,
        "notes": sung.note_list(),
        "sure": round(sung.sure, 3),
        "tuning_cents": round(sung.tuning_cents, 1),
        "tempo_found": sung.tempo_found,
        "said": list(sung.notes),
        "seconds": round(seconds, 3),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    _common.run_main(main)
