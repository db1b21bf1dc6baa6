"""The accompaniment under a melody's chords: a bass and the chord in a pattern for the meter.

One voice of events, each a bass note, a block chord or (in 6/8, 9/8, 12/8) one note of a
broken chord, laid out bar by bar:

- 2/4: bass, chord, fifth in the bass, chord in 8ths (a polka's oom-pah); above
  `QUARTER_FEEL_BPM` bass and chord in quarters;
- 3/4: bass, chord, chord; 4/4: bass, chord, fifth in the bass, chord (one each beat);
- 6/8, 9/8, 12/8: a broken chord in 8ths, bass then the triad up and back;
- any other meter: the bass on the bar's first beat, the chord on every other beat;
- an open fifth (`OPEN_FIFTH`, the drone under a Chinese song): held through the bar.

Where a chord starts inside a bar (or the pickup is short) the pattern starts again at the
chord, bass first, and is cut where the chord or the bar ends. The last bar holds the final
chord, bass and triad together, to the melody's end (a cadence, not a pattern). Events never
cross a barline, never overlap and never leave their chord's span.

Voicing: everything sounds under the melody. Each note of the accompaniment is below every
melody note sounding with it (a chord's whole span: a chord under a low note is voiced
lower for as long as it lasts, the bass under it). The triad is in close position, its top
never above `TRIAD_RANGE` nor the melody's middle (median) pitch nor at or above the lowest
melody note sounding while it lasts, kept from going below `TRIAD_RANGE` and above the
melody's lowest note, and moving as little as it can from the chord before (`_triad_cost`).
The bass is the root in `BASS_RANGE` (E2 to Eb3), an octave lower while it is not under the
triad's lowest note or not an octave under the melody (down to `LOWEST_NOTE`, E1); the fifth
in the bass below it, or above where below is under E2 and above is under the triad. A note
with no room between `LOWEST_NOTE` and the melody is left out (only under a melody around E2:
one down to C3 keeps every note, tests/test_accompaniment_under_melody.py).

    >>> from melody.core.melody import Chord, Melody
    >>> song = Melody(("67", "_", "_", "_", "64", "_", "_", "_") * 2, meter="2/4")
    >>> notes(song.with_chords([Chord(0, 0, "major"), Chord(8, 7, "major")]))[:2]
    [AccompanimentNote(start=0, length=2, pitches=(48,)), AccompanimentNote(start=2, length=2, pitches=(52, 55, 60))]
"""

from __future__ import annotations

import functools
import statistics
from typing import NamedTuple

from melody.core.melody import BASS_RANGE, Chord, Melody, chords_at
from melody.core.pitch import OPEN_FIFTH

TRIAD_RANGE = (52, 67)  # where close-position triads go: E3 to G4, above the bass
LOWEST_NOTE = 28  # E1, a bass guitar's lowest string: under it the accompaniment leaves a note out
QUARTER_FEEL_BPM = 132.0  # 2/4 faster than this (quarters a minute): bass and chord in quarters, not 8ths
_BELOW_COST, _ABOVE_MELODY_COST = 6, 2  # per semitone of a triad below its range / above the melody's lowest


class AccompanimentNote(NamedTuple):
    """One event of the accompaniment: ``pitches`` (MIDI numbers, low to high) sound
    together from step ``start`` for ``length`` steps (16ths)."""

    start: int
    length: int
    pitches: tuple[int, ...]


class _Voicing(NamedTuple):
    bass: int  # the root, low (under the triad's lowest note)
    fifth: int  # the chord's fifth in the bass, near the root
    triad: tuple[int, int, int]  # close position, low to high


def chord_at(melody: Melody, step: int) -> Chord | None:
    """The chord sounding at ``step`` (the last that starts at or before it); None before
    the first chord, outside the melody or for a melody without chords."""
    return chords_at(melody.chords, [step])[0] if 0 <= step < len(melody) else None


def notes(melody: Melody) -> list[AccompanimentNote]:
    """The accompaniment of ``melody``'s chords, sorted by start; [] without chords."""
    if not melody.chords:
        return []
    ends = [chord.start for chord in melody.chords[1:]] + [len(melody)]
    last_bar = len(melody) - 1 - melody.bar_position(len(melody) - 1)  # first step of the last bar
    sounding = _sounding(melody)
    events: list[AccompanimentNote] = []
    for chord, end, voicing in zip(melody.chords, ends, _voicings(melody)):
        for start, stop in _bar_segments(melody, chord.start, end):
            held = chord.quality == OPEN_FIFTH or (start >= last_bar and end == len(melody))
            if held:  # the final chord, and a drone's open fifth, held (a drone has no oom-pah)
                events.append(AccompanimentNote(start, stop - start, tuple(sorted({voicing.bass, *voicing.triad}))))
            else:
                events.extend(_patterned(melody, start, stop, voicing))
    return [_under(event, sounding) for event in events]


def _sounding(melody: Melody) -> list[int | None]:
    """The melody's pitch sounding at each step (None in a rest), one per step."""
    at: list[int | None] = [None] * len(melody)
    for event in melody.events():
        at[event.start : event.start + event.length] = [event.pitch] * event.length
    return at


def _room(sounding: list[int | None], start: int, stop: int) -> int | None:
    """The lowest melody pitch sounding from step ``start`` to ``stop`` (None: only rests):
    the accompaniment there stays below it."""
    return min((pitch for pitch in sounding[start:stop] if pitch is not None), default=None)


def _under(event: AccompanimentNote, sounding: list[int | None]) -> AccompanimentNote:
    """``event`` without the notes that are below `LOWEST_NOTE` or at or above a melody note
    sounding with it. The voicing puts every note under the melody already: this leaves out
    only what has no room under a melody around E2 or lower (a rest where nothing is left)."""
    room = _room(sounding, event.start, event.start + event.length)
    top = 128 if room is None else room
    return event._replace(pitches=tuple(pitch for pitch in event.pitches if LOWEST_NOTE <= pitch < top))


def _bar_segments(melody: Melody, start: int, end: int) -> list[tuple[int, int]]:
    """Steps ``start`` to ``end`` cut at the melody's barlines: (start, end) pairs."""
    segments = []
    while start < end:
        stop = min(end, start + melody.bar_steps - melody.bar_position(start))
        segments.append((start, stop))
        start = stop
    return segments


def _patterned(melody: Melody, start: int, stop: int, voicing: _Voicing) -> list[AccompanimentNote]:
    """The meter's pattern over steps ``start`` to ``stop`` (inside one bar): it begins again
    at ``start`` (bass first) on the bar's grid of slots and is cut at ``stop``."""
    offset = melody.bar_position(start)
    slots = _slots(melody)
    cuts = [offset] + [position for position, _ in slots if offset < position < offset + stop - start]
    kinds = [kind for _, kind in slots]
    pitches = {
        "bass": (voicing.bass,),
        "fifth": (voicing.fifth,),
        "chord": voicing.triad,
        **{f"voice{index}": (pitch,) for index, pitch in enumerate(voicing.triad)},
    }
    bounds = [*cuts, offset + stop - start]
    return [
        AccompanimentNote(start + a - offset, b - a, pitches[kinds[index % len(kinds)]])
        for index, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]


def _slots(melody: Melody) -> list[tuple[int, str]]:
    """The pattern of a whole bar: (position in steps from the downbeat, kind), where kind
    is "bass", "fifth" (the fifth in the bass), "chord" (the triad) or "voice0" to
    "voice2" (one note of the triad, low to high: a broken chord)."""
    count, unit = (int(part) for part in melody.meter.split("/"))
    if unit == 8 and count % 3 == 0:  # compound: a broken chord in 8ths, up and back per dotted quarter pair
        groups = [
            ("bass" if g == 0 else "fifth", "voice0", "voice1") if g % 2 == 0 else ("voice2", "voice1", "voice0")
            for g in range(count // 3)
        ]
        return [(2 * index, kind) for index, kind in enumerate(kind for group in groups for kind in group)]
    if (count, unit) == (2, 4) and melody.tempo <= QUARTER_FEEL_BPM:
        return [(0, "bass"), (2, "chord"), (4, "fifth"), (6, "chord")]
    beat = 16 // unit if unit <= 4 else 4  # x/8 and x/16 that are not compound: a quarter-note pulse
    positions = range(0, melody.bar_steps, beat)
    kinds = ["bass", "chord", "fifth", "chord"] if count == 4 and unit <= 4 else ["bass"] + ["chord"] * len(positions)
    return list(zip(positions, kinds))


def _voicings(melody: Melody) -> list[_Voicing]:
    """One voicing per chord, all of it below the lowest melody note sounding while the chord
    lasts (its ``room``). The triad: a close-position one whose top is in `TRIAD_RANGE`, at
    most the melody's middle pitch (its median) and under the room, chosen to move least from
    the one before, not to go below `TRIAD_RANGE` and to stay below the melody's lowest note,
    each by a cost per semitone. The bass: the root in `BASS_RANGE`, an octave lower while it
    is not under the triad's lowest note or not an octave or more under the room (not below
    `LOWEST_NOTE`). The fifth: below the bass, or above it where below is under E2 and above
    is still under the triad."""
    pitches = melody.pitches()
    lowest = min(pitches, default=TRIAD_RANGE[1] + 1)
    ceiling = min(TRIAD_RANGE[1], statistics.median_low(pitches) if pitches else TRIAD_RANGE[1])
    ends, sounding = [chord.start for chord in melody.chords[1:]] + [len(melody)], _sounding(melody)
    previous: tuple[int, int, int] | None = None
    voicings = []
    for chord, end in zip(melody.chords, ends):
        room = _room(sounding, chord.start, end)
        top = ceiling if room is None else min(ceiling, room - 1)
        triads = _close_triads(chord)
        candidates = [triad for triad in triads if triad[-1] <= top] or triads[:1]  # (none: left out, `_under`)
        triad = min(candidates, key=functools.partial(_triad_cost, previous=previous, lowest=lowest))
        bass = BASS_RANGE[0] + (chord.root - BASS_RANGE[0]) % 12
        while bass >= triad[0] or (room is not None and bass > room - 12):  # a low melody took the triad down
            bass -= 12
        if bass < LOWEST_NOTE:  # (only under a melody around E2: left out where it meets it, `_under`)
            bass += 12
        fifth_class = chord.pitch_classes()[-1]
        fifth = bass - (bass - fifth_class) % 12  # the fifth below the root ...
        if fifth < BASS_RANGE[0] and (fifth + 12 < triad[0] or fifth < LOWEST_NOTE):
            fifth += 12  # ... or above it, where below is under E2 and above is still under the triad
        voicings.append(_Voicing(bass, fifth, triad))
        previous = triad
    return voicings


def _triad_cost(triad: tuple[int, int, int], previous: tuple[int, int, int] | None, lowest: int) -> int:
    """How far ``triad`` is from where it belongs, in weighted semitones: below `TRIAD_RANGE`,
    above the melody's ``lowest`` note, and the moves of its voices from the ``previous``
    triad (the first: of its top from just below the melody)."""
    below = max(0, TRIAD_RANGE[0] - triad[0])
    above = max(0, triad[-1] - (lowest - 1))
    motion = sum(abs(a - b) for a, b in zip(triad, previous)) if previous else abs(triad[-1] - (lowest - 1))
    return _BELOW_COST * below + _ABOVE_MELODY_COST * above + motion


def _close_triads(chord: Chord) -> list[tuple[int, int, int]]:
    """Every close-position voicing of ``chord`` (root position and both inversions, in
    every octave) with its lowest note from MIDI 24 to 95, each low to high."""
    classes = chord.pitch_classes()
    triads = []
    for low in range(24, 96):
        if low % 12 in classes:
            rest = [low + (pc - low) % 12 for pc in classes if pc != low % 12]
            triads.append((low, *sorted(rest)))  # an open fifth (`OPEN_FIFTH`): two notes
    return triads
