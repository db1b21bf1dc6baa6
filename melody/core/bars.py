"""A melody cut at its barlines, as a score writes it: where step 0 falls in the first bar (the
pickup), and pieces of notes, chords and rests per bar, tied where a note crosses a barline.

One layout for every writer (MusicXML, the music21 stream, the accompaniment's score part)."""

from __future__ import annotations

from typing import NamedTuple

from melody.core.melody import Melody


class Piece(NamedTuple):
    """A note, chord or rest as written in one bar: ``bar`` index (0 is the first bar,
    the pickup if there is one), ``at`` its step from the bar's downbeat, ``pitches``
    (empty: a rest), ``length`` in steps and ``tie`` ("start", "continue", "stop" or None)."""

    bar: int
    at: int
    pitches: tuple[int, ...]
    length: int
    tie: str | None


def lead_steps(melody: Melody) -> int:
    """Where step 0 falls in the first bar (0 without a pickup)."""
    return (melody.bar_steps - melody.pickup) % melody.bar_steps


def bar_pieces(melody: Melody, events) -> list[Piece]:
    """``events`` ((pitches, start, length) in steps) cut at the melody's barlines; a note
    cut in two or more is tied, a rest is not."""
    bar, lead = melody.bar_steps, lead_steps(melody)
    pieces = []
    for pitches, start, length in events:
        position, remaining, cut = start + lead, length, []
        while remaining:
            take = min(bar - position % bar, remaining)
            cut.append((position // bar, position % bar, take))
            position, remaining = position + take, remaining - take
        for i, (index, at, take) in enumerate(cut):
            tie = None
            if pitches and len(cut) > 1:
                tie = "start" if i == 0 else "stop" if i == len(cut) - 1 else "continue"
            pieces.append(Piece(index, at, tuple(pitches), take, tie))
    return pieces


def melody_pieces(melody: Melody) -> list[Piece]:
    """The melody's notes and rests cut at its barlines."""
    return bar_pieces(melody, [((e.pitch,) if e.pitch is not None else (), e.start, e.length) for e in melody.events()])
