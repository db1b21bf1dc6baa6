"""Do generated melodies keep the meter and the key? Figures over many melodies.

For melodies in the model's keys (C major / A minor), per meter:

- ``bars_complete``: share of bars (after the pickup) of the right length: a full bar, or
  a last bar that completes the pickup (as songs with a pickup end). The 16th-note grid
  fills every inner bar by construction, so this measures how melodies end;
- ``ends_on_barline``: share of melodies whose last bar completes the meter (with the
  pickup, if any);
- ``ends_on_tonic``: share whose last note is the tonic (C or A);
- ``notes_in_scale``: share of notes in the key's scale (A minor with G and G#);
- ``strong_beat_onsets``: share of note onsets on a strong beat (the downbeat, and the
  middle of the bar in 4/4 and 6/8; see `STRONG_BEATS`).

Only the generated part of each melody is counted (``from_step``), not its seed.

    >>> meter_figures([melody], from_step=16)["ends_on_tonic"]     # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from collections.abc import Iterable

from .melody import Melody, parse_key

SCALES = {"major": {0, 2, 4, 5, 7, 9, 11}, "minor": {9, 11, 0, 2, 4, 5, 7, 8}}  # C major; A minor + G#
TONICS = {"major": 0, "minor": 9}
STRONG_BEATS = {"2/4": (0,), "3/4": (0,), "4/4": (0, 8), "6/8": (0, 6), "3/8": (0,), "6/4": (0, 12)}
FIGURES = ("bars_complete", "ends_on_barline", "ends_on_tonic", "notes_in_scale", "strong_beat_onsets")


def strong_positions(meter: str, bar: int) -> tuple[int, ...]:
    """Bar positions (in steps) of the strong beats: the table's, else the downbeat."""
    return STRONG_BEATS.get(meter, (0,)) if bar else (0,)


def meter_figures(melodies: Iterable[Melody], from_step: int | Iterable[int] = 0) -> dict:
    """The figures above, each a share in [0, 1], plus ``melodies`` and ``notes`` counted.
    ``from_step``: the first generated step (one number, or one per melody)."""
    melodies = list(melodies)
    starts = [from_step] * len(melodies) if isinstance(from_step, int) else list(from_step)
    bars = complete = barline = tonic = in_scale = strong = notes = 0
    for melody, start in zip(melodies, starts, strict=True):
        mode = parse_key(melody.key)[1]
        bar = melody.bar_steps
        after_pickup = len(melody) - melody.pickup
        full, last = divmod(after_pickup, bar)
        ends_right = len(melody) % bar == 0  # pickup + last bar make a whole bar (or no pickup, full bars)
        bars += full + (last > 0)
        complete += full + (last > 0 and ends_right)
        barline += ends_right
        events = [e for e in melody.events() if e.pitch is not None and e.start >= start]
        pitches = [e.pitch for e in melody.events() if e.pitch is not None]
        tonic += bool(pitches) and pitches[-1] % 12 == TONICS[mode]
        notes += len(events)
        in_scale += sum(e.pitch % 12 in SCALES[mode] for e in events)
        strong_at = strong_positions(melody.meter, bar)
        strong += sum(melody.bar_position(e.start) in strong_at for e in events)
    count = max(len(melodies), 1)
    return {
        "melodies": len(melodies),
        "notes": notes,
        "bars_complete": complete / max(bars, 1),
        "ends_on_barline": barline / count,
        "ends_on_tonic": tonic / count,
        "notes_in_scale": in_scale / max(notes, 1),
        "strong_beat_onsets": strong / max(notes, 1),
    }
