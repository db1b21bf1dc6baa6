"""MusicXML written directly from a `Melody`: the melody's part, its chord symbols and,
when it has chords, an accompaniment part on a bass staff.

music21's exporter took 90-160 ms for a song of 16 bars (most of it in ``makeNotation``
and deep copies), the largest share of a studio click; this writer takes a few
milliseconds and writes only what a melody on a 16th-note grid needs:

- bars from the meter and pickup (a pickup is an implicit bar numbered 0; a last bar that
  completes it is short), notes that cross a barline tied;
- note values a score shows (16th to whole, dotted), longer values tied;
- spelling from the key (flats in flat keys, sharps otherwise), accidentals where the
  bar's earlier notes or the key signature differ, as a musician writes them;
- beams within each beat (a dotted quarter in 6/8, 9/8, 12/8; a quarter elsewhere), a
  second beam for 16ths, with hooks;
- title, key, time signature and tempo mark;
- chord symbols as ``<harmony>`` above the melody (at the note they start under, with an
  ``<offset>`` when a chord starts while a note is held) and the accompaniment
  (`accompaniment.notes`) as a second part, so the melody stays the first part every
  reader takes.

One division is one step (a 16th note). The output depends on the melody alone (no date,
no random ids), so the same melody gives the same bytes.

    >>> xml = to_musicxml_bytes(Melody(("60", "_", "62", "_")))
    >>> b"<step>D</step>" in xml
    True
"""

from __future__ import annotations

from typing import NamedTuple
from xml.sax.saxutils import escape

from melody.core.bars import Piece, bar_pieces, lead_steps, melody_pieces
from melody.core.melody import Melody
from melody.core.pitch import OPEN_FIFTH, QUALITY_SUFFIX, key_fifths, key_signature, parse_key, spelled

DIVISIONS = 4  # per quarter note: one division is one step
# note values a score writes, in steps, longest first: (type, dots)
_VALUES = (
    (16, "whole", 0),
    (12, "half", 1),
    (8, "half", 0),
    (6, "quarter", 1),
    (4, "quarter", 0),
    (3, "eighth", 1),
    (2, "eighth", 0),
    (1, "16th", 0),
)
_LETTERS = "CDEFGAB"
_ACCIDENTALS = {-1: "flat", 0: "natural", 1: "sharp"}


def _values(length: int) -> list[tuple[int, str, int]]:
    """A length in steps as written note values, longest first (5 -> quarter + 16th)."""
    out = []
    while length:
        value = next(v for v in _VALUES if v[0] <= length)
        out.append(value)
        length -= value[0]
    return out


def _beat_steps(meter: str) -> int:
    """The beam group: a dotted quarter in compound meters (6/8, 9/8, 12/8, 3/8), else a quarter."""
    count, unit = (int(x) for x in meter.split("/"))
    return 6 if unit == 8 and count % 3 == 0 else 4


class _Written(NamedTuple):
    at: int  # step from the bar's downbeat
    pitches: tuple[int, ...]
    length: int
    kind: str
    dots: int
    tie_stop: bool
    tie_start: bool


def _written(pieces: list[Piece]) -> list[_Written]:
    """One bar's pieces as note values, a piece longer than one value tied across its values."""
    out = []
    for piece in pieces:
        values = _values(piece.length)
        at = piece.at
        for i, (length, kind, dots) in enumerate(values):
            stop = bool(piece.pitches) and (i > 0 or piece.tie in ("stop", "continue"))
            start = bool(piece.pitches) and (i < len(values) - 1 or piece.tie in ("start", "continue"))
            out.append(_Written(at, piece.pitches, length, kind, dots, stop, start))
            at += length
    return out


def _beams(notes: list[_Written], beat: int) -> list[list[str]]:
    """Beam values (level 1, then level 2) of each written note: eighths and shorter in
    the same beat, not broken by a rest, are beamed; 16ths get a second beam or a hook."""
    beams: list[list[str]] = [[] for _ in notes]
    groups: list[list[int]] = []
    for index, note in enumerate(notes):
        beamable = note.pitches and note.length < 4 and note.at // beat == (note.at + note.length - 1) // beat
        if beamable and groups and groups[-1][-1] == index - 1 and notes[index - 1].at // beat == note.at // beat:
            groups[-1].append(index)
        elif beamable:
            groups.append([index])
    for group in (g for g in groups if len(g) > 1):
        for place, index in enumerate(group):
            beams[index].append("begin" if place == 0 else "end" if place == len(group) - 1 else "continue")
            if notes[index].kind != "16th":
                continue
            before = place > 0 and notes[group[place - 1]].kind == "16th"
            after = place < len(group) - 1 and notes[group[place + 1]].kind == "16th"
            if before and after:
                beams[index].append("continue")
            elif after:
                beams[index].append("begin")
            elif before:
                beams[index].append("end")
            else:
                beams[index].append("forward hook" if place == 0 else "backward hook")
    return beams


class _Speller:
    """Accidentals as written: the key signature's, then what earlier notes of the bar set
    (per letter and octave), reset at each barline."""

    def __init__(self, key: str):
        fifths = key_fifths(key)
        self.flats = fifths < 0
        self.signature = {letter: 0 for letter in _LETTERS} | key_signature(key)
        self.bar: dict[tuple[str, int], int] = {}

    def new_bar(self) -> None:
        self.bar = {}

    def pitch(self, midi: int, tied_over: bool) -> tuple[str, str]:
        """The <pitch> element and, where one is written, the <accidental>."""
        letter, alter, octave = spelled(midi, self.flats)
        current = self.bar.get((letter, octave), self.signature[letter])
        shown = ""
        if alter != current and not tied_over:  # a note tied over keeps its first accidental
            shown = f"<accidental>{_ACCIDENTALS[alter]}</accidental>"
            self.bar[(letter, octave)] = alter
        alter_text = f"<alter>{alter}</alter>" if alter else ""
        return f"<pitch><step>{letter}</step>{alter_text}<octave>{octave}</octave></pitch>", shown


def _note_xml(note: _Written, beams: list[str], speller: _Speller) -> str:
    """The <note> elements of one written note or chord (the first beamed)."""
    dots = "<dot/>" * note.dots
    if not note.pitches:
        return f"<note><rest/><duration>{note.length}</duration><type>{note.kind}</type>{dots}</note>"
    out = []
    for index, midi in enumerate(sorted(note.pitches)):
        pitch, accidental = speller.pitch(midi, note.tie_stop)
        ties = ('<tie type="stop"/>' if note.tie_stop else "") + ('<tie type="start"/>' if note.tie_start else "")
        tied = ('<tied type="stop"/>' if note.tie_stop else "") + ('<tied type="start"/>' if note.tie_start else "")
        beam = "".join(f'<beam number="{level + 1}">{value}</beam>' for level, value in enumerate(beams))
        out.append(
            "<note>"
            + ("<chord/>" if index else "")
            + f"{pitch}<duration>{note.length}</duration>{ties}<type>{note.kind}</type>{dots}"
            + accidental
            + (beam if index == 0 else "")
            + (f"<notations>{tied}</notations>" if tied else "")
            + "</note>"
        )
    return "".join(out)


MUSICXML_KIND = {OPEN_FIFTH: "power"}  # MusicXML's names where ours differ (triads: the same)


def _harmony_xml(root: int, quality: str, flats: bool, offset: int) -> str:
    letter, alter, _ = spelled(root, flats)
    alter_text = f"<root-alter>{alter}</root-alter>" if alter else ""
    offset_text = f"<offset>{offset}</offset>" if offset else ""
    text = QUALITY_SUFFIX[quality]
    return (
        f'<harmony print-frame="no"><root><root-step>{letter}</root-step>{alter_text}</root>'
        f'<kind text="{text}">{MUSICXML_KIND.get(quality, quality)}</kind>{offset_text}</harmony>'
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _attributes(melody: Melody, clef: str) -> str:
    count, unit = melody.meter.split("/")
    sign, line = ("F", 4) if clef == "bass" else ("G", 2)
    return (
        f"<attributes><divisions>{DIVISIONS}</divisions>"
        f"<key><fifths>{key_fifths(melody.key)}</fifths><mode>{parse_key(melody.key)[1]}</mode></key>"
        f"<time><beats>{count}</beats><beat-type>{unit}</beat-type></time>"
        f"<clef><sign>{sign}</sign><line>{line}</line></clef></attributes>"
    )


def _tempo_xml(tempo: float) -> str:
    shown = _number(round(tempo, 2))
    return (
        '<direction placement="above"><direction-type><metronome parentheses="no">'
        f"<beat-unit>quarter</beat-unit><per-minute>{shown}</per-minute></metronome></direction-type>"
        f'<sound tempo="{_number(tempo)}"/></direction>'
    )


def _bar_lengths(melody: Melody) -> list[int]:
    """Steps written in each bar: the pickup bar holds the pickup, a last bar what is left."""
    bar, lead = melody.bar_steps, lead_steps(melody)
    total = len(melody) + lead
    count = max(-(-total // bar), 1)
    lengths = [bar] * count
    lengths[0] -= lead
    if total % bar and count > 1:
        lengths[-1] = total % bar
    elif total % bar:
        lengths[0] = len(melody)
    return lengths


def _part_xml(
    melody: Melody, pieces: list[Piece], clef: str, harmonies: dict[int, list] | None, letters: dict | None = None
) -> str:
    """One <part>'s measures: ``pieces`` written bar by bar (gaps as rests), with the
    attributes and tempo in the first bar, ``harmonies`` (bar -> [(at, root, quality)]) and
    the form's ``letters`` (bar -> letter, boxed above the bar its phrase starts in)."""
    speller, beat, lead = _Speller(melody.key), _beat_steps(melody.meter), lead_steps(melody)
    by_bar: dict[int, list[Piece]] = {}
    for piece in pieces:
        by_bar.setdefault(piece.bar, []).append(piece)
    measures = []
    for index, length in enumerate(_bar_lengths(melody)):
        start = lead if index == 0 else 0  # the pickup bar's first step, from its downbeat
        filled, position = [], start
        for piece in by_bar.get(index, []):
            if piece.at > position:
                filled.append(Piece(index, position, (), piece.at - position, None))
            filled.append(piece)
            position = piece.at + piece.length
        if position < start + length:
            filled.append(Piece(index, position, (), start + length - position, None))
        speller.new_bar()
        written = _written(filled)
        beams = _beams(written, beat)
        chords = sorted((harmonies or {}).get(index, []))
        body = []
        for note, note_beams in zip(written, beams, strict=True):
            while chords and chords[0][0] < note.at + note.length:
                at, root, quality = chords.pop(0)
                body.append(_harmony_xml(root, quality, speller.flats, max(at - note.at, 0)))
            body.append(_note_xml(note, note_beams, speller))
        head = ""
        if index == 0:
            head = _attributes(melody, clef) + (_tempo_xml(melody.tempo) if clef == "treble" else "")
        if letters and index in letters:
            head += (
                '<direction placement="above"><direction-type><rehearsal enclosure="square" font-weight="bold">'
                f"{escape(letters[index])}</rehearsal></direction-type></direction>"
            )
        number = index if melody.pickup else index + 1
        implicit = ' implicit="yes"' if melody.pickup and index == 0 else ""
        measures.append(f'<measure number="{number}"{implicit}>{head}{"".join(body)}</measure>')
    return "".join(measures)


def _chord_marks(melody: Melody) -> dict[int, list]:
    """bar -> [(step from the downbeat, root, quality)] of the melody's chords."""
    lead, bar = lead_steps(melody), melody.bar_steps
    marks: dict[int, list] = {}
    for chord in melody.chords:
        position = chord.start + lead
        marks.setdefault(position // bar, []).append((position % bar, chord.root, chord.quality))
    return marks


def _phrase_marks(melody: Melody) -> dict[int, str]:
    """bar -> the letter of the phrase that starts in it (the form, `Melody.phrases`)."""
    lead, bar = lead_steps(melody), melody.bar_steps
    return {(start + lead) // bar: letter for start, letter in melody.phrases}


def to_musicxml_bytes(melody: Melody) -> bytes:
    """MusicXML (partwise, UTF-8) of the melody; with chords, the chord symbols above it
    and a second part, "Accompaniment", on a bass staff; with a form, its letters boxed
    above the bar each phrase starts in (rehearsal marks)."""
    title = escape(melody.title or "Folk melody")
    letters = _phrase_marks(melody)
    parts = [("P1", "Melody", _part_xml(melody, melody_pieces(melody), "treble", _chord_marks(melody), letters))]
    if melody.chords:
        from melody.chords import accompaniment

        events = [(a.pitches, a.start, a.length) for a in accompaniment.notes(melody)]
        parts.append(("P2", "Accompaniment", _part_xml(melody, bar_pieces(melody, events), "bass", None)))
    part_list = "".join(
        f'<score-part id="{pid}"><part-name print-object="no">{name}</part-name></score-part>' for pid, name, _ in parts
    )
    if len(parts) > 1:
        part_list = (
            '<part-group type="start" number="1"><group-symbol>brace</group-symbol></part-group>'
            + part_list
            + '<part-group type="stop" number="1"/>'
        )
    body = "".join(f'<part id="{pid}">{measures}</part>' for pid, _, measures in parts)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
        '"http://www.musicxml.org/dtds/partwise.dtd">\n'
        f'<score-partwise version="4.0"><work><work-title>{title}</work-title></work>'
        f"<movement-title>{title}</movement-title>"
        "<identification><encoding><software>Folk Melody Studio</software></encoding></identification>"
        f"<part-list>{part_list}</part-list>{body}</score-partwise>\n"
    )
    return text.encode("utf-8")
