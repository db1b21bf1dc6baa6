"""Sound a room can hear: BS.1770 loudness, the WAV's level, start and tail, the MIDI's
pickup bar and the download names."""

import io
import math
import wave

import numpy as np
import pytest

from melody.core.melody import STEP_QL, Melody
from melody.output import files, loudness, midi, sound

RATE = 48000
# BS.1770-4's published K-weighting coefficients at 48 kHz: (b, a) of each stage
SHELF_48K = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
HIGH_PASS_48K = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
JIG = Melody(tuple("67 _ 71 _ _ _ 74 _ 71 _ 67 _ 69 _ _ _ 66 _ 62 _ _ _ _ _ _ _".split()), meter="6/8", pickup=2)


def _sine(amplitude: float, hz: float = 997.0, seconds: float = 5.0, rate: int = RATE) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


def _direct_form(x, b, a):
    """The textbook biquad recursion, one sample at a time (the reference)."""
    y, x1, x2, y1, y2 = np.zeros(len(x)), 0.0, 0.0, 0.0, 0.0
    for i, xi in enumerate(x):
        y[i] = b[0] * xi + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        x1, x2, y1, y2 = xi, x1, y[i], y1
    return y


def _wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as audio:
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        rate = audio.getframerate()
        return np.frombuffer(audio.readframes(audio.getnframes()), "<i2") / 32768.0, rate


def test_k_weighting_at_48_khz_is_the_published_filter():
    shelf, high_pass = loudness.k_weighting(48000)
    for (b, a), (want_b, want_a) in zip((shelf, high_pass), (SHELF_48K, HIGH_PASS_48K)):
        assert np.allclose(b, want_b, atol=1e-10) and np.allclose(a, want_a, atol=1e-10)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
@pytest.mark.parametrize("length", [1, 5, 734, 4000])
def test_the_vectorised_filter_is_the_recursion(rate, length):
    x = np.random.default_rng(length).standard_normal(length)
    sections = loudness.k_weighting(rate)
    want = _direct_form(_direct_form(x, *sections[0]), *sections[1])
    for rows in (1, 3, 1024):
        assert np.abs(loudness.filtered(x, sections, rows) - want).max() < 1e-6 * np.abs(want).max()


@pytest.mark.parametrize("rate", [22050, 48000])
def test_a_sine_reads_as_bs_1770_says(rate):
    assert loudness.integrated_lufs(_sine(1.0, rate=rate), rate) == pytest.approx(-3.01, abs=0.05)
    assert loudness.integrated_lufs(_sine(0.1, hz=1000.0, rate=rate), rate) == pytest.approx(-23.0, abs=0.1)
    assert loudness.peak_dbfs(_sine(0.1, rate=rate)) == pytest.approx(-20.0, abs=0.01)


def test_the_gates_drop_silence_and_quiet_parts():
    loud, quiet = _sine(0.1, seconds=4.0), _sine(0.001, seconds=4.0)  # -23 LUFS and -63 LUFS
    gated = loudness.integrated_lufs(np.concatenate([loud, np.zeros(4 * RATE), quiet]), RATE)
    # silence: absolute gate; -63: relative gate. Kept: 37 loud blocks and the 3 that are
    # 3/4, 2/4 and 1/4 loud as the sine stops (-1.2 to -6 dB, above the relative gate).
    assert gated == pytest.approx(-23.0 + 10 * math.log10(38.5 / 40), abs=0.02)


@pytest.mark.parametrize("audio", [np.zeros(RATE), np.zeros(0), np.zeros(10), _sine(1e-6)])
def test_silence_has_no_loudness_and_gets_no_gain(audio):
    assert loudness.integrated_lufs(audio, RATE) == -math.inf
    assert loudness.normalisation_gain_db(audio, RATE) == 0.0
    assert np.array_equal(loudness.normalised(audio, RATE), audio)


def test_normalising_reaches_the_target_unless_the_peak_would_pass_the_ceiling():
    sine = loudness.normalised(_sine(0.01), RATE)
    assert loudness.integrated_lufs(sine, RATE) == pytest.approx(-16.0, abs=0.01)
    clicks = np.zeros(5 * RATE)
    clicks[:: RATE // 2] = 0.5  # very peaky: -16 LUFS would need a peak far over full scale
    assert loudness.peak_dbfs(loudness.normalised(clicks, RATE)) == pytest.approx(-1.0, abs=0.01)


def test_a_short_sound_is_one_block():
    assert loudness.integrated_lufs(_sine(0.1, seconds=0.2), RATE) == pytest.approx(-23.0, abs=0.2)


@pytest.mark.parametrize("synth", ["fluidsynth", "pretty_midi"])
def test_the_wav_is_at_minus_16_lufs_starts_at_once_and_rings_for_at_most_a_second(synth, monkeypatch):
    if synth == "fluidsynth" and sound.synthesizer() != "fluidsynth":
        pytest.skip("FluidSynth or a General MIDI SoundFont is not installed")
    monkeypatch.setattr(sound, "synthesizer", lambda: synth)
    melody = Melody(("r", "_", "_", "_") + JIG.steps * 3, meter="6/8", tempo=120.0)  # opens with a rest
    audio, rate = _wav(sound.to_wav_bytes(melody))
    assert loudness.integrated_lufs(audio, rate) == pytest.approx(-16.0, abs=0.5)
    assert loudness.peak_dbfs(audio) <= -0.9
    sounding = np.flatnonzero(np.abs(audio) > 10 ** (-50 / 20))
    assert sounding[0] / rate < 0.01  # the rest is not played: the first note starts the WAV
    notes_s = (len(melody) - 4) * STEP_QL * 60 / melody.tempo  # the melody ends with a note
    assert notes_s <= len(audio) / rate <= notes_s + sound.WAV_TAIL_S + 0.01
    assert np.abs(audio[-10:]).max() < 1e-3  # faded out: no click at the end


def test_a_pickup_is_a_short_first_bar_in_the_midi():
    for melody, short in (
        (JIG, (1, 8)),
        (JIG.replace(meter="4/4", pickup=4), (1, 4)),
        (JIG.replace(pickup=3), (3, 16)),
    ):
        pm = midi.to_pretty_midi(melody)
        assert min(note.start for note in pm.instruments[0].notes) == 0.0  # no silence before the pickup
        signatures = [(s.numerator, s.denominator, s.time) for s in pm.time_signature_changes]
        barline = melody.pickup * STEP_QL * 60 / melody.tempo
        meter = tuple(int(x) for x in melody.meter.split("/"))
        assert signatures[0] == (*short, 0.0) and signatures[1][:2] == meter
        assert signatures[1][2] == pytest.approx(barline, abs=1e-3)
    plain = midi.to_pretty_midi(JIG.replace(pickup=0))
    assert [(s.numerator, s.denominator, s.time) for s in plain.time_signature_changes] == [(6, 8, 0.0)]
    assert midi.pickup_signature(JIG.replace(pickup=0)) is None


def test_download_names_are_safe_short_and_say_what_they_hold():
    jig = JIG.replace(key="G major")
    assert files.download_name(jig, 48213, ".mid") == "folk-melody-48213-g-major-6-8.mid"
    assert files.download_name(jig.replace(key="F# minor"), None, "wav") == "folk-melody-f-sharp-minor-6-8.wav"
    named = files.download_name(jig.replace(title="Ein Lied über «Brücken» / ../x " * 9, key="Bb major"), 3, ".xml")
    stem, suffix = named.rsplit(".", 1)
    assert suffix == "xml" and stem.startswith("ein-lied-uber-brucken-x-ein") and stem.endswith("-3-b-flat-major-6-8")
    assert len(stem) <= files.MAX_NAME_CHARS and set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert files.download_name(jig.replace(title="日本の歌"), 7, ".musicxml") == "folk-melody-7-g-major-6-8.musicxml"
