"""The central `Melody` value and the symbols of the 16th-note encoding.

A melody is a series of steps on a 16th-note grid. Each step holds one symbol:

- a MIDI number as text (``"60"``) for a note that starts there,
- ``REST`` (``"r"``) for a rest that starts there,
- ``HOLD`` (``"_"``) for "whatever sounds goes on".

``END`` (``"/"``) closes a song in the model's symbol series; it never appears inside a
``Melody``. Everything else in the package (corpus, encoding, sampler, render, app)
passes ``Melody`` values around, never bare lists of strings.

    >>> m = Melody(("60", "_", "62", "_", "r", "_", "_", "_"), meter="2/4")
    >>> m.events()[0]
    NoteEvent(pitch=60, start=0, length=2)
    >>> m.transpose(2).steps[:3]
    ('62', '_', '64')
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import numbers
import re
from typing import NamedTuple

from melody.core.errors import MelodyError
from melody.core.pitch import (
    CHORD_QUALITIES,
    FLAT_NAMES,
    OPEN_FIFTH,
    PITCH_CLASSES,
    QUALITY_INTERVALS,
    QUALITY_SUFFIX,
    SHARP_NAMES,
    SYMBOL_QUALITIES,
    parse_key,
    transpose_key,
)
from melody.core.safe_text import clean

HOLD = "_"
REST = "r"
END = "/"
STEP_QL = 0.25  # one step is a 16th note: 0.25 quarter lengths
MIN_PITCH, MAX_PITCH = 0, 127
ACCEPTED_DURATIONS_QL = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
DEFAULT_METER = "4/4"
DEFAULT_TEMPO_BPM = 100.0
# The one tempo range (quarter notes per minute) of the command line, the studio and every
# writer: MIDI holds 3.58 to 60,000,000, MusicXML and the WAV synthesis any positive tempo,
# so every melody in this range writes, plays and reads back.
TEMPO_RANGE = (20.0, 400.0)
# digits are any Unicode decimal digits (\d), which int() reads: "３/４" is 3/4 as typed
# with a CJK input method, stored as "3/4" (the seed's tokens read digits the same way)
_METER_RE = re.compile(r"^(\d{1,4})\s*/\s*(\d{1,4})$")
_METER_UNITS = (1, 2, 4, 8, 16)
MAX_METER_COUNT = 99


class Chord(NamedTuple):
    """A triad that sounds from step ``start`` until the next chord (or the melody's end).

    ``root`` is a pitch class (0 = C, absolute, not relative to the key); ``quality`` one of
    `CHORD_QUALITIES`, or `OPEN_FIFTH` (root and fifth, "D5": a drone). 7ths, 6ths, sus chords
    and slash basses are reduced to their triad.
    """

    start: int
    root: int
    quality: str

    def pitch_classes(self) -> tuple[int, ...]:
        """The chord's pitch classes, root first, fifth last: ``Chord(0, 7, "major")`` -> (7, 11, 2),
        ``Chord(0, 2, "fifth")`` -> (2, 9)."""
        return tuple((self.root + step) % 12 for step in QUALITY_INTERVALS[self.quality])

    def symbol(self, flats: bool = False) -> str:
        """The chord as a lead-sheet symbol: ``"G"``, ``"Am"``, ``"Bdim"``, ``"Caug"``
        (black-key roots as sharps, or flats when ``flats``)."""
        names = FLAT_NAMES if flats else SHARP_NAMES
        return names[self.root % 12] + QUALITY_SUFFIX[self.quality]

    def transpose(self, semitones: int) -> Chord:
        return self._replace(root=(self.root + semitones) % 12)

    @classmethod
    def from_symbol(cls, text: str, start: int = 0) -> Chord | None:
        """The triad of a chord symbol in lead-sheet, music21 or the Nottingham tunes'
        spelling, starting at step ``start``: ``"F#m7"`` F# minor, ``"B-"`` Bb major, ``"Gd"``
        G diminished, ``"Fa7"`` F augmented, ``"Gsus4"`` G major, ``"D/f+"`` D major (a slash
        bass is ignored), ``"D5"`` an open fifth; None for no chord (``"N.C."``, blank) or text that is not a chord.
        The one reader of chord symbols: files, MIDI text events and the chord corpus."""
        text = text.strip().strip("()").strip().split("/", 1)[0]
        match = _CHORD_SYMBOL.match(text)
        if not match or text.upper().startswith(("N.C", "NC")):
            return None
        letter, accidental, rest = match.groups()
        root = (PITCH_CLASSES[letter] + {"#": 1, "b": -1, "-": -1, "": 0}[accidental]) % 12
        if rest.strip() in (QUALITY_SUFFIX[OPEN_FIFTH], "power"):  # "D5", music21's "Dpower": an open fifth
            return cls(start, root, OPEN_FIFTH)
        quality = "major"
        for pattern, name in _CHORD_QUALITY_WORDS:
            found = pattern.match(rest)
            if found:
                quality, rest = name, rest[found.end() :]
                break
        return cls(start, root, quality) if _CHORD_EXTENSION.match(rest) else None


class NoteEvent(NamedTuple):
    """One note (``pitch`` a MIDI number) or rest (``pitch`` None), in steps of a 16th."""

    pitch: int | None
    start: int
    length: int


def is_pitch(symbol: str) -> bool:
    """True when ``symbol`` is a MIDI number (0 to 127) written as text."""
    return symbol.isdigit() and MIN_PITCH <= int(symbol) <= MAX_PITCH


def canonical_meter(meter: str) -> str:
    """``meter`` checked and written one way: ``"04/4"``, ``" 4/4\\n"``, ``"4 / 4"`` and
    ``"４/４"`` are all ``"4/4"``; raises MelodyError for what the 16th-note grid cannot hold."""
    if not isinstance(meter, str):
        raise MelodyError(f"meter {meter!r} is not of the form N/D, e.g. 4/4, 3/4, 6/8")
    match = _METER_RE.match(meter.strip())
    if not match:
        raise MelodyError(f"meter {meter!r} is not of the form N/D, e.g. 4/4, 3/4, 6/8")
    count, unit = int(match.group(1)), int(match.group(2))
    if unit not in _METER_UNITS or count < 1:
        raise MelodyError(
            f"meter {meter!r} is finer than the 16th-note grid (or has no beats); use N/1, N/2, N/4, N/8 or N/16"
        )
    if count > MAX_METER_COUNT:
        raise MelodyError(f"meter {meter!r} has {count} beats in a bar; use 1 to {MAX_METER_COUNT}, e.g. 4/4")
    return f"{count}/{unit}"


def bar_steps(meter: str) -> int:
    """Length of one bar of ``meter`` (e.g. ``"6/8"``) in 16th-note steps."""
    count, unit = (int(part) for part in canonical_meter(meter).split("/"))
    return count * 16 // unit


def clamp_tempo(bpm: float) -> float:
    """A tempo read from a file, moved into `TEMPO_RANGE` (NaN, infinite or not a number:
    `DEFAULT_TEMPO_BPM`), so a song with an odd tempo mark is still read."""
    try:
        bpm = float(bpm)
    except (TypeError, ValueError):
        return DEFAULT_TEMPO_BPM
    if not math.isfinite(bpm):
        return DEFAULT_TEMPO_BPM
    low, high = TEMPO_RANGE
    return min(max(bpm, low), high)


def check_tempo(tempo) -> None:
    """Raise MelodyError unless ``tempo`` is a number in `TEMPO_RANGE`."""
    low, high = TEMPO_RANGE
    span = f"{low:g} to {high:g} quarter notes per minute"
    if isinstance(tempo, bool) or not isinstance(tempo, numbers.Real):
        raise MelodyError(f"tempo {tempo!r} must be a positive number of beats per minute, {span}")
    shown = f"{float(tempo):g}"
    if float(shown) != tempo and math.isfinite(tempo):
        shown = repr(float(tempo))  # 400.0001, never "400"
    if not (math.isfinite(tempo) and tempo > 0):
        raise MelodyError(f"tempo {shown} must be a positive number of beats per minute, {span}")
    if not low <= tempo <= high:
        raise MelodyError(f"tempo {shown} is outside {span}; give a tempo in that range")


@dataclasses.dataclass(frozen=True)
class Melody:
    """A monophonic melody on a 16th-note grid.

    steps:  symbols, one per 16th note (MIDI number text, ``REST`` or ``HOLD``); a rest
            right after a rest is stored as ``HOLD`` (one spelling per melody).
    key:    e.g. ``"C major"``, ``"A minor"``: the key the pitches are written in.
    meter:  time signature, e.g. ``"3/4"``.
    pickup: length of the opening incomplete bar in steps (0: starts on a downbeat).
    tempo:  quarter notes per minute.
    title:  free text, for scores and file names (kept `safe_text.clean`: no control or
            bidirectional characters, at most `safe_text.TITLE_CHARS`).
    chords: the harmony under the melody (empty: none), `Chord` values in order of their
            ``start`` step, each sounding until the next; the first need not start at 0.
    phrases: the song's form (empty: none given), ``(first step, letter)`` per phrase in
            order, e.g. ``((0, "A"), (68, "A"), (132, "B"), (196, "A"))`` (`melody.generate.forms`).
    style:  the folk tradition it comes from or is to be continued in, a
            `melody.songs.traditions.TRADITIONS` id such as ``"chinese"`` ("": not said).
    """

    steps: tuple[str, ...]
    key: str = "C major"
    meter: str = DEFAULT_METER
    pickup: int = 0
    tempo: float = DEFAULT_TEMPO_BPM
    title: str = ""
    chords: tuple[Chord, ...] = ()
    phrases: tuple[tuple[int, str], ...] = ()
    style: str = ""

    def __post_init__(self) -> None:
        for index, symbol in enumerate(self.steps):
            if not (symbol in (HOLD, REST) or is_pitch(symbol)):
                raise MelodyError(f"step {index} holds {symbol!r}: not a MIDI number, 'r' or '_'")
        object.__setattr__(self, "steps", _one_rest_per_silence(self.steps))
        if self.steps and self.steps[0] == HOLD:
            raise MelodyError("a melody cannot start with '_' (there is nothing to hold)")
        parse_key(self.key)
        object.__setattr__(self, "meter", canonical_meter(self.meter))  # "04/4", " 4/4 " -> "4/4"
        bar = bar_steps(self.meter)
        if not 0 <= self.pickup < bar:
            raise MelodyError(f"pickup {self.pickup} must be 0 to {bar - 1} steps in {self.meter}")
        if self.steps and self.pickup > len(self.steps):
            raise MelodyError(
                f"the pickup ({self.pickup} sixteenths) is longer than the melody ({len(self.steps)}); "
                f"make it at most {len(self.steps)}, or 0 to start on a downbeat"
            )
        check_tempo(self.tempo)
        object.__setattr__(self, "chords", _checked_chords(self.chords, len(self.steps)))
        object.__setattr__(self, "phrases", _checked_phrases(self.phrases, len(self.steps)))
        if self.style and not (len(self.style) <= 32 and re.fullmatch(r"[a-z]+(-[a-z]+)*", self.style)):
            raise MelodyError(f"style {self.style[:40]!r} is not a tradition's id (e.g. 'german', 'irish-british')")
        if self.title:  # read from files and links: no control or bidi characters, bounded
            object.__setattr__(self, "title", clean(self.title))

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def bar_steps(self) -> int:
        """Steps in one bar of this melody's meter."""
        return bar_steps(self.meter)

    def bar_position(self, index: int) -> int:
        """Where step ``index`` falls in its bar: 0 is the downbeat."""
        return (index - self.pickup) % self.bar_steps

    def events(self) -> list[NoteEvent]:
        """The notes and rests, each with its start and length in steps."""
        events: list[NoteEvent] = []
        for index, symbol in enumerate(self.steps):
            if symbol == HOLD:
                last = events[-1]
                events[-1] = last._replace(length=last.length + 1)
            else:
                events.append(NoteEvent(None if symbol == REST else int(symbol), index, 1))
        return events

    def pitches(self) -> list[int]:
        """MIDI numbers of the notes, in order."""
        return [e.pitch for e in self.events() if e.pitch is not None]

    def transpose(self, semitones: int, key: str | None = None) -> Melody:
        """The same melody ``semitones`` higher (negative: lower), with its key moved."""
        moved = []
        for symbol in self.steps:
            if is_pitch(symbol):
                pitch = int(symbol) + semitones
                if not MIN_PITCH <= pitch <= MAX_PITCH:
                    raise MelodyError(f"transposing {symbol} by {semitones} leaves the MIDI range")
                symbol = str(pitch)
            moved.append(symbol)
        chords = tuple(chord.transpose(semitones) for chord in self.chords)
        return dataclasses.replace(
            self, steps=tuple(moved), key=key or transpose_key(self.key, semitones), chords=chords
        )

    def opening(self, bars: int = 2) -> Melody:
        """The pickup and the first ``bars`` full bars (e.g. to seed a new melody)."""
        return self.with_steps(self.steps[: self.pickup + bars * self.bar_steps])

    def with_steps(self, steps: tuple[str, ...] | list[str]) -> Melody:
        """A melody like this one (key, meter, pickup, tempo) with other steps; the chords and
        phrases, which belonged to the old steps, are dropped."""
        return dataclasses.replace(self, steps=tuple(steps), chords=(), phrases=())

    def bar_of(self, index: int) -> int:
        """The bar number of step ``index`` as a score numbers it (a pickup is bar 0)."""
        return (index - self.pickup) // self.bar_steps + 1 if index >= self.pickup else 0

    @property
    def form(self) -> str:
        """The letters of its phrases, e.g. "AABA" ("" when no form was given)."""
        return "".join(letter for _, letter in self.phrases)

    def with_chords(self, chords) -> Melody:
        """The same melody with ``chords`` (a sequence of `Chord`) under it."""
        return dataclasses.replace(self, chords=tuple(chords))

    def replace(self, **changes) -> Melody:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_events(cls, events: list[tuple[int | None, int]], **fields) -> Melody:
        """Build from ``(pitch or None, length in steps)`` pairs, played one after another."""
        steps: list[str] = []
        for pitch, length in events:
            if length < 1:
                raise MelodyError(f"event {pitch} lasts {length} steps; at least 1 is needed")
            steps.append(REST if pitch is None else str(pitch))
            steps.extend([HOLD] * (length - 1))
        return cls(tuple(steps), **fields)


def chords_at(chords, steps) -> list[Chord | None]:
    """The chord sounding at each of ``steps``: the last of ``chords`` (in order of start)
    starting at or before it; None before the first."""
    starts = [chord.start for chord in chords]
    return [chords[i - 1] if i else None for i in (bisect.bisect_right(starts, int(step)) for step in steps)]


def _checked_phrases(phrases, length: int) -> tuple[tuple[int, str], ...]:
    """``phrases`` as (start, letter) tuples, starts increasing within the melody, one capital letter each."""
    checked: list[tuple[int, str]] = []
    for start, letter in phrases:
        if not (isinstance(letter, str) and len(letter) == 1 and "A" <= letter <= "Z"):
            raise MelodyError(f"a phrase's letter must be one capital letter A-Z, not {letter!r}")
        if not 0 <= int(start) < max(length, 1) or (checked and int(start) <= checked[-1][0]):
            raise MelodyError(f"phrases must start at increasing steps inside the melody; {start} does not")
        checked.append((int(start), letter))
    return tuple(checked)


def _checked_chords(chords, length: int) -> tuple[Chord, ...]:
    checked: list[Chord] = []
    for chord in chords:
        if not isinstance(chord, Chord):
            try:
                chord = Chord(*chord)
            except TypeError:
                raise MelodyError(f"chord {chord!r} is not (start, root, quality)") from None
        start, root, quality = chord
        if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not 0 <= start < max(length, 1):
            raise MelodyError(f"chord {chord!r} starts outside the melody's {length} steps")
        if isinstance(root, bool) or not isinstance(root, numbers.Integral) or not 0 <= root < 12:
            raise MelodyError(f"chord {chord!r} has root {root!r}; a root is a pitch class 0 to 11")
        if quality not in SYMBOL_QUALITIES:
            raise MelodyError(f"chord {chord!r} has quality {quality!r}; use one of {', '.join(SYMBOL_QUALITIES)}")
        if checked and start <= checked[-1].start:
            raise MelodyError(f"chords must start at increasing steps; {chord!r} follows {tuple(checked[-1])!r}")
        checked.append(Chord(int(start), int(root), quality))
    return tuple(checked)


def _one_rest_per_silence(steps) -> tuple[str, ...]:
    """``steps`` with a rest that follows a rest written as a hold: two rests in a row
    sound like one, and MIDI and scores (which split rests at barlines) cannot tell them
    apart, so every melody has one spelling and every format round-trips."""
    out, silent = [], False
    for symbol in steps:
        if symbol == REST and silent:
            symbol = HOLD
        elif symbol != HOLD:
            silent = symbol == REST
        out.append(symbol)
    return tuple(out)


_CHORD_SYMBOL = re.compile(r"^([A-G])([#b-]?)(.*)$")
# what follows a chord's root, in the order tried: quality words first, then any extension
_CHORD_QUALITY_WORDS = (
    (re.compile(r"^(m7b5|m7-5|ø)"), "diminished"),
    (re.compile(r"^(dim|d(?!d)|o|°)"), "diminished"),  # the Nottingham tunes write G diminished "Gd"
    (re.compile(r"^(aug|a(?!dd)|\+)"), "augmented"),  # ... and augmented "Ea", "Fa7"
    (re.compile(r"^(maj|M|Δ)"), "major"),
    (re.compile(r"^(min|mi|m|-)"), "minor"),
)
_CHORD_EXTENSION = re.compile(r"^(\d{0,2}|sus\d?|add\d+|[b#]\d+|\(.*\))*$")


ACCOMPANIMENT_NAME = "accompaniment"  # the MIDI track's and the score part's name; readers of the melody skip it


BASS_RANGE = (40, 51)  # MIDI numbers the bass root is placed in: E2 to Eb3


def chord_from_pitches(pitches, start: int = 0, hint: Chord | None = None) -> Chord | None:
    """The triad that best explains ``pitches`` (MIDI numbers sounding in one chord's span,
    the bass among them), starting at step ``start``: the most of its notes sounding and the
    fewest others; ties go to ``hint`` (e.g. the chord's written symbol), then to the triad
    whose root is the lowest pitch. None when nothing sounds and there is no hint."""
    pitches = list(pitches)
    if not pitches:
        return hint._replace(start=start) if hint else None
    sounding, bass = {pitch % 12 for pitch in pitches}, min(pitches) % 12

    def fit(chord: Chord) -> tuple:
        triad = set(chord.pitch_classes())
        matches_hint = hint is not None and (chord.root, chord.quality) == (hint.root, hint.quality)
        return len(sounding & triad) - len(sounding - triad), matches_hint, chord.root == bass

    candidates = [Chord(start, root, quality) for quality in CHORD_QUALITIES for root in range(12)]
    return max(candidates, key=fit)  # max keeps the first of equals: major before minor
