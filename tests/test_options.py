"""Odd options and seeds from song files (issue 12, sections 4, 5 and 7).

Each odd option either gets one line on stderr and exit 2 (the command line) or a project
error that names what is wrong and what would work (the API), or is normalised to what it
means (``04/4`` is 4/4). The command lines refuse before TensorFlow or the model loads, so
each refusal costs about a second.
"""

from __future__ import annotations

import io
import math
import wave

import pytest
from conftest import DATA, ROOT, SHIPPED_MODEL, app_test, run_script

from melody.core.errors import UserError

GENERATE = ROOT / "scripts" / "generate.py"
ABC_SONG = DATA / "two_tunes.abc"  # its first tune: 6/8, an eighth-note pickup, D minor


def _generate(*args, timeout=300):
    return run_script("generate.py", *args, timeout=timeout)


# ------------------------------------------------------------------- the command line refuses
OPTION_CASES = {  # id -> (generate.py arguments, stderr fragment); {tmp} is a fresh folder
    "cli-generate-tempo-inf": (
        ["--tempo", "inf"],
        "tempo inf must be a positive number of beats per minute, 20 to 400",
    ),
    "cli-generate-tempo-nan": (
        ["--tempo", "nan"],
        "tempo nan must be a positive number of beats per minute, 20 to 400",
    ),
    "cli-generate-tempo-tiny": (["--tempo", "0.001"], "tempo 0.001 is outside 20 to 400 quarter notes per minute"),
    "cli-generate-tempo-huge": (["--tempo", "1e9"], "tempo 1e+09 is outside 20 to 400 quarter notes per minute"),
    "cli-generate-random-seed-negative": (
        ["--random-seed", "-1"],
        "random seed must be a whole number >= 0 (or left out for a fresh draw), not -1",
    ),
    "cli-generate-meter-fullwidth-slash": (["--meter", "3\uff0f4"], "is not of the form N/D, e.g. 4/4"),
    "cli-generate-meter-100-beats": (["--meter", "100/4"], "has 100 beats in a bar; use 1 to 99"),
    "cli-generate-seed-G#9": (
        ["--seed", "60 G#9"],
        "token 2 'G#9' is above the MIDI range (G#9 would be 128; the highest is G9 = 127)",
    ),
    "cli-generate-seed-C-2": (
        ["--seed", "C-2 60"],
        "token 1 'C-2' is below the MIDI range (C-2 would be -12; the lowest is C-1 = 0)",
    ),
    "cli-generate-key-mixed-accidentals": (
        ["--key", "C#b major"],
        "unknown tonic 'C#b' (a tonic is a letter A-G with at most one # or b, e.g. 'C# major' or 'Cb major')",
    ),
    "cli-generate-seed-key-double-flat": (
        ["--seed-key", "Cbb major"],
        "unknown tonic 'Cbb' (a tonic is a letter A-G with at most one # or b, e.g. 'Bb major', the same key)",
    ),
    "cli-generate-seed-and-seed-file": (
        ["--seed", "60 62", "--seed-file", ABC_SONG],
        "give one of --seed, --seed-file and --seed-audio",
    ),
    "cli-generate-seed-and-seed-audio": (
        ["--seed", "60 62", "--seed-audio", ROOT / "corpora" / "singing" / "vocadito_1.wav"],
        "give one of --seed, --seed-file and --seed-audio",
    ),
    "cli-generate-seed-audio-missing": (
        ["--seed-audio", "{tmp}/no-such-take.wav"],
        "no-such-take.wav cannot be read: No such file or directory",
    ),
    "cli-generate-seed-audio-not-audio": (
        ["--seed-audio", ABC_SONG],
        "two_tunes.abc is not a recording the studio can read",
    ),
    "cli-generate-seed-file-missing": (
        ["--seed-file", "{tmp}/no-such-song.abc"],
        "no-such-song.abc: no such file; give a song file (.krn .abc",
    ),
    "cli-generate-seed-file-folder": (["--seed-file", "{tmp}"], ": not a file; give a song file"),
    "cli-generate-seed-file-not-music": (
        ["--seed-file", ROOT / "README.md"],
        "README.md cannot be used: not a kind of file the studio reads (.md;",
    ),
    "cli-generate-seed-file-empty": (["--seed-file", "{tmp}/empty.mid"], "empty.mid cannot be used: no notes"),
    "cli-generate-seed-file-10-GB": (
        ["--seed-file", "{tmp}/huge.abc"],
        "huge.abc cannot be used: the file is larger than an upload may be (10240.0 MB)",
    ),
    "cli-generate-seed-bars-0": (["--seed-file", ABC_SONG, "--seed-bars", "0"], "--seed-bars 0: use 1 to 16 bars"),
    "cli-generate-seed-bars-17": (["--seed-file", ABC_SONG, "--seed-bars", "17"], "--seed-bars 17: use 1 to 16 bars"),
    "cli-generate-seed-bars-without-file": (["--seed-bars", "4"], "--seed-bars goes with --seed-file"),
}


@pytest.mark.subprocess
@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_odd_options_are_refused_in_one_line(case, tmp_path):
    args, fragment = OPTION_CASES[case]
    (tmp_path / "empty.mid").write_bytes(b"")
    with open(tmp_path / "huge.abc", "wb") as huge:
        huge.truncate(10 * 2**30)  # sparse: 10 GB by its size, nothing on disk; must not be read
    done = _generate("--model", SHIPPED_MODEL, *[str(a).replace("{tmp}", str(tmp_path)) for a in args], timeout=60)
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0  # one line
    assert done.stderr.startswith("error: ") and done.stdout == ""


# ------------------------------------------------------------------------ the API refuses
def _melody(*steps, **fields):
    from melody.core.melody import Melody

    return lambda: Melody(tuple(steps), **fields)


def _seed(text):
    from melody.songs.typed import parse_seed

    return lambda: parse_seed(text)


def _key(text):
    from melody.core.pitch import parse_key

    return lambda: parse_key(text)


API_OPTION_CASES = {  # id -> (call, message fragment)
    "tempo-inf": (_melody("60", tempo=math.inf), "tempo inf must be a positive number of beats per minute, 20 to 400"),
    "tempo-nan": (_melody("60", tempo=math.nan), "tempo nan must be a positive number of beats per minute"),
    "tempo-huge": (_melody("60", tempo=1e9), "tempo 1e+09 is outside 20 to 400 quarter notes per minute"),
    "tempo-tiny": (_melody("60", tempo=0.001), "tempo 0.001 is outside 20 to 400 quarter notes per minute"),
    "tempo-just-over": (_melody("60", tempo=400.0001), "tempo 400.0001 is outside 20 to 400"),
    "tempo-not-a-number": (_melody("60", tempo="fast"), "tempo 'fast' must be a positive number of beats per minute"),
    "meter-fullwidth-slash": (_melody("60", meter="3\uff0f4"), "meter '3\uff0f4' is not of the form N/D"),
    "meter-100-beats": (_melody("60", meter="100/4"), "meter '100/4' has 100 beats in a bar; use 1 to 99"),
    "meter-two-slashes": (_melody("60", meter="4//4"), "is not of the form N/D, e.g. 4/4"),
    "seed-G#9": (_seed("60 G#9"), "token 2 'G#9' is above the MIDI range (G#9 would be 128; the highest is G9 = 127)"),
    "seed-B#9": (_seed("B#9"), "'B#9' is above the MIDI range (B#9 would be 132; the highest is G9 = 127)"),
    "seed-Cb-1": (_seed("Cb-1"), "'Cb-1' is below the MIDI range (Cb-1 would be -1; the lowest is C-1 = 0)"),
    "seed-5000-digits": (_seed("60 " + "7" * 5000), "token 2 '777777777777... (5000 characters)' is outside the MIDI"),
    "key-mixed-accidentals": (_key("C#b major"), "unknown tonic 'C#b' (a tonic is a letter A-G with at most one #"),
    "key-double-sharp": (
        _key("B## minor"),
        "unknown tonic 'B##' (a tonic is a letter A-G with at most one # or b, e.g. 'C# minor', the same key)",
    ),
}


@pytest.mark.parametrize("case", sorted(API_OPTION_CASES))
def test_the_api_refuses_odd_values_with_a_message(case):
    call, fragment = API_OPTION_CASES[case]
    with pytest.raises(UserError) as caught:
        call()
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- normalised
@pytest.mark.parametrize(
    "typed, meter",
    [("04/4", "4/4"), ("4/4\n", "4/4"), (" 6 / 8 ", "6/8"), ("\uff13/\uff14", "3/4"), ("\u0663/\u0664", "3/4")],
)
def test_meters_are_stored_one_way(typed, meter):
    from melody.core.melody import Melody, bar_steps, canonical_meter
    from melody.songs.typed import parse_seed

    assert canonical_meter(typed) == meter and bar_steps(typed) == bar_steps(meter)
    assert Melody(("60",), meter=typed).meter == meter  # so the model looks up the meter it knows
    assert parse_seed("60 _ 62", meter=typed) == parse_seed("60 _ 62", meter=meter)
    assert Melody(("60",)).replace(meter=typed) == Melody(("60",), meter=meter)


@pytest.mark.subprocess
@pytest.mark.shipped_model
def test_odd_spellings_of_4_4_generate_the_melody_4_4_generates():
    common = ["--model", SHIPPED_MODEL, "--steps", "48", "--random-seed", "11", "--full-length"]
    outputs = [_generate(*common, "--meter", meter) for meter in ("4/4", "04/4", "4/4\n")]
    assert all(done.returncode == 0 for done in outputs), [done.stderr for done in outputs]
    first_lines = {done.stdout.splitlines()[0] for done in outputs}
    assert len(first_lines) == 1  # the very same melody
    assert all(", 4/4)" in done.stdout for done in outputs)


def test_keys_take_one_accidental_and_all_24_still_work():
    from melody.core.errors import MelodyError
    from melody.core.pitch import all_keys, parse_key, tonic_pitch_class
    from melody.songs.keys import canonical_key

    assert [canonical_key(k) for k in all_keys()] == all_keys()
    assert parse_key("B- major") == ("Bb", "major") and tonic_pitch_class("Cb major") == 11
    assert canonical_key("e# Minor") == "F minor"
    for text in ("C#b major", "Cb# minor", "Cbb major", "B## minor", "C-- major", "C#-# major"):
        with pytest.raises(MelodyError, match="at most one # or b"):
            parse_key(text)


def test_tempos_from_files_are_clamped_into_the_range():
    from melody.core.melody import DEFAULT_TEMPO_BPM, TEMPO_RANGE, Melody, clamp_tempo

    assert TEMPO_RANGE == (20.0, 400.0)
    assert [clamp_tempo(t) for t in (3.0, 20.0, 123.5, 400.0, 1e9)] == [20.0, 20.0, 123.5, 400.0, 400.0]
    assert [clamp_tempo(t) for t in (math.nan, math.inf, -math.inf, None)] == [DEFAULT_TEMPO_BPM] * 4
    assert Melody(("60",), tempo=clamp_tempo(1e9)).tempo == 400.0


@pytest.mark.shipped_model
def test_the_studios_tempo_slider_lies_in_the_range(monkeypatch):

    from melody.core.melody import TEMPO_RANGE
    from melody.studio.recipe import STUDIO_TEMPO

    assert TEMPO_RANGE[0] <= STUDIO_TEMPO[0] < STUDIO_TEMPO[1] <= TEMPO_RANGE[1]
    monkeypatch.setenv("FOLK_MODEL", str(ROOT / "models" / "essen-lstm"))
    at = app_test().run()
    slider = at.slider(key="tempo")  # the page's slider uses those bounds
    assert (slider.min, slider.max) == STUDIO_TEMPO


@pytest.mark.parametrize("tempo", [20.0, 400.0])
def test_the_range_ends_write_midi_musicxml_and_wav_that_read_back(tempo):
    from melody.core.melody import STEP_QL, Melody
    from melody.output.engrave import to_musicxml_bytes
    from melody.output.midi import to_midi_bytes
    from melody.output.sound import to_wav_bytes
    from melody.songs.corpus import melody_from_midi, melody_from_upload

    melody = Melody(tuple("67 _ 64 _ 65 _ 62 _".split()), meter="2/4", tempo=tempo)
    from_midi = melody_from_midi(to_midi_bytes(melody), strict=False)
    assert from_midi.steps == melody.steps and from_midi.tempo == tempo
    from_xml = melody_from_upload("t.musicxml", to_musicxml_bytes(melody))
    assert from_xml.steps == melody.steps and from_xml.tempo == tempo
    with wave.open(io.BytesIO(to_wav_bytes(melody))) as sound:
        seconds = sound.getnframes() / sound.getframerate()
    assert seconds >= len(melody) * STEP_QL * 60 / tempo * 0.9  # 6 s at 20 bpm, 0.3 s at 400


# --------------------------------------------------------------------- seeds from song files
def _generated(done):
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout.splitlines()


@pytest.mark.subprocess
@pytest.mark.shipped_model
def test_a_seed_file_opening_becomes_the_seed_with_its_meter_key_and_pickup():
    from melody.songs.corpus import melody_from_upload

    opening = melody_from_upload(ABC_SONG.name, ABC_SONG.read_bytes()).opening(2)
    assert (opening.meter, opening.pickup, opening.key) == ("6/8", 2, "D minor") and len(opening) == 26
    lines = _generated(
        _generate("--model", SHIPPED_MODEL, "--seed-file", ABC_SONG, "--steps", "24", "--random-seed", "5")
    )
    assert tuple(lines[0].split()[: len(opening)]) == opening.steps
    assert "seed in D minor, result in D minor, 6/8, seed from two_tunes.abc" in lines[-1]


@pytest.mark.subprocess
@pytest.mark.shipped_model
def test_a_midi_seed_file_gives_its_tempo_and_meter_and_options_can_override(tmp_path):
    import pretty_midi

    from melody.songs.corpus import melody_from_midi, melody_from_upload

    pm = pretty_midi.PrettyMIDI(initial_tempo=90)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(3, 4, 0.0))
    piano = pretty_midi.Instrument(0)
    beat = 60 / 90
    tune = [67, 67, 69, 71, 69, 67, 66, 64, 62]  # nine quarters in G: three bars of 3/4
    piano.notes = [pretty_midi.Note(90, p, i * beat, (i + 1) * beat) for i, p in enumerate(tune)]
    pm.instruments.append(piano)
    song = tmp_path / "waltz.mid"
    pm.write(str(song))
    opening = melody_from_upload(song.name, song.read_bytes()).opening(1)
    assert opening.steps == tuple("67 _ _ _ 67 _ _ _ 69 _ _ _".split()) and opening.tempo == 90

    out = tmp_path / "more.mid"
    common = ["--model", SHIPPED_MODEL, "--seed-file", song, "--seed-bars", "1", "--steps", "24", "--random-seed", "2"]
    lines = _generated(_generate(*common, "--out", out))
    assert tuple(lines[0].split()[: len(opening)]) == opening.steps and ", 3/4, seed from waltz.mid" in lines[-1]
    back = melody_from_midi(out.read_bytes(), strict=False)
    assert back.tempo == 90 and back.meter == "3/4" and back.steps[: len(opening)] == opening.steps

    lines = _generated(_generate(*common, "--tempo", "120", "--meter", "6/8", "--seed-key", "G major", "--out", out))
    back = melody_from_midi(out.read_bytes(), strict=False)
    assert back.tempo == 120 and back.meter == "6/8" and "seed in G major" in lines[-1]


@pytest.mark.subprocess
def test_generate_reads_german_note_names_when_asked(tmp_path):
    seed = "G4 _ A4 _ H4 _ C5 _"  # H is B in German
    done = _generate("--seed", seed, "--note-names", "german", "--bars", "8", "--out", tmp_path / "x.mid")
    assert done.returncode == 0 and done.stdout.split("\n")[0].split()[:8] == "67 _ 69 _ 71 _ 72 _".split(), done.stderr
    english = _generate("--seed", seed, "--bars", "8")
    assert english.returncode == 2 and "in German it is B4" in english.stderr and english.stderr.count("\n") == 1


@pytest.mark.subprocess
@pytest.mark.shipped_model
def test_a_seed_file_of_melody_and_bass_gives_its_top_line_and_says_so(tmp_path):
    import music21

    score = music21.stream.Score()
    for pitches in (["C5", "D5", "E5", "F5", "G5", "A5", "B5", "C6"], ["C3"] * 8):
        part = music21.stream.Part()
        for pitch in pitches:
            part.append(music21.note.Note(pitch, quarterLength=1))
        score.insert(0, part)
    song = score.write("musicxml", fp=tmp_path / "two.musicxml")
    lines = _generated(_generate("--model", SHIPPED_MODEL, "--seed-file", song, "--bars", "4", "--random-seed", "1"))
    assert lines[0] == "seed file: Took the top line of 2 parts."  # as the studio says it under its uploader
    assert lines[1].split()[:8] == ["72", "_", "_", "_", "74", "_", "_", "_"]  # the melody, not the bass
