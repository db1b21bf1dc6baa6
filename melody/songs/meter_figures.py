"""Do generated melodies keep the meter and the key? Figures over many melodies.

Per set of melodies (any keys; degrees are counted from each melody's own tonic):

- ``bars_complete``: share of bars (after the pickup) of a right length: a full bar, or a
  last bar that ends where a bar ends (see below). The 16th-note grid fills every inner
  bar by construction, so this measures how melodies end;
- ``ends_on_barline``: share of melodies that end where a bar ends: on a barline, or, for
  a song with a pickup, where the last bar completes the pickup (as such songs are written);
- ``ends_on_tonic``: share whose last generated note is the tonic;
- ``notes_in_scale``: share of generated notes in the key's scale (minor: natural, plus
  the raised 7th);
- ``strong_beat_onsets``: share of generated note onsets on a strong beat (the downbeat,
  and the middle of the bar in 4/4, 6/8 and 6/4; see `STRONG_BEATS`);
- ``repeated_bars``: share of full bars that repeat the bar before them symbol for symbol
  (a melody stuck in a loop scores high; folk songs repeat some bars too).

Only the generated part of each melody counts for the note figures (``from_step``).

    >>> meter_figures([melody], from_step=16)["ends_on_tonic"]     # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from collections.abc import Iterable

from melody.core.melody import Melody
from melody.core.pitch import parse_key, tonic_pitch_class

SCALES = {"major": {0, 2, 4, 5, 7, 9, 11}, "minor": {0, 2, 3, 5, 7, 8, 10, 11}}  # degrees above the tonic
STRONG_BEATS = {"4/4": (0, 8), "6/8": (0, 6), "6/4": (0, 12)}  # steps into the bar; other meters: the downbeat
FIGURES = ("bars_complete", "ends_on_barline", "ends_on_tonic", "notes_in_scale", "strong_beat_onsets", "repeated_bars")


def meter_figures(melodies: Iterable[Melody], from_step: int | Iterable[int] = 0) -> dict:
    """The figures above, each a share in [0, 1], plus ``melodies`` and ``notes`` counted.
    ``from_step``: the first generated step (one number, or one per melody)."""
    melodies = list(melodies)
    starts = [from_step] * len(melodies) if isinstance(from_step, int) else list(from_step)
    bars = complete = barline = tonic = in_scale = strong = notes = repeated = pairs = 0
    for melody, start in zip(melodies, starts, strict=True):
        bar, home = melody.bar_steps, tonic_pitch_class(melody.key)
        full, last = divmod(max(len(melody) - melody.pickup, 0), bar)
        ends_right = len(melody) % bar == 0 or last == 0
        bars += full + (last > 0)
        complete += full + (last > 0 and ends_right)
        barline += ends_right
        generated = [e for e in melody.events() if e.pitch is not None and e.start >= start]
        tonic += bool(generated) and generated[-1].pitch % 12 == home
        notes += len(generated)
        scale = SCALES[parse_key(melody.key)[1]]
        in_scale += sum((e.pitch - home) % 12 in scale for e in generated)
        strong_at = STRONG_BEATS.get(melody.meter, (0,))
        strong += sum(melody.bar_position(e.start) in strong_at for e in generated)
        whole = [melody.steps[i : i + bar] for i in range(melody.pickup, len(melody) - bar + 1, bar)]
        pairs += max(len(whole) - 1, 0)
        repeated += sum(a == b for a, b in zip(whole, whole[1:]))
    count = max(len(melodies), 1)
    return {
        "melodies": len(melodies),
        "notes": notes,
        "bars_complete": complete / max(bars, 1),
        "ends_on_barline": barline / count,
        "ends_on_tonic": tonic / count,
        "notes_in_scale": in_scale / max(notes, 1),
        "strong_beat_onsets": strong / max(notes, 1),
        "repeated_bars": repeated / max(pairs, 1),
    }
