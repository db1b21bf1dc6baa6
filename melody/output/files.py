"""What a click hands people: every render of a melody at once (`render_all`), download names
that say which melody it is, and files written by suffix (`write`: .mid, .musicxml, .wav, .abc
and a one-page .pdf handout).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import unicodedata

from melody.core.melody import Melody
from melody.core.storage import atomic_write_bytes
from melody.output.abc import to_abc
from melody.output.engrave import SCORE_WIDTH, to_musicxml_bytes, to_svg
from melody.output.handout import to_pdf_bytes
from melody.output.midi import DEFAULT_PROGRAM, to_midi_bytes
from melody.output.sound import to_wav_bytes

MAX_TITLE_CHARS, MAX_NAME_CHARS = 40, 80  # of a download's name (before its suffix)


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


WRITERS = {  # suffix -> bytes of (melody, General MIDI program, melody number, link); a score has no sound
    ".mid": lambda melody, program, number, link: to_midi_bytes(melody, program),
    ".midi": lambda melody, program, number, link: to_midi_bytes(melody, program),
    ".musicxml": lambda melody, program, number, link: to_musicxml_bytes(melody),
    ".xml": lambda melody, program, number, link: to_musicxml_bytes(melody),
    ".wav": lambda melody, program, number, link: to_wav_bytes(melody, program),
    ".pdf": lambda melody, program, number, link: to_pdf_bytes(melody, number, link),  # the handout
    ".abc": lambda melody, program, number, link: to_abc(melody, 1 if number is None else number).encode(),
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


def write(
    melody: Melody, path: str | os.PathLike, program: int = DEFAULT_PROGRAM, number: int | None = None,
    link: str | None = None,
) -> pathlib.Path:  # fmt: skip
    """Write ``melody`` to ``path`` atomically; the format follows the suffix (a .pdf handout
    prints the melody ``number`` and its ``link`` with a QR code)."""
    path = pathlib.Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"{path}: unknown output type; use one of {', '.join(sorted(WRITERS))}")
    atomic_write_bytes(path, writer(melody, program, number, link))
    return path
