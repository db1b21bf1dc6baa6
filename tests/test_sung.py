"""Sung and hummed seeds (`melody.songs.recording`, `melody.songs.sung`): melodies sung by a
voice-like synthesizer (vibrato, a scoop into each note, drift, breath noise; `voices`) and by
FluidSynth's choir and whistle, in several keys and tempi, must give back their notes; bad
recordings get plain answers and never crash or hang."""

import shutil
import subprocess
import time

import numpy as np
import pytest
from conftest import ROOT
from voices import chord, encoded, glides, noise, sung, wav_bytes

from melody.core.errors import UserError
from melody.songs.recording import MAX_RECORDING_BYTES, RATE, RecordingProblem, read_recording, read_recording_file
from melody.songs.sung import NothingHeard, find_tempo, local_tuning, transcribe
from melody.songs.typed import parse_seed, seed_text

VOCADITO = ROOT / "corpora" / "singing" / "vocadito_1.wav"
TUNES = {  # (seed, meter, pickup): steps as the seed box writes them
    "4/4 scale": ("67 _ 69 _ 71 _ 72 _ 74 _ _ _ 72 _ 71 _ 69 _ _ _ 67 _ _ _ r _ 67 _ 67 _ _ _", "4/4", 0),
    "3/4 waltz": ("67 _ _ _ 72 _ _ _ 72 _ 74 _ 76 _ _ _ 72 _ _ _ _ _ _ _ 74 _ _ _ 71 _ 72 _ 74 _ _ _", "3/4", 0),
    "6/8 jig": ("67 _ 69 _ 71 _ 72 _ _ _ 71 _ 69 _ 67 _ 69 _ 71 _ _ _ 67 _ _ _ _ _ _ _ _ _", "6/8", 0),
    "4/4 pickup, repeats": ("67 _ _ _ 72 _ _ _ 72 _ 74 _ 76 _ 76 _ 74 _ _ _ 72 _ _ _ _ _ _ _", "4/4", 4),
    "minor, leaps": ("69 _ 72 _ 76 _ _ _ 74 _ 72 _ 71 _ 68 _ 69 _ _ _ 64 _ _ _ 69 _ _ _", "2/4", 0),
}


def tune(name: str, tempo: float, shift: int = 0):
    text, meter, pickup = TUNES[name]
    return parse_seed(text, meter=meter, pickup=pickup, tempo=tempo).transpose(shift)


def heard(audio, tune_, rate=44_100, **options):
    """The seed heard in ``audio`` in the tune's meter and pickup (and its tempo unless told)."""
    fields = {"meter": tune_.meter, "pickup": tune_.pickup, "tempo": tune_.tempo, **options}
    return transcribe(read_recording(wav_bytes(audio, rate), "take.wav"), **fields)


def intervals(melody) -> list[int]:
    return list(np.diff(melody.pitches()))


def onsets(melody) -> list[int]:
    return [event.start for event in melody.events() if event.pitch is not None]


def lengths(melody) -> list[int]:
    return [event.length for event in melody.events()]


@pytest.mark.parametrize("name", list(TUNES))
@pytest.mark.parametrize("tempo, shift", [(72, 0), (100, 3), (132, -2)], ids=["72bpm", "100bpm+3", "132bpm-2"])
def test_a_sung_tune_gives_back_its_notes(name, tempo, shift):
    want = tune(name, tempo, shift)
    got = heard(sung(want, seed=tempo), want)
    assert seed_text(got.melody) == seed_text(want)
    assert got.melody.pickup == want.pickup and got.sure > 0.7


@pytest.mark.parametrize(
    "voice",
    [
        {"hum": True},
        {"tuning_cents": -30},
        {"tuning_cents": 28, "vibrato_cents": 70, "vibrato_hz": 6.5},
        {"scoop_cents": -250, "breath": 0.03},
        {"gap_s": 0.0},  # legato: no breath between notes
    ],
    ids=["hummed", "30-cents-flat", "sharp-wide-vibrato", "big-scoop-breathy", "legato"],
)
def test_a_voice_like_a_real_singer_is_heard_right(voice):
    want = tune("4/4 scale", 92)
    if voice.get("gap_s") == 0.0:  # one note sliding into the next: a tune without repeated notes
        want = tune("minor, leaps", 92)
    assert seed_text(heard(sung(want, **voice), want).melody) == seed_text(want)


def test_a_singer_who_drifts_a_semitone_keeps_the_tune():
    """A hummer sliding 80 cents flat over the take: every interval is kept (the tuning is
    followed note by note, not measured once)."""
    want = tune("minor, leaps", 100)
    got = heard(sung(want, tuning_cents=-20, drift_cents=-80), want)
    assert intervals(got.melody) == intervals(want) and lengths(got.melody) == lengths(want)
    assert abs(got.melody.pitches()[0] - want.pitches()[0]) <= 1


def test_local_tuning_follows_a_drift_and_wraps_around_the_semitone():
    pitches = 60 + np.arange(12) + np.linspace(0.0, -0.9, 12)  # a scale sinking by 90 cents
    tuning = local_tuning(pitches, np.ones(12), neighbours=1)
    assert np.allclose(np.round(pitches - tuning) - np.round(pitches - tuning)[0], np.arange(12))


@pytest.mark.parametrize("name", ["4/4 scale", "3/4 waltz", "minor, leaps"])
@pytest.mark.parametrize("tempo", [66, 84, 100, 120, 150])
def test_the_tempo_is_found_from_the_singing(name, tempo):
    """Found within 3%, or at twice or half of it (quarters heard as 8ths: the same rhythm
    written in longer or shorter notes; played at the tempo found, it sounds as sung)."""
    want = tune(name, tempo)
    got = heard(sung(want, seed=tempo), want, tempo=None)
    factor = next((f for f in (1, 2, 0.5) if abs(got.tempo - f * tempo) <= 0.03 * f * tempo), None)
    assert got.tempo_found and factor, got.tempo
    kept = len(got.melody.events())  # at twice the tempo, the 4 bars a seed keeps hold less of the tune
    assert got.melody.pitches() == want.pitches()[: len(got.melody.pitches())]
    assert lengths(got.melody)[:-1] == [length * factor for length in lengths(want)][: kept - 1]


def test_find_tempo_on_exact_onsets():
    beat = 60 / 90
    onsets = np.cumsum([0, 1, 0.5, 0.5, 1, 2, 1, 1]) * beat
    assert find_tempo(onsets) == 90


def test_a_low_hum_is_written_where_the_songs_sit():
    want = tune("4/4 scale", 96, -12 - 7)  # C3 to G3: a man humming low
    got = heard(sung(want, hum=True), want)
    assert seed_text(got.melody) == seed_text(want.transpose(12))
    assert any("an octave below where the songs sit" in said for said in got.notes)


@pytest.fixture(scope="module")
def fluidsynth():
    from melody.output import sound

    if sound.synthesizer() != "fluidsynth":
        pytest.skip("FluidSynth with a General MIDI SoundFont is not installed")
    return sound


SOUNDS = {52: "choir aahs", 53: "voice oohs", 78: "whistle"}
# choir aahs take ~0.1 s to speak: its 8ths at 120 (a quarter second each) run into each other
TAKES = [(program, 90, 0) for program in SOUNDS] + [(53, 120, -5), (78, 120, -5)] + [(p, 76, 4) for p in SOUNDS]


@pytest.mark.parametrize("program, tempo, shift", TAKES, ids=[f"{SOUNDS[p]}-{t}bpm{s:+d}" for p, t, s in TAKES])
def test_fluidsynth_choir_and_whistle_give_back_their_notes(fluidsynth, program, tempo, shift):
    """Legato tunes (no rests, no repeated notes: a choir's and a whistle's release fills a
    short rest, and a repeated note sounds as one held note)."""
    want = tune("minor, leaps", tempo, shift)
    recording = read_recording(fluidsynth.to_wav_bytes(want, program), f"{SOUNDS[program]}.wav")
    got = transcribe(recording, meter=want.meter, tempo=tempo)
    assert got.melody.pitches() == want.pitches()
    if program == 52:  # choir aahs speak slowly (~0.1 s): each onset within one 16th of its place
        assert np.abs(np.array(onsets(got.melody)) - onsets(want)).max() <= 1
    else:  # the last note rings on (its release and reverb): its length is not compared
        assert lengths(got.melody)[:-1] == lengths(want)[:-1]


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 44_100, 48_000, 96_000])
def test_every_sample_rate_from_8_to_96_khz(rate):
    want = tune("4/4 scale", 100)
    got = heard(sung(want, rate=rate), want, rate=rate)
    assert seed_text(got.melody) == seed_text(want)


def test_stereo_is_mixed_to_one_voice():
    want = tune("3/4 waltz", 100)
    recording = read_recording(wav_bytes(sung(want), channels=2), "stereo.wav")
    assert recording.channels == 2
    assert seed_text(transcribe(recording, "3/4", tempo=100).melody) == seed_text(want)


@pytest.mark.parametrize(
    "container, codec, suffix",
    [("mp3", "mp3", "mp3"), ("ipod", "aac", "m4a"), ("ogg", "libopus", "ogg"), ("flac", "flac", "flac")],
)
def test_compressed_recordings_as_phones_and_browsers_send_them(container, codec, suffix):
    want = tune("4/4 scale", 100)
    recording = read_recording(encoded(sung(want), container, codec), f"take.{suffix}")
    assert seed_text(transcribe(recording, tempo=100).melody) == seed_text(want)


# --- bad recordings: a plain answer each, quickly -------------------------------------------


def _sung_take(seconds: float | None = None, rate: int = 44_100) -> bytes:
    samples = sung(tune("4/4 scale", 100), rate=rate)
    return wav_bytes(samples if seconds is None else samples[: int(seconds * rate)], rate=rate)


# case -> (file name, bytes, what the answer says); docs/bad-inputs.md lists each with its message
RECORDING_CASES = {
    "recording-silence": ("quiet.wav", lambda: wav_bytes(np.zeros(3 * 44_100, np.float32)), "silent"),
    "recording-noise": ("street.wav", lambda: wav_bytes(noise()), "No singing heard, only noise"),
    "recording-chord": ("chord.wav", lambda: wav_bytes(chord()), "many sounds at once"),
    "recording-band": ("band.wav", lambda: wav_bytes(chord((48, 55, 60, 64, 67, 72))), "many sounds at once"),
    "recording-speech-like": ("talk.wav", lambda: wav_bytes(glides()), "sounds like speaking"),
    "recording-half-second": ("short.wav", lambda: _sung_take(0.5), "at least 1 second"),
    "recording-empty": ("empty.wav", lambda: b"", "is empty"),
    "recording-corrupt-wav": (
        "corrupt.wav",
        lambda: b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\xff" * 40,
        "not a recording",
    ),
    "recording-png": ("picture.wav", lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), "not a recording"),
    "recording-pdf-as-mp3": ("handout.mp3", lambda: b"%PDF-1.4 " + bytes(500), "not a recording"),
    "recording-random-bytes": ("random.ogg", lambda: np.random.default_rng(3).bytes(50_000), "not a recording"),
    "recording-huge": ("huge.wav", lambda: bytes(MAX_RECORDING_BYTES + 1), "at most 12 MB"),
    "recording-4-khz": ("phone.wav", lambda: _sung_take(rate=4_000), "records at 44,100"),
}


def answer(case: str) -> str:
    """The message a bad recording gets (reading, then hearing it), within 3 s."""
    name, data, _ = RECORDING_CASES[case]
    started = time.perf_counter()
    with pytest.raises(UserError) as raised:
        transcribe(read_recording(data(), name))
    assert time.perf_counter() - started < 3
    return str(raised.value)


@pytest.mark.parametrize("case", sorted(RECORDING_CASES))
def test_a_bad_recording_gets_a_plain_answer(case):
    assert RECORDING_CASES[case][2] in answer(case)


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng (Debian) is not installed")
@pytest.mark.parametrize("voice, words", [("en", "Good morning everyone. Today we will listen to some folk songs."),
                                          ("de", "Guten Morgen. Heute hören wir ein paar Volkslieder.")])  # fmt: skip
def test_real_synthesized_speech(tmp_path, voice, words):
    path = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), words], check=True, timeout=30)
    with pytest.raises(NothingHeard, match="sounds like speaking"):
        transcribe(read_recording_file(path))


def test_clipping_is_heard_through_and_said():
    want = tune("4/4 scale", 100)
    got = heard(sung(want) * 6, want)  # six times too loud: flat tops
    assert seed_text(got.melody) == seed_text(want)
    assert any("clipped" in said for said in got.notes)


def test_over_30_seconds_is_cut_and_said():
    long_take = np.concatenate([sung(tune("4/4 scale", 100))] * 8)  # 8 x 5.6 s
    recording = read_recording(wav_bytes(long_take), "long.wav")
    assert recording.seconds == 30.0 and "first 30 s were used" in recording.notes[0]


def test_a_truncated_mp3_reads_what_is_there_or_says_why():
    whole = encoded(sung(tune("4/4 scale", 100)), "mp3", "mp3")
    try:
        recording = read_recording(whole[: len(whole) // 3], "cut.mp3")
    except RecordingProblem as problem:
        assert "cut.mp3" in str(problem)
    else:
        assert 1.0 <= recording.seconds < 3.0


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.wav"
    with open(path, "wb") as out:
        out.truncate(MAX_RECORDING_BYTES + 1)  # sparse: nothing written
    with pytest.raises(RecordingProblem, match="at most 12 MB"):
        read_recording_file(path)
    with pytest.raises(RecordingProblem, match="at most 12 MB"):
        read_recording(b"\0" * (MAX_RECORDING_BYTES + 1), "huge.wav")


def test_decoding_is_bounded_in_time(monkeypatch):
    monkeypatch.setattr("melody.songs.recording.MAX_DECODE_S", -1.0)
    with pytest.raises(RecordingProblem, match="takes too long"):
        read_recording(wav_bytes(sung(tune("4/4 scale", 100))), "slow.wav")


# --- speed ----------------------------------------------------------------------------------


def test_ten_seconds_take_well_under_half_a_second_of_one_core():
    """The benchmark's row (scripts/benchmark.py) is 10 s of real singing <= 0.5 s on one core:
    swift-f0 runs on one thread, so its CPU time is one core's time."""
    recording = read_recording_file(VOCADITO, max_seconds=10)
    transcribe(recording)  # loaded
    started = time.process_time()
    transcribe(recording)
    assert time.process_time() - started <= 0.5


def test_the_first_take_after_a_cold_start_within_two_seconds():
    """A fresh process: imports, the tracker's start and 10 s of singing (the benchmark's row)."""
    from devtools.benchmark import transcribe_cold_s

    assert transcribe_cold_s() <= 2.0
    assert RATE == 16_000
