"""Sound: FluidSynth in this process (General MIDI SoundFont), or pretty_midi's own synthesis
without it; mono WAV at -16 LUFS, cut and faded cleanly."""

from __future__ import annotations

import io
import os
import threading
import wave
from typing import NamedTuple

import numpy as np

from melody.core.melody import STEP_QL, Melody
from melody.core.quiet import quiet_import
from melody.output import loudness
from melody.output.midi import (
    ACCOMPANIMENT_PROGRAM,
    ACCOMPANIMENT_VOLUME,
    DEFAULT_PROGRAM,
    GM_DEFAULT_VOLUME,
    to_pretty_midi,
)

# in the WAV the guitar's strings are damped after each chord: its release 4 times shorter (0.8 s -> 0.2 s,
# a SoundFont 2.01 NRPN), which keeps the pattern clear and the synthesis of 16 bars ~15 ms shorter
ACCOMPANIMENT_RELEASE_TIMECENTS = -2400


SOUNDFONT_PATHS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")


WAV_SAMPLE_RATE = 22050  # Hz, mono: enough for a melody, half the bytes of CD rate


WAV_TAIL_S = 1.0  # seconds of sound kept after the last note ends (its release and the reverb)


FADE_S = 0.05  # the WAV's last 50 ms fade to silence: no click where the tail is cut


def find_soundfont() -> str | None:
    """A General MIDI SoundFont on this machine, or None."""
    for path in (os.environ.get("FOLK_SOUNDFONT", ""), *SOUNDFONT_PATHS):
        if path and os.path.isfile(path):
            return path
    return None


class _FluidSynth:
    """One FluidSynth synthesizer in this process, the General MIDI SoundFont loaded once
    (dynamic sample loading: only the samples a melody plays are read, ~25 MB), shared by
    every request under a lock. Rendering a song of 16 bars takes ~0.1 s this way against
    ~0.38 s for a ``fluidsynth`` process, whose start (loading the 148 MB SoundFont) was
    most of a click's wait (2-core AMD EPYC, one run)."""

    def __init__(self, soundfont: str, sample_rate: int):
        fluidsynth = quiet_import("fluidsynth")  # pyfluidsynth: ctypes over Debian's libfluidsynth (apt: fluidsynth)

        # the chorus effect is off: with reverb and chorus both on, rendering takes twice as long;
        # 16 voices hold a melody's notes with their releases (a piano note is 2 voices) and
        # render a song of 16 bars in ~75 ms instead of ~115 ms with the default 256; with the
        # accompaniment (a guitar note is 1 voice, its release shortened) 16 take from 256 at most
        # release tails 58 dB under the music (16 bars of 8ths, 60 to 240 quarters a minute)
        options = {"synth.chorus.active": 0, "synth.dynamic-sample-loading": 1, "synth.polyphony": 16}
        self.synth = fluidsynth.Synth(gain=0.8, samplerate=float(sample_rate), **options)
        self.font = self.synth.sfload(soundfont)
        if self.font < 0:
            raise OSError(f"FluidSynth cannot load the SoundFont {soundfont}")
        self.sample_rate = sample_rate
        self.lock = threading.Lock()

    def play(self, parts: list[SynthPart], tail_s: float) -> np.ndarray:
        """Mono floats (full scale 1.0) of ``parts``, each on a MIDI channel of its own (0, 1,
        ...), and ``tail_s`` of release and reverb after the last note."""
        events = sorted(
            event
            for channel, part in enumerate(parts)
            for n in part.notes
            for event in ((n.start, 1, channel, n.pitch, n.velocity), (n.end, 0, channel, n.pitch, 0))
        )
        chunks, done = [], 0
        with self.lock:
            self.synth.system_reset()  # no voice, reverb or release change left over from the last melody
            for channel, part in enumerate(parts):
                self.synth.program_select(channel, self.font, 0, part.program)
                self.synth.cc(channel, 7, part.volume)
                if part.release_timecents:
                    self._offset_release(channel, part.release_timecents)
            for seconds, on, channel, pitch, velocity in events:
                due = round(seconds * self.sample_rate) - done
                if due > 0:
                    chunks.append(self.synth.get_samples(due))
                    done += due
                if on:
                    self.synth.noteon(channel, pitch, velocity)
                else:
                    self.synth.noteoff(channel, pitch)
            chunks.append(self.synth.get_samples(max(round(tail_s * self.sample_rate), 1)))
        interleaved = np.concatenate(chunks)  # 16-bit left, right, left, ...
        # left + right in float64: ~4 ms for a song of 16 bars, where sum(axis=1, dtype=...) took ~30
        return (interleaved[0::2].astype(np.float64) + interleaved[1::2]) / (2 * 32768.0)

    def _offset_release(self, channel: int, timecents: int) -> None:
        """Move ``channel``'s release times by ``timecents`` (-1200: half as long), in steps of
        256, with the SoundFont 2.01 NRPN: MSB 120, LSB the generator, then the data's most
        significant byte alone (data counts 2 timecents around 8192; FluidSynth applies either
        data byte at once, and `system_reset` takes the change back)."""
        data_msb = min(max(round((8192 + timecents / 2) / 128), 0), 127)
        for control, value in ((99, 120), (98, _RELEASE_GENERATOR), (6, data_msb)):
            self.synth.cc(channel, control, value)


class SynthPart(NamedTuple):
    """One instrument for `_FluidSynth.play`: pretty_midi Notes (seconds from 0), a General
    MIDI program, its channel volume (MIDI controller 7: 100 is General MIDI's default) and a
    change to its release time in timecents (0: as the SoundFont has it)."""

    notes: list
    program: int
    volume: int = GM_DEFAULT_VOLUME
    release_timecents: int = 0


_RELEASE_GENERATOR = 38  # SoundFont 2.01 generator: releaseVolEnv


_SYNTHS: dict[int, _FluidSynth | None] = {}  # sample rate -> synthesizer (None: unavailable here)


_SYNTHS_LOCK = threading.Lock()


def _fluidsynth(sample_rate: int) -> _FluidSynth | None:
    """The process's FluidSynth for ``sample_rate``, made on first use; None without
    libfluidsynth, pyfluidsynth or a SoundFont (then pretty_midi's synthesis plays)."""
    with _SYNTHS_LOCK:
        if sample_rate not in _SYNTHS:
            soundfont = find_soundfont()
            try:
                _SYNTHS[sample_rate] = _FluidSynth(soundfont, sample_rate) if soundfont else None
            except (ImportError, OSError):  # pyfluidsynth raises ImportError when the library is missing
                _SYNTHS[sample_rate] = None
        return _SYNTHS[sample_rate]


def synthesizer() -> str:
    """Which synthesizer `to_wav_bytes` will use: 'fluidsynth' or 'pretty_midi'."""
    return "fluidsynth" if _fluidsynth(WAV_SAMPLE_RATE) else "pretty_midi"


def to_wav_bytes(
    melody: Melody, program: int = DEFAULT_PROGRAM, sample_rate: int = WAV_SAMPLE_RATE, seconds: float | None = None
) -> bytes:
    """Mono 16-bit WAV: FluidSynth with a General MIDI SoundFont, else pretty_midi's sine
    synthesis; the accompaniment of the melody's chords under it, if it has chords. It starts
    with the first melody note and ends `WAV_TAIL_S` after the last note (of the melody or
    the accompaniment) ends (the release and reverb, faded out over the last `FADE_S` so
    there is no click). It is normalised to `loudness.TARGET_LUFS` (-16 LUFS integrated,
    BS.1770) unless that would lift a sample above `loudness.PEAK_CEILING_DBFS` (-1 dBFS):
    then the gain stops with the peak at -1 dBFS, and the WAV is quieter than -16 LUFS.
    ``seconds``: play only that much of the song (notes sounding then are cut there), so a
    very long song costs bounded work and memory (`melody.studio.budget`)."""
    audio, rate, end_s = _synthesized(melody, program, sample_rate, seconds)
    return _wav_bytes(_finished(audio, rate, end_s), rate)


def _synthesized(
    melody: Melody, program: int, sample_rate: int, seconds: float | None = None
) -> tuple[np.ndarray, int, float]:
    """The melody and its accompaniment (`sounding_parts`, the first ``seconds`` of them if
    given) played: mono floats (full scale 1.0), their sample rate, and the second at which
    the last note ends."""
    parts = sounding_parts(melody, program)
    if seconds is not None:
        parts = [part._replace(notes=_until(part.notes, seconds)) for part in parts]
    end_s = max((note.end for part in parts for note in part.notes), default=0.0)
    synth = _fluidsynth(sample_rate) if synthesizer() == "fluidsynth" else None  # (tests force pretty_midi)
    if synth:
        return synth.play(parts, WAV_TAIL_S + 0.5), sample_rate, end_s
    pretty_midi = quiet_import("pretty_midi")
    midi = pretty_midi.PrettyMIDI()
    for part in parts:  # sines, whose level is linear in velocity: scaled by the channel volume as much
        instrument, scale = pretty_midi.Instrument(part.program), part.volume / GM_DEFAULT_VOLUME
        for n in part.notes:
            instrument.notes.append(pretty_midi.Note(max(round(n.velocity * scale), 1), n.pitch, n.start, n.end))
        midi.instruments.append(instrument)
    return midi.synthesize(fs=sample_rate), sample_rate, end_s


def sounding_parts(melody: Melody, program: int = DEFAULT_PROGRAM) -> list[SynthPart]:
    """What the WAV plays: the melody on ``program`` and, if it has chords, the accompaniment
    (its program, volume and shortened release), timed from the first melody note (a rest
    the melody opens with is not played; accompaniment under it is cut there)."""
    midi = to_pretty_midi(melody, program, align_bars=False)
    first = next((event.start for event in melody.events() if event.pitch is not None), 0)
    shift_s = first * 60.0 / melody.tempo * STEP_QL
    parts = [SynthPart(_from_second(midi.instruments[0].notes, shift_s), program)]
    if melody.chords:
        backing = _from_second(midi.instruments[1].notes, shift_s)
        parts.append(SynthPart(backing, ACCOMPANIMENT_PROGRAM, ACCOMPANIMENT_VOLUME, ACCOMPANIMENT_RELEASE_TIMECENTS))
    return parts


def _from_second(notes, seconds: float) -> list:
    """pretty_midi Notes moved ``seconds`` earlier; what sounded before 0 starts at 0, what
    ended by then is gone."""
    pretty_midi = quiet_import("pretty_midi")

    return [
        pretty_midi.Note(note.velocity, note.pitch, max(note.start - seconds, 0.0), note.end - seconds)
        for note in notes
        if note.end - seconds > 1e-9
    ]


def _until(notes, seconds: float) -> list:
    """pretty_midi Notes up to ``seconds``: later ones gone, one sounding then cut there."""
    pretty_midi = quiet_import("pretty_midi")

    return [
        pretty_midi.Note(note.velocity, note.pitch, note.start, min(note.end, seconds))
        for note in notes
        if note.start < seconds
    ]


def _finished(audio: np.ndarray, rate: int, end_s: float) -> np.ndarray:
    """``audio`` cut `WAV_TAIL_S` after ``end_s`` (where the last note ends), faded out over
    its last `FADE_S`, normalised (`loudness.normalised`), as 16-bit samples."""
    if end_s > 0:
        audio = audio[: round((end_s + WAV_TAIL_S) * rate)]
    audio = np.array(audio, dtype=np.float64)  # a copy: the fade and the gain write into it
    fade = min(len(audio), round(FADE_S * rate))
    if fade:
        audio[-fade:] *= np.linspace(1.0, 0.0, fade)
    audio = loudness.normalised(audio, rate) * 32768.0
    return np.rint(np.clip(audio, -32768.0, 32767.0, out=audio), out=audio).astype("<i2")


def _wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
