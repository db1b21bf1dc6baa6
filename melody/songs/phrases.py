"""How a song comes back to its phrases: repetition figures and phrase forms over `Melody`.

Everything here compares 16th-note steps as the encoding writes them: a MIDI number where
a note starts, ``r`` where a rest starts, ``_`` (`HOLD`) where whatever sounds goes on. A
held step is a symbol of its own, so two passages *agree* at an offset when they hold the
same symbol there: the same note starting, the same rest starting, or both holding. (So
long notes weigh: two bars of half notes agree on 14 of 16 steps whatever their pitches,
and a rest where the other holds a note agrees; this is the issue 21 measure, kept as is.)

Units are *aligned*: a unit of ``n`` bars starts at ``pickup + k * n * bar_steps`` (the
pickup itself belongs to no unit). For the figures only whole units count; the steps after
the last whole unit (e.g. a last bar that completes the pickup) are left out.

- ``bars_repeating_earlier``: of the whole bars after the first, the share identical to
  any earlier whole bar of the same song;
- ``phrases4_agreeing``: of the aligned whole 4-bar units after the first, the share that
  agree on at least `AGREE_SHARE` (75%) of their steps with some earlier aligned 4-bar unit;
- ``units2_same``: of the aligned whole 2-bar units after the first, the share identical
  to some earlier aligned 2-bar unit;
- ``units2_agreeing``: the same share with ">= 75% agreement" instead of "identical" (what
  issue 21's table reports for 2-bar units: its 53.8% for real songs, above their 22.6% of
  bars, cannot be identity, as an identical 2-bar unit repeats both its bars).

The first unit of each kind has nothing earlier to repeat, so it is never counted (a song
of 8 bars has 7 bars, 1 four-bar unit and 3 two-bar units that could repeat).

    >>> a, b = ["60", "_", "62", "_"], ["64", "_", "_", "_"]
    >>> song = Melody(tuple(a + b + a + a), meter="1/4")      # bars of 4 steps: A B A A
    >>> song_repetition(song)["bars_repeating_earlier"]        # 2 of the 3 later bars
    (2, 3)
    >>> phrase_form(song, 1)
    'ABAA'
"""

from __future__ import annotations

import re
import statistics
import string
from collections.abc import Iterable, Sequence
from fractions import Fraction

from melody.core.melody import HOLD, REST, Melody
from melody.songs.meter_figures import meter_figures

AGREE_SHARE = 0.75  # phrases that agree on at least this share of their 16ths are "the same phrase"
FIGURES = ("bars_repeating_earlier", "phrases4_agreeing", "units2_same", "units2_agreeing")
# figure -> (bars in a unit, whether "repeating" is agreeing >= AGREE_SHARE rather than identical)
_UNITS = {
    "bars_repeating_earlier": (1, False),
    "phrases4_agreeing": (4, True),
    "units2_same": (2, False),
    "units2_agreeing": (2, True),
}
LETTERS = string.ascii_uppercase + string.ascii_lowercase  # 52 phrases; more are numbered "[53]"

Steps = Sequence[str]


# ---------------------------------------------------------------- comparing passages
def agreement(a: Steps, b: Steps) -> float:
    """Share of 16th steps on which ``a`` and ``b`` hold the same symbol at the same offset
    from their starts (``_`` a symbol like any other), over the *longer* of the two: a step
    that only one of them has never agrees. Two passages of different lengths thus agree on
    at most ``shorter / longer`` of their steps; two empty passages agree fully.

    >>> agreement(["60", "_", "62", "_"], ["60", "_", "64", "_"])
    0.75
    >>> agreement(["60", "_"], ["60", "_", "62", "_"])
    0.5
    """
    longer = max(len(a), len(b))
    if not longer:
        return 1.0
    return sum(x == y for x, y in zip(a, b)) / longer


def note_overlap(a: Steps | Melody, b: Steps | Melody) -> float:
    """Share of ``a``'s notes (a pitch starting at an offset from ``a``'s start) that ``b``
    also starts at the same offset from its own start: how much of phrase ``a`` phrase ``b``
    keeps. Rests and holds are not notes; 0.0 when ``a`` has no note. Not symmetric.

    E.g. "phrase 3 keeps fewer than 60% of phrase 1's notes": ``note_overlap(p1, p3) < 0.6``.

    >>> note_overlap(["60", "_", "62", "_", "64", "_", "_", "_"], ["60", "_", "62", "62", "65", "_", "_", "_"])
    0.6666666666666666
    """
    a = a.steps if isinstance(a, Melody) else a
    b = b.steps if isinstance(b, Melody) else b
    notes = [(i, s) for i, s in enumerate(a) if s not in (HOLD, REST)]
    if not notes:
        return 0.0
    return sum(i < len(b) and b[i] == s for i, s in notes) / len(notes)


# ---------------------------------------------------------------- aligned units
def aligned_units(melody: Melody, bars: int, whole_only: bool = True) -> list[tuple[str, ...]]:
    """The melody cut into units of ``bars`` bars from the end of its pickup: unit k holds
    steps ``pickup + k * bars * bar_steps`` onwards. ``whole_only`` (the figures): the steps
    after the last whole unit are dropped; otherwise a shorter last unit is kept too.

    >>> aligned_units(Melody(("60", "_", "62", "_", "_", "64"), meter="2/16", pickup=1), 1)
    [('_', '62'), ('_', '_')]
    """
    if bars < 1:
        raise ValueError(f"a unit must be at least 1 bar long, not {bars}")
    size = bars * melody.bar_steps
    steps = melody.steps
    ends = range(melody.pickup + size, len(steps) + (1 if whole_only else size), size)
    return [tuple(steps[end - size : min(end, len(steps))]) for end in ends if end - size < len(steps)]


def song_repetition(melody: Melody) -> dict[str, tuple[int, int]]:
    """For one song, per figure of `FIGURES`: (units repeating an earlier one, units after
    the first), both counted over whole aligned units (see the module's docstring)."""
    out = {}
    for name, (bars, agreeing) in _UNITS.items():
        units = aligned_units(melody, bars)
        if agreeing:
            hits = sum(any(agreement(u, earlier) >= AGREE_SHARE for earlier in units[:i]) for i, u in enumerate(units))
        else:
            hits = sum(unit in set(units[:i]) for i, unit in enumerate(units))
        out[name] = (hits, max(len(units) - 1, 0))
    return out


def repetition_figures(melodies: Iterable[Melody]) -> dict:
    """The repetition figures of `FIGURES` over many songs, pooled and per song.

    Returns ``songs``; each figure pooled (repeating units of all songs over units that
    could repeat, None when no song has two whole units of that size); ``ends_on_tonic``
    (`meter_check.meter_figures`: share of songs whose last note is the tonic); ``per_song``:
    each figure's mean over the songs that have at least two whole units of its size (None
    where none has); ``counted``: per figure, the units that could repeat (the pooled
    denominator) and ``songs_counted``, the songs in the per-song mean.

    >>> figures = repetition_figures([Melody(("60", "_", "62", "_") * 8, meter="2/4")])  # 4 bars
    >>> figures["bars_repeating_earlier"], figures["units2_same"], figures["phrases4_agreeing"]
    (1.0, 1.0, None)
    """
    melodies = list(melodies)
    per_song = [song_repetition(melody) for melody in melodies]
    out: dict = {"songs": len(melodies)}
    means, counted = {}, {}
    for name in FIGURES:
        pairs = [song[name] for song in per_song]
        units = sum(total for _, total in pairs)
        out[name] = sum(hits for hits, _ in pairs) / units if units else None
        shares = [hits / total for hits, total in pairs if total]
        means[name] = statistics.fmean(shares) if shares else None
        counted[name] = units
        counted[f"{name}_songs"] = len(shares)
    out["ends_on_tonic"] = meter_figures(melodies)["ends_on_tonic"] if melodies else None
    out["per_song"], out["counted"] = means, counted
    return out


# ---------------------------------------------------------------- phrase forms
def pitch_holds(steps: Steps) -> tuple[str, ...]:
    """``steps`` with each hold spelled with what it holds (``"_60"``, ``"_r"``), so that
    passages agree on a held step only when the same pitch (or silence) goes on; holds
    before the passage's first note or rest stay ``"_"``.

    >>> pitch_holds(["60", "_", "r", "_", "62"])
    ('60', '_60', 'r', '_r', '62')
    """
    spelled, sounding = [], HOLD
    for symbol in steps:
        if symbol == HOLD:
            spelled.append(sounding if sounding == HOLD else f"{HOLD}{sounding}")
        else:
            spelled.append(symbol)
            sounding = symbol
    return tuple(spelled)


def label_phrases(phrases: Sequence[Steps], held_pitch: bool = False) -> str:
    """One letter per phrase: ``A`` for the first; a phrase that agrees (`agreement`, over
    the longer of the two) on at least `AGREE_SHARE` of its steps with an earlier phrase gets
    the letter of the earlier phrase it agrees with most (the first of equals); any other
    phrase the next unused letter. ``held_pitch``: a held step agrees only where the same
    pitch is held (`pitch_holds`), so two phrases of one rhythm on other notes differ.

    >>> label_phrases([("60", "_"), ("60", "_"), ("64", "_"), ("60", "_")])
    'AABA'
    >>> same_rhythm = [("60", "_", "_", "_"), ("64", "_", "_", "_")]
    >>> label_phrases(same_rhythm), label_phrases(same_rhythm, held_pitch=True)
    ('AA', 'AB')
    """
    if held_pitch:
        phrases = [pitch_holds(phrase) for phrase in phrases]
    letters: list[str] = []
    used = 0
    for i, phrase in enumerate(phrases):
        scores = [agreement(phrase, earlier) for earlier in phrases[:i]]
        best = max(range(i), key=lambda j: (scores[j], -j), default=None)
        if best is not None and scores[best] >= AGREE_SHARE:
            letters.append(letters[best])
        else:
            letters.append(LETTERS[used] if used < len(LETTERS) else f"[{used + 1}]")
            used += 1
    return "".join(letters)


def phrases_of(melody: Melody, phrase_bars: int) -> list[tuple[str, ...]]:
    """The aligned phrases of ``phrase_bars`` bars (`aligned_units`), with a shorter last
    phrase kept when it is at least half a phrase long (e.g. a last phrase one pickup short,
    as a song of N bars with a pickup ends); a shorter rest is left out."""
    phrases = aligned_units(melody, phrase_bars, whole_only=False)
    if phrases and 2 * len(phrases[-1]) < phrase_bars * melody.bar_steps:
        phrases.pop()
    return phrases


def phrase_form(melody: Melody, phrase_bars: int, held_pitch: bool = False) -> str:
    """The form of ``melody`` cut into aligned phrases of ``phrase_bars`` bars
    (`phrases_of`), one letter per phrase (`label_phrases`, ``held_pitch`` passed on):
    e.g. ``"AABA"``.

    >>> a, b = ("60", "_", "_", "_", "62", "_", "_", "_"), ("67", "_", "65", "_", "64", "_", "62", "_")
    >>> phrase_form(Melody(a + a + b + a, meter="2/4"), 1)    # phrases of 1 bar, 8 steps
    'AABA'
    """
    return label_phrases(phrases_of(melody, phrase_bars), held_pitch)


def split_at_lengths(melody: Melody, lengths: Sequence[int]) -> list[tuple[str, ...]]:
    """``melody``'s steps cut into consecutive passages of ``lengths`` steps (e.g. the lines
    of an ABC tune, `abc_line_steps`); ValueError unless they add up to the melody's length."""
    if sum(lengths) != len(melody) or any(length < 1 for length in lengths):
        raise ValueError(f"phrase lengths {list(lengths)} do not cut a melody of {len(melody)} steps")
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    return [melody.steps[start : start + length] for start, length in zip(starts, lengths)]


# ---------------------------------------------------------------- phrases as written in ABC
_FIELD = re.compile(r"^[A-Za-z+]:")
_UNIT = re.compile(r"^L:\s*(\d+)\s*/\s*(\d+)")
_METER = re.compile(r"^M:\s*(\d+)\s*/\s*(\d+)")
_NOT_NOTES = re.compile(r'"[^"\n]*"|![^!\n]*!|\+[^+\n]*\+|%.*|\|\]|\[\|')  # ... and |] [| barlines
_NOTE = re.compile(r"[_=^]*([A-Ga-gxz])[,']*(\d*)(/*)(\d*)")
_UNREAD = re.compile(r"[\[\]()<>{}Z]")  # chords, inline fields, tuplets, broken rhythm, grace notes, bar rests


def abc_line_steps(tune: str) -> list[int] | None:
    """The length in 16th steps of each line of music of one ABC tune (its header fields and
    comments skipped), by adding up the written note and rest lengths (``L:`` unit; without
    one, 1/16 below a meter of 3/4, else 1/8, as ABC says). None where a line holds what this
    simple count does not read (chords, tuplets, broken rhythm, grace notes, inline fields) or
    a length off the 16th grid. In the Essen ABC files every line is one phrase.

    >>> abc_line_steps("X:1\\nM:2/4\\nL:1/8\\nK:C\\nG | c2 d>e |\\nc2 z2 | c4 |]\\n") is None
    True
    >>> abc_line_steps("X:1\\nM:2/4\\nL:1/8\\nK:C\\nG | c2 de |\\nc2 z2 | c4 |]\\n")
    [10, 16]
    """
    unit, lengths = None, []
    for line in tune.replace("\r\n", "\n").split("\n"):
        meter, set_unit = _METER.match(line), _UNIT.match(line)
        if unit is None and meter and int(meter.group(2)):
            unit = Fraction(1, 16) if Fraction(int(meter.group(1)), int(meter.group(2))) < Fraction(3, 4) else None
        if set_unit and int(set_unit.group(2)):
            unit = Fraction(int(set_unit.group(1)), int(set_unit.group(2)))
        music = _NOT_NOTES.sub("", line)
        if _FIELD.match(line) or not music.strip():
            continue
        if _UNREAD.search(music):
            return None
        steps = Fraction(0)
        for number, slashes, divisor in (m.groups()[1:] for m in _NOTE.finditer(music)):
            parts = int(divisor) if divisor else 2 ** len(slashes)
            steps += 16 * (unit or Fraction(1, 8)) * Fraction(int(number or 1), parts)
        if steps.denominator != 1:
            return None
        if steps:
            lengths.append(int(steps))
    return lengths
