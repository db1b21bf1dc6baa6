"""Checks on a song file before any parser sees it: what could make music21 or mido work
hard is sized from the bytes, so a tiny hostile file is refused in milliseconds.

Each check raises `SongSkipped` (one reason per kind of problem, ``SKIP_REASONS``):

- bytes: at most ``MAX_FILE_BYTES`` per kind (a folk tune is a few kB in any format);
- control characters in ABC or kern text (binary junk music21 would turn into notes);
- counts of notes, bars, lines and tokens against `melody.songs.reading`'s song limits;
- meters (ABC ``M:``, kern ``*M``, MusicXML ``<beats>``) past 99 beats or a 64th unit,
  which music21 takes seconds to minutes to lay out;
- ABC note lengths, one by one and added up, against the note and song limits;
- ``.mxl`` archives: sized from their directory, every member checked as MusicXML.

    >>> check_file("abc", b"X:1\\nM:4/4\\nL:1/8\\nK:C\\nC4 D30000000\\n")   # doctest: +SKIP
    Traceback (most recent call last):
    SongSkipped: long_note: one lasts 15,000,000 quarters; at most 64 are read
"""

from __future__ import annotations

import io
import re
import zipfile
from fractions import Fraction

from melody.core.melody import STEP_QL
from melody.songs.reading import (
    MAX_NOTE_STEPS,
    MAX_PACKING_RATIO,
    MAX_SONG_BARS,
    MAX_SONG_NOTES,
    MAX_SONG_STEPS,
    MAX_UNPACKED_BYTES,
    SongSkipped,
    check_counts,
    quarters_text,
)

MAX_FILE_BYTES = {  # per kind; music21's bundled Essen ABC tunes are under 4 kB each
    "abc": 128 * 2**10,  # one tune
    "krn": 256 * 2**10,
    "musicxml": 2 * 2**20,  # a file, or each member of an .mxl
    "mid": 256 * 2**10,
}
MAX_XML_TAGS = 100_000  # a 300-note tune in MusicXML has about 4,000
MAX_MEMBERS = 100  # files in an .mxl archive (a score, its container, perhaps images)
MAX_BEATS, MAX_BEAT_UNIT = 99, 64
MAX_KERN_INTERPRETATIONS = 128  # kern '*' lines (meter, clef, key ...); music21 takes ~3 ms over each

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ABC_FIELD = re.compile(r"^[A-Za-z+]:")
_ABC_NOT_NOTES = re.compile(r'"[^"\n]*"|![^!\n]*!|\+[^+\n]*\+|\[[A-Za-z]:[^\]\n]*\]|%.*')
_ABC_NOTE = re.compile(r"[A-Ga-gzZx]")
_ABC_LENGTH = re.compile(r"[A-Ga-gxz][,']*(\d*)(/*)(\d*)")
_ABC_UNIT = re.compile(r"^L:\s*(\d{1,3})\s*/\s*(\d{1,3})|\[L:\s*(\d{1,3})\s*/\s*(\d{1,3})")
_ABC_METER = re.compile(r"^M:\s*(\d{1,3})\s*/\s*(\d{1,3})")
_METERS = {  # every meter a file writes: (beats, unit)
    "abc": re.compile(r"(?:^|\[)M:\s*(\d+)\s*/\s*(\d+)", re.M),
    "krn": re.compile(r"\*M(\d+)/(\d+)"),
    "musicxml": re.compile(r"<beats>\s*(\d+)\s*</beats>\s*<beat-type>\s*(\d+)\s*</beat-type>"),
}
_XML_NOTE = re.compile(rb"<note\b")
_XML_BAR = re.compile(rb"<measure\b")
_XML_TAG = re.compile(rb"<[A-Za-z]")


def check_file(fmt: str, data: bytes) -> None:
    """Every check that applies to a file of format ``fmt`` ("abc" for one tune's text,
    "krn", "musicxml" or "mid"), before it is parsed."""
    most = MAX_FILE_BYTES[fmt]
    if len(data) > most:
        raise SongSkipped(
            "too_large", f"{len(data) / 2**10:,.0f} kB; a song of this kind is at most {most // 2**10:,} kB"
        )
    if fmt == "mid":
        return
    if fmt == "musicxml" and data[:4] == b"PK\x03\x04":
        for member in mxl_members(data):
            check_file("musicxml", member)
        return
    text = data.decode("latin-1")
    _check_meters(text, fmt)
    if fmt == "musicxml":
        tags, notes, bars = len(_XML_TAG.findall(data)), len(_XML_NOTE.findall(data)), len(_XML_BAR.findall(data))
        if tags > MAX_XML_TAGS:
            raise SongSkipped("too_long", f"{tags:,} MusicXML elements")
        check_counts(notes, bars // 4)  # up to 4 parts (more are refused as polyphony once read)
        return
    bad = _CONTROL.search(text)
    if bad:
        raise SongSkipped("parse_error", f"control character {ord(bad.group()):#04x}: not a text file")
    lines = text.split("\n")
    if fmt == "abc":
        music = [_ABC_NOT_NOTES.sub("", line) for line in lines if not _ABC_FIELD.match(line)]
        check_counts(sum(len(_ABC_NOTE.findall(line)) for line in music), sum(line.count("|") for line in music))
        _check_abc_lengths(lines)
    else:  # kern: every line but comments is a moment, a barline or an interpretation music21 acts on
        body = [line for line in lines if line.strip() and not line.startswith("!")]
        tokens = sum(len(line.split()) for line in body)
        if len(body) > 2 * (MAX_SONG_NOTES + MAX_SONG_BARS) or tokens > 4 * MAX_SONG_NOTES:
            raise SongSkipped("too_long", f"{len(body):,} lines of {tokens:,} tokens")
        interpretations = sum(line[0] == "*" for line in body)
        if interpretations > MAX_KERN_INTERPRETATIONS:
            raise SongSkipped(
                "too_long", f"{interpretations:,} interpretation lines; at most {MAX_KERN_INTERPRETATIONS}"
            )
        check_counts(sum(line[0] not in "*=" for line in body), sum(line[0] == "=" for line in body))


def _check_meters(text: str, fmt: str) -> None:
    for beats, unit in _METERS[fmt].findall(text):
        if not 0 < int(beats) <= MAX_BEATS or not 0 < int(unit) <= MAX_BEAT_UNIT:
            raise SongSkipped("bad_meter", f"a meter of {beats}/{unit}; at most {MAX_BEATS} beats of a 64th or longer")


def _check_abc_lengths(lines: list[str]) -> None:
    """Refuse written ABC note lengths that are absurd (longer than MAX_NOTE_STEPS), far off
    the grid (not a multiple of 1/48 quarter), or that add up to more than a song may last,
    before music21 reads them: its re-barring of overflowing bars slows down with them."""
    unit, total = None, Fraction(0)
    for line in lines:
        meter, set_unit = _ABC_METER.match(line), _ABC_UNIT.search(line)
        if unit is None and meter and int(meter.group(2)):  # the default unit follows the first meter
            unit = Fraction(1, 16) if Fraction(int(meter.group(1)), int(meter.group(2))) < 0.75 else Fraction(1, 8)
        if set_unit:
            numerator, denominator = (int(g) for g in set_unit.groups() if g is not None)
            unit = Fraction(numerator, denominator or 1)
        if _ABC_FIELD.match(line):
            continue
        for number, slashes, divisor in _ABC_LENGTH.findall(_ABC_NOT_NOTES.sub("", line)):
            if len(number) > 9 or len(divisor) > 9:
                raise SongSkipped("long_note" if len(number) > 9 else "bad_duration", "a length of over 9 digits")
            parts = int(divisor) if divisor else 2 ** len(slashes)
            quarters = 4 * (unit or Fraction(1, 8)) * Fraction(int(number or 1), parts or 1)
            if quarters > MAX_NOTE_STEPS * STEP_QL:
                most = f"at most {MAX_NOTE_STEPS * STEP_QL:g} are read"
                raise SongSkipped("long_note", f"one lasts {quarters_text(quarters)} quarters; {most}")
            if (quarters * 48).denominator != 1:
                raise SongSkipped("bad_duration", f"a duration of {float(quarters):g} quarters")
            total += quarters
    if total > MAX_SONG_STEPS * STEP_QL:
        raise SongSkipped("too_long", f"it lasts {int(total / STEP_QL):,} sixteenths")


def mxl_members(data: bytes) -> list[bytes]:
    """The members of an .mxl archive other than its META-INF container, sized from the
    archive's directory before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise SongSkipped("parse_error", f"not a readable .mxl archive ({type(error).__name__})") from error
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if len(members) > MAX_MEMBERS:
        raise SongSkipped("unpacks_too_large", f"{len(members):,} files in the archive; at most {MAX_MEMBERS}")
    if unpacked > MAX_UNPACKED_BYTES:
        raise SongSkipped("unpacks_too_large", f"{unpacked / 2**20:,.0f} MB in {len(members)} files")
    if unpacked > 2**20 and unpacked > MAX_PACKING_RATIO * max(packed, 1):
        raise SongSkipped("unpacks_too_large", f"packed {unpacked // max(packed, 1):,} to 1, as no score packs")
    scores = [m for m in members if not m.filename.upper().startswith("META-INF/") and not m.is_dir()]
    try:
        return [archive.read(member) for member in scores]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as error:
        raise SongSkipped("parse_error", f"not a readable .mxl archive ({type(error).__name__})") from error
