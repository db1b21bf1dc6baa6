"""Turning a `Melody` into things people can read and hear: MIDI, MusicXML, SVG, WAV.

Bars follow the melody's meter and pickup; notes that cross a barline are tied.

    >>> from melody.core.melody import Melody
    >>> midi_bytes = to_midi_bytes(Melody(("60", "_", "62", "_")))
    >>> midi_bytes[:4]
    b'MThd'
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pathlib
import re
import sys
import threading
import unicodedata
import wave
from typing import NamedTuple

import numpy as np

from melody.chords import accompaniment
from melody.core.melody import STEP_QL, Melody, parse_key, tonic_pitch_class
from melody.core.storage import atomic_write_bytes
from melody.output import loudness, musicxml
from melody.output.musicxml import melody_pieces

DEFAULT_PROGRAM = 0  # General MIDI: acoustic grand piano
ACCOMPANIMENT_PROGRAM = 24  # General MIDI: nylon-string guitar, the chords under the melody's piano
MELODY_VELOCITY = 90
GM_DEFAULT_VOLUME = 100  # MIDI controller 7 (channel volume) where a file sets none: the melody's
# The accompaniment under the melody: played softly (velocity) on a channel turned down (controller 7, in
# the MIDI file too). Alone in the WAV its RMS is 8-11 dB below the melody's alone (piano melody, FluidR3_GM:
# 9.3 dB in 4/4 and 3/4, 8.2 in 2/4, 10.9 in 6/8's broken chords; tests/test_accompaniment.py). Only the
# product counts: General MIDI's level curve is 40 log10 of velocity x volume.
ACCOMPANIMENT_VELOCITY = 60
ACCOMPANIMENT_VOLUME = 45
# in the WAV the guitar's strings are damped after each chord: its release 4 times shorter (0.8 s -> 0.2 s,
# a SoundFont 2.01 NRPN), which keeps the pattern clear and the synthesis of 16 bars ~15 ms shorter
ACCOMPANIMENT_RELEASE_TIMECENTS = -2400
SOUNDFONT_PATHS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")
WAV_SAMPLE_RATE = 22050  # Hz, mono: enough for a melody, half the bytes of CD rate
WAV_TAIL_S = 1.0  # seconds of sound kept after the last note ends (its release and the reverb)
MAX_TITLE_CHARS, MAX_NAME_CHARS = 40, 80  # of a download's name (before its suffix)
SCORE_WIDTH = 2100  # verovio page units of a score on a screen (about 6 bars a line)
PHONE_SCORE_WIDTH = 1000  # ... and on a 390-px phone: two or three bars a line, readable
FADE_S = 0.05  # the WAV's last 50 ms fade to silence: no click where the tail is cut


def to_music21(melody: Melody):
    """A music21 Score with one Part: title, key, meter, tempo, barlines and ties."""
    from music21 import clef, key, metadata, meter, note, stream, tempo, tie

    score = stream.Score()
    score.metadata = metadata.Metadata(title=melody.title or "Folk melody")
    part = stream.Part()
    bar = melody.bar_steps
    lead = musicxml.lead_steps(melody)
    measures: dict[int, stream.Measure] = {}
    flats = key.Key(*_music21_key(melody.key)).sharps < 0
    for index, step, pitches, length, tie_type in melody_pieces(melody):
        if index not in measures:
            measures[index] = stream.Measure(number=index if melody.pickup else index + 1)
        element = _spelled_note(pitches[0], flats) if pitches else note.Rest()
        element.quarterLength = length * STEP_QL
        if tie_type:
            element.tie = tie.Tie(tie_type)
        shift = lead if index == 0 else 0
        measures[index].insert((step - shift) * STEP_QL, element)
    if not measures:
        measures[0] = stream.Measure(number=1)
    first = measures[min(measures)]
    first.insert(0, clef.TrebleClef())
    first.insert(0, key.Key(*_music21_key(melody.key)))
    first.insert(0, meter.TimeSignature(melody.meter))
    first.insert(0, tempo.MetronomeMark(number=melody.tempo))
    if melody.pickup:
        first.paddingLeft = lead * STEP_QL
    last_index = max(measures)
    used = (len(melody) + lead) - last_index * bar  # steps filled in the last bar
    if 0 < used < bar and (last_index > 0 or not melody.pickup):
        measures[last_index].paddingRight = (bar - used) * STEP_QL  # a short last bar, not rests
    for index in sorted(measures):
        part.append(measures[index])
    score.insert(0, part)
    return score


def _music21_key(key_text: str) -> tuple[str, str]:
    """``"Bb major"`` -> ``("B-", "major")``: music21 writes flats as '-'."""
    tonic, mode = key_text.split()
    return tonic[0] + tonic[1:].replace("b", "-"), mode


def _spelled_note(midi: int, flats: bool):
    """A music21 Note for a MIDI number, spelled with flats in flat keys, and with no
    written accidental of its own (the key signature and the exporter decide)."""
    from music21 import note

    element = note.Note()
    element.pitch.midi = midi  # sharps for black keys, no explicit natural
    if flats and element.pitch.accidental is not None and element.pitch.accidental.name == "sharp":
        element.pitch = element.pitch.getEnharmonic()
    return element


def to_musicxml_bytes(melody: Melody) -> bytes:
    """MusicXML text of the melody (UTF-8), with its chords and accompaniment if it has
    chords (`musicxml.to_musicxml_bytes`: written directly, not through music21)."""
    return musicxml.to_musicxml_bytes(melody)


def to_svg(melody: Melody, width: int = SCORE_WIDTH, scale: int = 40, musicxml: bytes | None = None) -> str:
    """The engraved score as SVG text (verovio from the MusicXML): title, key and time
    signature, barlines, ties across them. ``width`` is verovio's page width in its units;
    pass ``musicxml`` (from `to_musicxml_bytes`) if you have it already."""
    return to_svgs(melody, (width,), scale, musicxml)[0]


def to_svgs(melody: Melody, widths=(SCORE_WIDTH,), scale: int = 40, musicxml: bytes | None = None) -> list[str]:
    """The score engraved at each page width of ``widths`` (e.g. wide for screens, narrow
    for phones): the MusicXML is read once and only the layout is redone for each further
    width (~26 ms instead of ~37 ms a width for 16 bars)."""
    toolkit = _toolkit()
    # one page however long the song (the tallest verovio allows): pages joined would not be one SVG image
    options = {"adjustPageHeight": True, "pageHeight": 60000, "scale": scale, "footer": "none", "breaks": "auto"}
    options |= {"xmlIdSeed": 1, "svgFormatRaw": True, "svgRemoveXlink": True}  # no indentation: a third smaller
    toolkit.setOptions({**options, "pageWidth": widths[0]})  # ids from a fixed seed: same melody, same SVG
    if not toolkit.loadData((musicxml or to_musicxml_bytes(melody)).decode("utf-8")):
        raise ValueError("verovio could not read the MusicXML of this melody")
    svgs = []
    for index, width in enumerate(widths):
        if index:
            toolkit.setOptions({"pageWidth": width})
            toolkit.redoLayout()
        svgs.append(toolkit.renderToSVG(1))
    return svgs


_TOOLKITS = threading.local()


def _toolkit():
    """This thread's verovio toolkit (made once a thread: ~6 ms; a toolkit is never shared
    between threads). Its fonts are set explicitly: verovio's default resource path is only
    set in the importing thread."""
    toolkit = getattr(_TOOLKITS, "toolkit", None)
    if toolkit is None:
        import verovio

        toolkit = verovio.toolkit(False)
        if not toolkit.setResourcePath(str(pathlib.Path(verovio.__file__).parent / "data")):
            raise RuntimeError("verovio's fonts are missing: reinstall with pip install -r requirements.txt")
        _TOOLKITS.toolkit = toolkit
    return toolkit


def _key_number(key_text: str) -> int:
    """pretty_midi's key number: 0-11 major from C, 12-23 minor from C."""
    return tonic_pitch_class(key_text) + (12 if key_text.endswith("minor") else 0)


def pickup_signature(melody: Melody) -> tuple[int, int] | None:
    """The time signature of the melody's pickup bar as a short bar of its own, e.g.
    (1, 4) for one beat before 4/4 and (1, 8) for an eighth before 6/8; None without a
    pickup. Counted in the meter's beat unit where it fits, else in 8ths or 16ths."""
    if not melody.pickup:
        return None
    unit = int(melody.meter.split("/")[1])
    for denominator in sorted({unit, 8, 16}):
        steps = 16 // denominator  # 16ths in one unit
        if melody.pickup % steps == 0:
            return melody.pickup // steps, denominator
    raise AssertionError("a pickup is a whole number of 16ths")


def quiet_import(name: str):
    """Import ``name`` with stdout silenced: pyfluidsynth (imported by pretty_midi too) prints
    where it found libfluidsynth when the environment sets CI, which would land in the output
    of generate.py. Import pretty_midi and fluidsynth through this."""
    import importlib

    if name not in sys.modules:
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    return sys.modules[name]


def to_pretty_midi(
    melody: Melody, program: int = DEFAULT_PROGRAM, align_bars: bool = True, velocity: int = MELODY_VELOCITY
):
    """A pretty_midi object whose first note (or rest) starts at time 0. With ``align_bars``
    a pickup is a short first bar with its own time signature (`pickup_signature`), and the
    melody's meter starts at the first barline, so notation programs put every note in the
    right bar; without, the meter is simply set at 0 (for synthesis). A melody with chords
    gets a second instrument, `accompaniment.ACCOMPANIMENT_NAME` on `ACCOMPANIMENT_PROGRAM`
    (`accompaniment.notes`), and each chord's symbol as a text event where it starts."""
    pretty_midi = quiet_import("pretty_midi")

    pm = pretty_midi.PrettyMIDI(initial_tempo=melody.tempo)
    step_s = 60.0 / melody.tempo * STEP_QL
    numerator, denominator = (int(x) for x in melody.meter.split("/"))
    short = pickup_signature(melody) if align_bars else None
    if short:
        pm.time_signature_changes.append(pretty_midi.TimeSignature(*short, 0.0))
    barline_s = melody.pickup * step_s if short else 0.0
    pm.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, barline_s))
    pm.key_signature_changes.append(pretty_midi.KeySignature(_key_number(melody.key), 0.0))
    name = melody.title or "melody"
    if name.strip().lower() == accompaniment.ACCOMPANIMENT_NAME:
        name = "melody"  # the accompaniment's name is the one track a reader of the melody skips
    instrument = pretty_midi.Instrument(program=program, name=name)
    for event in melody.events():
        if event.pitch is not None:
            start, end = event.start * step_s, (event.start + event.length) * step_s
            instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=event.pitch, start=start, end=end))
    pm.instruments.append(instrument)
    if melody.chords:
        backing = pretty_midi.Instrument(program=ACCOMPANIMENT_PROGRAM, name=accompaniment.ACCOMPANIMENT_NAME)
        for event in accompaniment.notes(melody):
            start, end = event.start * step_s, (event.start + event.length) * step_s
            backing.notes.extend(pretty_midi.Note(ACCOMPANIMENT_VELOCITY, pitch, start, end) for pitch in event.pitches)
        backing.control_changes.append(pretty_midi.ControlChange(7, ACCOMPANIMENT_VOLUME, 0.0))
        pm.instruments.append(backing)
        flats = _uses_flats(melody.key)
        pm.text_events.extend(pretty_midi.Text(chord.symbol(flats), chord.start * step_s) for chord in melody.chords)
    return pm


def _uses_flats(key_text: str) -> bool:
    """True when ``key_text``'s signature has flats (chord symbols then spell Bb, not A#)."""
    tonic, mode = parse_key(key_text)
    if len(tonic) > 1:
        return tonic.endswith("b")
    major = (tonic_pitch_class(key_text) + (3 if mode == "minor" else 0)) % 12
    return (major * 7 + 6) % 12 - 6 < 0  # sharps (negative: flats) on the circle of fifths


def to_midi_bytes(melody: Melody, program: int = DEFAULT_PROGRAM, align_bars: bool = True) -> bytes:
    """Standard MIDI file bytes of the melody."""
    buffer = io.BytesIO()
    to_pretty_midi(melody, program, align_bars).write(buffer)
    return buffer.getvalue()


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


@dataclasses.dataclass(frozen=True)
class Renders:
    """What the studio shows for one melody: its sound, its engraved score and the MusicXML
    behind the score. The MIDI is made when someone asks for it (`to_midi_bytes`: ~25 ms
    with an accompaniment, not spent on every click)."""

    wav: bytes
    musicxml: bytes
    svg: str


def render_all(
    melody: Melody, program: int = DEFAULT_PROGRAM, score_width: int = SCORE_WIDTH, sound_s: float | None = None
) -> Renders:
    """The WAV (its first ``sound_s`` seconds, if given), the MusicXML and the score at
    ``score_width`` (`SCORE_WIDTH` for screens, `PHONE_SCORE_WIDTH` for phones), one after
    another. (Engraving while a second thread synthesises is slower, not faster: verovio
    holds the GIL that FluidSynth's per-note Python calls wait for; 255 against 209 ms for
    16 bars with chords on a 2-core AMD EPYC.)"""
    wav = to_wav_bytes(melody, program, seconds=sound_s)
    musicxml = to_musicxml_bytes(melody)
    return Renders(wav, musicxml, to_svg(melody, width=score_width, musicxml=musicxml))


WRITERS = {  # suffix -> bytes of (melody, General MIDI program); a score has no instrument sound
    ".mid": to_midi_bytes,
    ".midi": to_midi_bytes,
    ".musicxml": lambda melody, program: to_musicxml_bytes(melody),
    ".xml": lambda melody, program: to_musicxml_bytes(melody),
    ".wav": to_wav_bytes,
}


def download_name(melody: Melody, number: int | None, suffix: str) -> str:
    """A file name for ``melody``: its title (or "folk-melody"), ``number`` if given, key
    and meter, e.g. ``folk-melody-48213-g-major-6-8.mid``; only a-z, 0-9 and '-' (the
    title's accents dropped), at most `MAX_NAME_CHARS` before the suffix (".mid", "wav")."""
    title = _slug(melody.title)[:MAX_TITLE_CHARS].strip("-") or "folk-melody"
    tonic, mode = melody.key.split()
    key = _slug(tonic.replace("#", " sharp").replace("b", " flat") if len(tonic) > 1 else tonic)
    parts = [title, *([] if number is None else [str(int(number))]), key, mode, melody.meter.replace("/", "-")]
    stem = "-".join(parts)[:MAX_NAME_CHARS].strip("-")
    extension = _slug(suffix)[:10]
    return f"{stem}.{extension}" if extension else stem


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: "Ein Lied!" -> "ein-lied"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def write(melody: Melody, path: str | os.PathLike, program: int = DEFAULT_PROGRAM) -> pathlib.Path:
    """Write ``melody`` to ``path`` atomically; the format follows the suffix."""
    path = pathlib.Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"{path}: unknown output type; use one of {', '.join(sorted(WRITERS))}")
    atomic_write_bytes(path, writer(melody, program))
    return path
