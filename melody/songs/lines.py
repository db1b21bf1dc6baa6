"""One melodic line out of what a song file holds, and what it took to get it, in plain words.

Training data is refused when it holds more than one line or a note off the 16th-note grid
(`melody.songs.reading.SKIP_REASONS`). A file someone brings as a seed is read leniently
instead: of a melody with its bass the top line is taken (the highest part, the highest voice
of a bar, the top note of a chord), and a note off the grid (a triplet's) is rounded to 16ths.
A `Reading` carries the melody and those changes, said only where they touch what is used:

    >>> reading = Reading(melody, took=("the top line of 2 parts",), rounded=((5, True),))  # doctest: +SKIP
    >>> reading.opening(2).notes()                                                          # doctest: +SKIP
    ('Took the top line of 2 parts.', 'A triplet in bar 1 was rounded to 16ths.')
"""

from __future__ import annotations

import dataclasses

from melody.core.melody import Melody

EPSILON = 1e-6


@dataclasses.dataclass(frozen=True)
class Reading:
    """A song as read from a file: ``melody`` (in its own key), ``took`` what was taken where the
    file holds more than one line (e.g. ``"the top line of 2 parts"``), ``rounded`` the notes moved
    onto the 16th-note grid, as (their step in ``melody``, whether it was a triplet's)."""

    melody: Melody
    took: tuple[str, ...] = ()
    rounded: tuple[tuple[int, bool], ...] = ()

    def opening(self, bars: int = 2) -> Reading:
        """The pickup and first ``bars`` bars (`Melody.opening`), with the roundings inside them."""
        melody = self.melody.opening(bars)
        return dataclasses.replace(self, melody=melody, rounded=tuple(r for r in self.rounded if r[0] < len(melody)))

    def notes(self) -> tuple[str, ...]:
        """What reading changed, as sentences for the person who gave the file."""
        said = [f"Took {took}." for took in self.took]
        for triplet in (True, False):
            bars = sorted({self.melody.bar_of(step) for step, kind in self.rounded if kind == triplet})
            if bars:
                said.append(_rounded_sentence(bars, "triplet" if triplet else "note off the 16th-note grid"))
        return tuple(said)


def _rounded_sentence(bars: list[int], what: str) -> str:
    """E.g. "A triplet in bar 1 was rounded to 16ths.", "Triplets in bars 1 and 2 were ..."."""
    numbered = [str(bar) for bar in bars if bar]
    places = ["the pickup"] if 0 in bars else []
    if numbered:
        places.append(("bar " if len(numbered) == 1 else "bars ") + _listed(numbered))
    if len(bars) == 1:
        return f"A {what} in {places[0]} was rounded to 16ths."
    plural = "Triplets" if what == "triplet" else "Notes off the 16th-note grid"
    return f"{plural} in {' and '.join(places)} were rounded to 16ths."


def _listed(words: list[str]) -> str:
    """ "1", "1 and 2", "1, 2 and 3"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def highest(lines: list[list[int]]) -> int:
    """The index of the highest of ``lines`` (lists of MIDI pitches): by their mean pitch, the
    first of equals; a line without notes is never the highest."""
    means = [sum(pitches) / len(pitches) if pitches else float("-inf") for pitches in lines]
    return means.index(max(means))


def top_line(notes) -> tuple[list[tuple[float, float, int]], bool]:
    """The top line of ``notes`` (start, end, pitch), in any unit of time, and whether two
    notes started together (a chord: its top note is kept).

    A lower note starting while a line note sounds is left out when it ends within that note
    (a note under the tune); when it outlasts it, the line note is cut short there and the
    lower one goes on (a played line's notes overlap a little: legato)."""
    line: list[tuple[float, float, int]] = []
    chords = False
    for start, end, pitch in sorted(notes, key=lambda note: (note[0], -note[2], note[1])):
        if line and start < line[-1][1] - EPSILON:
            last_start, last_end, last_pitch = line[-1]
            if abs(start - last_start) < EPSILON:  # a chord's lower note: its top is in the line
                chords = True
                continue
            if pitch < last_pitch and end <= last_end + EPSILON:
                continue
            line[-1] = (last_start, start, last_pitch)
        line.append((start, end, pitch))
    return line, chords


def on_grid(quarters: float, per_quarter: int = 4) -> bool:
    """True when ``quarters`` is a whole number of 1/``per_quarter`` quarters (16ths by default)."""
    return abs(quarters * per_quarter - round(quarters * per_quarter)) < EPSILON


def grid_pieces(pieces, origin: float = 0.0) -> tuple[list[tuple[int | None, int]], list[tuple[int, bool]]]:
    """Back-to-back ``pieces`` (pitch or None for a rest, start, end; quarters, from ``origin``)
    as events on the 16th-note grid ((pitch or None, steps), `Melody.from_events`): each start
    and end rounded to the nearest 16th, a piece that rounds to nothing left out. Also the
    notes moved, as (their step, whether a triplet's: on the grid of twelfths of a quarter)."""
    events: list[tuple[int | None, int]] = []
    rounded: list[tuple[int, bool]] = []
    for pitch, start, end in pieces:
        start, end = start - origin, end - origin
        first, last = round(start * 4), round(end * 4)
        if last <= first:
            continue
        if pitch is not None and not (on_grid(start) and on_grid(end)):
            rounded.append((first, on_grid(start, 12) and on_grid(end, 12)))
        if events and events[-1][0] is None and pitch is None:  # a rest after a rest that lost its note
            events[-1] = (None, events[-1][1] + last - first)
        else:
            events.append((pitch, last - first))
    return events, rounded
