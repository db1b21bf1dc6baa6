#!/usr/bin/env python3
"""Continue a seed melody with the trained model and write MIDI / MusicXML / WAV.

The seed takes MIDI numbers, note names (C4, F#4, Bb3), '_' (hold) and 'r' (rest), one
per 16th note. Prints each melody's symbol series.

Or the seed is sung or hummed (--seed-audio: a recording, WAV MP3 OGG M4A FLAC ...): its notes
as scripts/transcribe.py hears them, in --meter with --pickup, at --tempo (found from the
singing unless given), its key heard in the notes unless --seed-key says it.

Or the seed is the opening of a song file (--seed-file: .krn .abc .xml .musicxml .mxl .mid
.midi, as the studio's upload; --seed-bars bars of it, default 2), whose meter, pickup,
key and tempo it keeps unless --meter, --pickup, --seed-key or --tempo say otherwise.

The seed's key is found from its notes (or given with --seed-key): the model scores the
seed in each of the 24 keys, with the first, downbeat and last notes as cues
(`melody.generate.seed_key`); the model works in C major / A minor, and the result comes
back in the seed's key or in --key.

With --chords a second model (models/nottingham-chords) puts chords under each melody:
chord symbols and an accompaniment part in the MusicXML, a second track in the MIDI, a
guitar under the melody in the WAV; they are printed bar by bar after the melody.

With --bars N the result is a song of exactly N bars that ends on its final barline (its
last bar completes the seed's pickup); with --steps it is the seed report's way: at most
that many 16ths, ending where the model draws its end symbol.

Example:
    .venv/bin/python scripts/generate.py --seed "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _" --bars 8 --out song.mid
    .venv/bin/python scripts/generate.py --seed "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _" \\
        --steps 256 --temperature 0.8 --random-seed 7 --meter 3/4 --key "D minor" --out melody.mid
    .venv/bin/python scripts/generate.py --seed-file song.abc --seed-bars 4 --out more.musicxml
    .venv/bin/python scripts/generate.py --seed-audio hum.m4a --meter 3/4 --bars 16 --out sung.mid
    .venv/bin/python scripts/generate.py --bars 16 --chords --out with-chords.wav
"""

from __future__ import annotations

import argparse
import pathlib
import secrets
import time

import _common  # noqa: F401  (import path, quiet TensorFlow)

from melody.core.melody import DEFAULT_METER, DEFAULT_TEMPO_BPM, TEMPO_RANGE
from melody.net.folder import default_model_folder
from melody.songs.traditions import TRADITIONS, model_folder
from melody.songs.typed import EXAMPLE

SEED_BARS = (1, 16)  # --seed-bars: how much of a song file's opening becomes the seed
DEFAULT_LINK_BASE = "http://localhost:8501/"  # `make app`'s address
DEFAULT_SEED_BARS = 2  # as the studio's upload


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--seed", default=None, help=f'seed melody (default: the --style\'s first real song, else "{EXAMPLE}")'
    )
    parser.add_argument(
        "--note-names",
        choices=("english", "german", "solfege"),
        default="english",
        help="how the seed's note names are written: english (C4 ... B4, F#4, Bb4), german (H4 is B, B4 is Bb, "
        "Fis4, Es4), solfege (do4 re4 mi4 ... si4, fa#4, sib4) (default: %(default)s)",
    )
    parser.add_argument(
        "--seed-file",
        default=None,
        metavar="SONG",
        help="seed from the opening of a song file (.krn .abc .xml .musicxml .mxl .mid .midi, at most 5 MB)",
    )
    parser.add_argument(
        "--seed-audio",
        default=None,
        metavar="RECORDING",
        help="seed sung or hummed in a recording (.wav .mp3 .ogg .m4a .flac ..., at most 12 MB; the first 30 s, "
        "4 bars), as scripts/transcribe.py hears it",
    )
    parser.add_argument(
        "--seed-bars",
        type=int,
        default=None,
        help=f"bars of --seed-file's opening (after its pickup) to use, {SEED_BARS[0]} to {SEED_BARS[1]} "
        f"(default: {DEFAULT_SEED_BARS})",
    )
    parser.add_argument(
        "--bars",
        type=int,
        default=None,
        help="a song of exactly N bars (4 to 64) after the seed's pickup, ending on its final barline; "
        "instead of --steps",
    )
    parser.add_argument(
        "--form",
        default=None,
        help="phrases by letter with --bars, e.g. AABA, AABB, ABAB, ABAC (equal phrases; a letter that returns is "
        "sung again as a variation, a new one contrasts); 'free' (the default): the model's own form",
    )
    parser.add_argument(
        "--steps", type=int, default=256, help="16th-note steps to add, at most (default: %(default)s; see --bars)"
    )
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
    parser.add_argument("--random-seed", type=int, default=None, help="a whole number >= 0: same number, same melody")
    parser.add_argument(
        "--full-length", action="store_true", help="always add all --steps (never stop at the end-of-song symbol)"
    )
    parser.add_argument(
        "--variations", type=int, default=1, help="melodies to generate in one batch (default: %(default)s)"
    )
    parser.add_argument(
        "--meter",
        default=None,
        help=f"time signature of the seed and result (default: the seed file's, else {DEFAULT_METER})",
    )
    parser.add_argument(
        "--pickup",
        type=int,
        default=None,
        help="16ths of the seed before the first barline (default: the seed file's, else 0, a downbeat)",
    )
    parser.add_argument(
        "--seed-key",
        default=None,
        help='key the seed is in, e.g. "G major" (default: the key the model hears in its notes)',
    )
    parser.add_argument(
        "--key", default=None, help='key of the result, any of the 24, e.g. "D minor" (default: the seed\'s key)'
    )
    parser.add_argument(
        "--tempo",
        type=float,
        default=None,
        help=f"quarter notes per minute, {TEMPO_RANGE[0]:g} to {TEMPO_RANGE[1]:g} "
        f"(default: the seed file's, else {DEFAULT_TEMPO_BPM:g})",
    )
    parser.add_argument(
        "--chords",
        action="store_true",
        help="chords under each melody (the chord model's), written as chord symbols and an accompaniment "
        "part in MusicXML, a second track in MIDI and played in the WAV; printed bar by bar",
    )
    parser.add_argument(
        "--chord-model", default=None, help="chord model folder for --chords (default: models/nottingham-chords)"
    )
    parser.add_argument(
        "--program",
        type=int,
        default=None,
        help="General MIDI program 0-127 (default: the --style's instrument, else 0, piano)",
    )
    parser.add_argument(
        "--style",
        default=None,
        help=f"one of {', '.join(TRADITIONS)}: the tradition to continue the seed in; sets the model (its "
        "shipped one), and the meter, tempo, instrument and (with --bars) form its tunes usually have unless "
        "given (e.g. irish-british: 6/8 on a violin, AABB)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help=f"model folder (default: the --style's shipped model, else {default_model_folder()})",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="write FILE.mid, .musicxml, .wav, .abc (ABC notation, with chords as quoted symbols) or .pdf (a "
        "one-page handout with the link's QR code; variations get -2, -3 ...)",
    )
    parser.add_argument(
        "--link-base",
        default=DEFAULT_LINK_BASE,
        help=f"the studio's address, for the link and QR code on a .pdf handout (default {DEFAULT_LINK_BASE})",
    )
    return parser.parse_args()


def output_paths(out: str, count: int) -> list[pathlib.Path]:
    path = pathlib.Path(out)
    return [path] + [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(2, count + 1)]


def check_args(args: argparse.Namespace, writers) -> None:
    """Refuse odd options in one line each, before anything slow (the model, music21)."""
    if sum(given is not None for given in (args.seed, args.seed_file, args.seed_audio)) > 1:
        _common.fail("give one of --seed, --seed-file and --seed-audio")
    if args.seed_bars is not None:
        if args.seed_file is None:
            _common.fail("--seed-bars goes with --seed-file (how many bars of the song's opening to use)")
        if not SEED_BARS[0] <= args.seed_bars <= SEED_BARS[1]:
            _common.fail(f"--seed-bars {args.seed_bars}: use {SEED_BARS[0]} to {SEED_BARS[1]} bars of the opening")
    if args.out and pathlib.Path(args.out).suffix.lower() not in writers:
        _common.fail(f"--out {args.out}: use a .mid, .musicxml, .wav, .abc or .pdf file name")
    if args.style is not None and args.style not in TRADITIONS:
        _common.fail(f"--style {args.style[:40]!r} is not a style; choose from {', '.join(TRADITIONS)}")
    if args.program is not None and not 0 <= args.program <= 127:
        _common.fail(f"--program {args.program}: General MIDI programs are 0 to 127")
    if args.chord_model is not None and not args.chords:
        _common.fail("--chord-model goes with --chords")


def song_opening(path_text: str, bars: int):
    """The pickup and first ``bars`` bars of a song file, read as the studio reads an upload
    (same limits, same messages, the same notes on a top line taken or a triplet rounded);
    exits in one line when the file cannot be used."""
    from melody.songs.corpus import SONG_SUFFIXES, SongSkipped, song_from_file, upload_problem

    path = pathlib.Path(path_text)
    if not path.exists():
        _common.fail(f"--seed-file {path}: no such file; give a song file ({' '.join(SONG_SUFFIXES)})")
    if not path.is_file():
        _common.fail(f"--seed-file {path}: not a file; give a song file ({' '.join(SONG_SUFFIXES)})")
    try:
        song = song_from_file(path).opening(bars)
    except SongSkipped as skip:
        _common.fail(" ".join(upload_problem(path.name, skip).split()))  # one line
    for note in song.notes():  # what reading changed in the opening used, as the studio says it
        print(f"seed file: {note}")
    return song.melody


def make_seed(args: argparse.Namespace):
    """The seed Melody: typed (--seed), a song file's opening, or (--style without a seed) the
    opening of the tradition's first real song (the studio's ready seed), with the options given
    (a typed seed without --seed-key gets its key from `heard_key`, once the model is loaded)."""
    from melody.songs.keys import canonical_key
    from melody.songs.typed import read_typed_seed

    if args.seed is None and args.seed_file is None and args.style:  # the tradition's first real song
        from melody.studio.ready_seeds import first_song

        opening = first_song(args.style).melody
        given = {name: getattr(args, name) for name in ("meter", "pickup", "tempo") if getattr(args, name) is not None}
        return opening.replace(key=canonical_key(args.seed_key) if args.seed_key else opening.key, **given)
    if args.seed_file is None:
        fields = {"meter": DEFAULT_METER, "pickup": 0, "tempo": DEFAULT_TEMPO_BPM}
        given = {name: getattr(args, name) for name in fields if getattr(args, name) is not None}
        text = EXAMPLE if args.seed is None else args.seed
        typed = read_typed_seed(text, args.note_names, **{**fields, **given})  # as the studio reads it
        if typed.as_quarters:
            print("seed: no '_' in it, so each note is a quarter note (as in the studio)")
        seed = typed.melody
        return seed.replace(key=canonical_key(args.seed_key)) if args.seed_key else seed
    opening = song_opening(args.seed_file, DEFAULT_SEED_BARS if args.seed_bars is None else args.seed_bars)
    given = {name: getattr(args, name) for name in ("meter", "pickup", "tempo") if getattr(args, name) is not None}
    return opening.replace(key=canonical_key(args.seed_key) if args.seed_key else canonical_key(opening.key), **given)


def sung_seed(loaded, args: argparse.Namespace):
    """The seed sung in --seed-audio (`seed_from_singing`: the studio's path), with a line on
    what was heard; exits in one line when the recording cannot be used."""
    from melody.generate.sung_seed import seed_from_singing
    from melody.songs.recording import read_recording_file

    recording = read_recording_file(args.seed_audio)
    fields = {"meter": args.meter or DEFAULT_METER, "tempo": args.tempo, "pickup": args.pickup or 0}
    sung = seed_from_singing(loaded, recording, **fields, key=args.seed_key)
    for said in sung.notes:
        print(f"seed audio: {said}")
    found = " (found from the singing)" if sung.tempo_found else ""
    print(
        f"seed audio: heard {len(sung.heard)} notes, {len(sung.melody.pitches())} in the seed, at {sung.tempo:g} "
        f"a minute{found}, sure {sung.sure:.0%}"
    )
    return sung.melody


def heard_key(loaded, seed):
    """``seed`` in the key the model and the cues hear in it (`find_seed_key`), and a line that
    names it and the keys one might mean instead (printed before the summary line)."""
    from melody.generate.seed_key import find_seed_key

    found = find_seed_key(loaded, seed)
    line = f"seed key: heard in {found.key} (or its relative {found.relative}, or {found.runner_up}: --seed-key)"
    return seed.replace(key=found.key), line


def with_style_defaults(args: argparse.Namespace) -> None:
    """Fill what --style decides when not given: the model that serves the tradition, and
    (for a typed or sung seed) its usual meter, tempo and instrument."""
    from melody.output.midi import INSTRUMENTS

    tradition = TRADITIONS.get(args.style)
    args.model = args.model or str(model_folder(args.style) if tradition else default_model_folder())
    if tradition is None:
        args.program = 0 if args.program is None else args.program
        return
    if args.seed is not None or args.seed_audio is not None:  # no seed: the tradition's first real song's
        args.meter = args.meter or tradition.meter
    if args.seed_file is None:
        args.tempo = args.tempo if args.tempo is not None else tradition.tempo
    if args.bars is not None and args.form is None:
        args.form = tradition.form  # e.g. an Irish tune's AABB
    args.program = INSTRUMENTS[tradition.instrument] if args.program is None else args.program


def main() -> None:
    from melody.chords import model as harmony
    from melody.generate.generator import generate
    from melody.net.folder import load_model_folder
    from melody.output import files
    from melody.songs.typed import seed_text
    from melody.studio.plain_words import chords_in_words
    from melody.studio.recipe import MAX_NUMBER, MAX_SEED_CHARS, Recipe, share_link

    args = parse_args()
    check_args(args, files.WRITERS)
    with_style_defaults(args)
    loaded = load_model_folder(args.model) if args.seed_audio else None
    seed = sung_seed(loaded, args) if args.seed_audio else make_seed(args)
    seed = seed.replace(style=args.style or "")
    number = secrets.randbelow(MAX_NUMBER + 1) if args.random_seed is None else args.random_seed
    recipe = Recipe(
        seed=seed_text(seed), meter=seed.meter, pickup=seed.pickup, seed_key=seed.key, bars=args.bars,
        temperature=args.temperature, number=number, variations=args.variations, key=args.key or "",
        tempo=seed.tempo, form=args.form, chords=args.chords, style=args.style or "german",
    )  # fmt: skip
    # --top-k 0 and --max-seq-len 0 are refused (settings.check), not read as "no limit" as in the studio
    settings = recipe.settings(
        steps=args.steps, full_length=args.full_length, top_k=args.top_k, max_seq_len=args.max_seq_len
    )
    settings.check()
    loaded = loaded or load_model_folder(args.model)
    heard = ""
    typed = args.seed is not None or not args.style  # (a tradition's real song comes in its own key)
    if typed and args.seed_file is None and args.seed_audio is None and not args.seed_key:
        seed, heard = heard_key(loaded, seed)
    chord_model = harmony.load(args.chord_model) if args.chords else None  # a bad folder: one line, now
    started = time.perf_counter()
    melodies = generate(loaded, seed, settings)
    if chord_model is not None:
        melodies = [harmony.harmonize(melody, chord_model) for melody in melodies]
    milliseconds = (time.perf_counter() - started) * 1000
    paths = output_paths(args.out, len(melodies)) if args.out else []
    for index, melody in enumerate(melodies):
        print(" ".join(melody.steps))
        if melody.chords:
            print("chords: " + chords_in_words(melody))
        if paths:
            title = f"Folk melody #{number}" + (f"-{index + 1}" if len(melodies) > 1 else "")
            link = share_link(args.link_base, recipe) if len(recipe.seed) <= MAX_SEED_CHARS else None
            files.write(melody.replace(title=title), paths[index], args.program, number, link)
    if melodies[0].form:
        starts = ", ".join(f"{letter} from bar {melodies[0].bar_of(start)}" for start, letter in melodies[0].phrases)
        print(f"form {melodies[0].form}: {starts}")
    new_steps = sum(len(m) - len(seed) for m in melodies)
    written = f"; wrote {', '.join(map(str, paths))}" if paths else ""
    source = next((f", seed from {pathlib.Path(p).name}" for p in (args.seed_file, args.seed_audio) if p), "")
    keys = f"seed in {seed.key}, result in {melodies[0].key}, {seed.meter}{source}" + (", with chords" * args.chords)
    keys += f", style {args.style}" if args.style else ""
    keys += f", form {melodies[0].form}" if melodies[0].form else ""
    if heard:
        print(heard)
    made = f"generated {len(melodies)} melody(ies) (melody #{number}), {new_steps} new steps"
    print(f"{made} in {milliseconds:.0f} ms ({keys}){written}")


if __name__ == "__main__":
    _common.run_main(main)
