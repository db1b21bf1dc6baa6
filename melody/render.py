"""Turning a `Melody` into things people can read and hear: MIDI, MusicXML, SVG, WAV.

Bars follow the melody's meter and pickup; notes that cross a barline are tied.

    >>> from melody.melody import Melody
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

import numpy as np

from . import loudness
from .melody import STEP_QL, Melody, tonic_pitch_class
from .storage import atomic_write_bytes

DEFAULT_PROGRAM = 0  # General MIDI: acoustic grand piano
SOUNDFONT_PATHS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")
WAV_SAMPLE_RATE = 22050  # Hz, mono: enough for a melody, half the bytes of CD rate
WAV_TAIL_S = 1.0  # seconds of sound kept after the last note ends (its release and the reverb)
MAX_TITLE_CHARS, MAX_NAME_CHARS = 40, 80  # of a download's name (before its suffix)
FADE_S = 0.05  # the WAV's last 50 ms fade to silence: no click where the tail is cut


def _bar_pieces(melody: Melody) -> list[tuple[int, int, int | None, int, str | None]]:
    """Events cut at barlines: (bar index, step in bar, pitch, length, tie type)."""
    bar = melody.bar_steps
    lead = (bar - melody.pickup) % bar  # where step 0 falls in the first bar
    pieces = []
    for event in melody.events():
        position, remaining, cut = event.start + lead, event.length, []
        while remaining:
            take = min(bar - position % bar, remaining)
            cut.append((position // bar, position % bar, take))
            position, remaining = position + take, remaining - take
        for i, (index, step, length) in enumerate(cut):
            tie = None
            if event.pitch is not None and len(cut) > 1:
                tie = "start" if i == 0 else "stop" if i == len(cut) - 1 else "continue"
            pieces.append((index, step, event.pitch, length, tie))
    return pieces


def to_music21(melody: Melody):
    """A music21 Score with one Part: title, key, meter, tempo, barlines and ties."""
    from music21 import clef, key, metadata, meter, note, stream, tempo, tie

    score = stream.Score()
    score.metadata = metadata.Metadata(title=melody.title or "Folk melody")
    part = stream.Part()
    bar = melody.bar_steps
    lead = (bar - melody.pickup) % bar
    measures: dict[int, stream.Measure] = {}
    flats = key.Key(*_music21_key(melody.key)).sharps < 0
    for index, step, pitch, length, tie_type in _bar_pieces(melody):
        if index not in measures:
            measures[index] = stream.Measure(number=index if melody.pickup else index + 1)
        element = note.Rest() if pitch is None else _spelled_note(pitch, flats)
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
    """MusicXML text of the melody (UTF-8)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return GeneralObjectExporter(to_music21(melody)).parse()


def to_svg(melody: Melody, width: int = 2100, scale: int = 40, musicxml: bytes | None = None) -> str:
    """The engraved score as SVG text (verovio from the MusicXML): title, key and time
    signature, barlines, ties across them. ``width`` is verovio's page width in its units;
    pass ``musicxml`` (from `to_musicxml_bytes`) if you have it already."""
    import verovio

    # One toolkit per call: cheap (milliseconds) and never shared between threads. Its fonts
    # are set explicitly: verovio's default resource path is only set in the importing thread.
    toolkit = verovio.toolkit(False)
    if not toolkit.setResourcePath(str(pathlib.Path(verovio.__file__).parent / "data")):
        raise RuntimeError("verovio's fonts are missing: reinstall with pip install -r requirements.txt")
    options = {"pageWidth": width, "adjustPageHeight": True, "scale": scale, "footer": "none", "breaks": "auto"}
    toolkit.setOptions({**options, "xmlIdSeed": 1})  # element ids from a fixed seed: same melody, same SVG
    if not toolkit.loadData((musicxml or to_musicxml_bytes(melody)).decode("utf-8")):
        raise ValueError("verovio could not read the MusicXML of this melody")
    return "".join(toolkit.renderToSVG(page) for page in range(1, toolkit.getPageCount() + 1))


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


def to_pretty_midi(melody: Melody, program: int = DEFAULT_PROGRAM, align_bars: bool = True, velocity: int = 90):
    """A pretty_midi object whose first note (or rest) starts at time 0. With ``align_bars``
    a pickup is a short first bar with its own time signature (`pickup_signature`), and the
    melody's meter starts at the first barline, so notation programs put every note in the
    right bar; without, the meter is simply set at 0 (for synthesis)."""
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
    instrument = pretty_midi.Instrument(program=program, name=melody.title or "melody")
    for event in melody.events():
        if event.pitch is not None:
            start, end = event.start * step_s, (event.start + event.length) * step_s
            instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=event.pitch, start=start, end=end))
    pm.instruments.append(instrument)
    return pm


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
        # render a song of 16 bars in ~75 ms instead of ~115 ms with the default 256
        options = {"synth.chorus.active": 0, "synth.dynamic-sample-loading": 1, "synth.polyphony": 16}
        self.synth = fluidsynth.Synth(gain=0.8, samplerate=float(sample_rate), **options)
        self.font = self.synth.sfload(soundfont)
        if self.font < 0:
            raise OSError(f"FluidSynth cannot load the SoundFont {soundfont}")
        self.sample_rate = sample_rate
        self.lock = threading.Lock()

    def play(self, notes, program: int, tail_s: float) -> np.ndarray:
        """Mono floats (full scale 1.0) of ``notes`` (pretty_midi Notes, seconds from 0) on a
        General MIDI ``program``, and ``tail_s`` of release and reverb after the last one."""
        events = sorted([(n.start, 1, n.pitch, n.velocity) for n in notes] + [(n.end, 0, n.pitch, 0) for n in notes])
        chunks, done = [], 0
        with self.lock:
            self.synth.system_reset()  # no voice or reverb left over from the last melody
            self.synth.program_select(0, self.font, 0, program)
            for seconds, on, pitch, velocity in events:
                due = round(seconds * self.sample_rate) - done
                if due > 0:
                    chunks.append(self.synth.get_samples(due))
                    done += due
                if on:
                    self.synth.noteon(0, pitch, velocity)
                else:
                    self.synth.noteoff(0, pitch)
            chunks.append(self.synth.get_samples(max(round(tail_s * self.sample_rate), 1)))
        stereo = np.concatenate(chunks).reshape(-1, 2)  # interleaved 16-bit left, right
        return stereo.sum(axis=1, dtype=np.float64) / (2 * 32768.0)


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


def to_wav_bytes(melody: Melody, program: int = DEFAULT_PROGRAM, sample_rate: int = WAV_SAMPLE_RATE) -> bytes:
    """Mono 16-bit WAV: FluidSynth with a General MIDI SoundFont, else pretty_midi's sine
    synthesis. It starts with the first note and ends `WAV_TAIL_S` after the last note ends
    (the release and reverb, faded out over the last `FADE_S` so there is no click). It is
    normalised to `loudness.TARGET_LUFS` (-16 LUFS integrated, BS.1770) unless that would
    lift a sample above `loudness.PEAK_CEILING_DBFS` (-1 dBFS): then the gain stops with
    the peak at -1 dBFS, and the WAV is quieter than -16 LUFS."""
    sounding = _from_first_note(melody)
    audio, rate = _synthesized(sounding, program, sample_rate)
    return _wav_bytes(_finished(audio, rate, sounding), rate)


def _from_first_note(melody: Melody) -> Melody:
    """The melody without the rest it may open with (its sound starts with the first note)."""
    first = next((event.start for event in melody.events() if event.pitch is not None), 0)
    return melody.replace(steps=melody.steps[first:], pickup=0) if first else melody


def _synthesized(melody: Melody, program: int, sample_rate: int) -> tuple[np.ndarray, int]:
    """The melody played from time 0: mono floats (full scale 1.0) and their sample rate."""
    midi = to_pretty_midi(melody, program, align_bars=False)
    synth = _fluidsynth(sample_rate) if synthesizer() == "fluidsynth" else None  # (tests force pretty_midi)
    if synth:
        return synth.play(midi.instruments[0].notes, program, WAV_TAIL_S + 0.5), sample_rate
    return midi.synthesize(fs=sample_rate), sample_rate


def _finished(audio: np.ndarray, rate: int, melody: Melody) -> np.ndarray:
    """``audio`` cut `WAV_TAIL_S` after the last note ends, faded out over its last
    `FADE_S`, normalised (`loudness.normalised`), as 16-bit samples."""
    notes = [event for event in melody.events() if event.pitch is not None]
    if notes:
        end_s = (notes[-1].start + notes[-1].length) * 60.0 / melody.tempo * STEP_QL + WAV_TAIL_S
        audio = audio[: round(end_s * rate)]
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
    """Everything the studio shows and offers for one melody."""

    midi: bytes
    musicxml: bytes
    svg: str
    wav: bytes


def render_all(melody: Melody, program: int = DEFAULT_PROGRAM) -> Renders:
    """MIDI, MusicXML, SVG score and WAV, one after another. (The WAV used to be made on a
    second thread while the score was engraved; with FluidSynth in this process that is
    slower: its per-note Python calls wait for the GIL that music21 holds, 0.38 s against
    0.27 s one after another for 16 bars on a 2-core AMD EPYC.)"""
    wav = to_wav_bytes(melody, program)
    musicxml = to_musicxml_bytes(melody)
    return Renders(to_midi_bytes(melody, program), musicxml, to_svg(melody, musicxml=musicxml), wav)


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
