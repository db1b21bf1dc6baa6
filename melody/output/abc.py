"""A melody as ABC notation, the text folk musicians share tunes in (abcnotation.com, The
Session, folkrnn): a header (X reference number, T title, M meter, L unit 1/8, Q tempo, K key),
then the bars, four to a line, with the pickup as its own short first bar, ties across
barlines, and the chords as quoted symbols above the note where each starts.

There is no maintained ABC writer on PyPI that fits (music21 reads ABC but does not write
it), so this is a small one, checked by reading every file back with music21's ABC reader
(``tests/test_abc.py``: every meter, many keys, chords, ties, rests and pickups).

    >>> print(to_abc(Melody(("67", "_", "69", "_", "71", "_", "_", "_"), key="G major", meter="2/4")))
    X:1
    T:Folk melody
    M:2/4
    L:1/8
    Q:1/4=100
    K:G
    G A | B2 |]
    <BLANKLINE>

Spelling: notes in the key signature are written plain; any other note carries its accidental
(``^`` sharp, ``_`` flat, ``=`` natural), and once a bar has altered a letter, every later note
on that letter and octave in the bar says its accidental again, so a reader that carries
accidentals through the bar (ABC 2.1) and one that does not read the same pitches.
"""

from __future__ import annotations

from melody.core.bars import lead_steps
from melody.core.melody import Melody
from melody.core.pitch import key_signature, parse_key, spelled, uses_flats

UNIT_STEPS = 2  # L:1/8: an eighth note is the unit, two 16th steps
WRITTEN_STEPS = (16, 12, 8, 6, 4, 3, 2, 1)  # lengths written as one note (whole, dotted ..., 16th)
BARS_PER_LINE = 4


def to_abc(melody: Melody, number: int = 1, title: str | None = None) -> str:
    """The ABC text of ``melody``: one tune, reference number ``number``, titled ``title`` (or
    the melody's own title, or "Folk melody")."""
    header = [
        f"X:{int(number)}",
        f"T:{_text(title or melody.title or 'Folk melody')}",
        f"M:{melody.meter}",
        "L:1/8",
        f"Q:1/4={round(melody.tempo)}",
        f"K:{abc_key(melody.key)}",
    ]
    bars = _bars(melody)
    lines = [" | ".join(bars[i : i + BARS_PER_LINE]) for i in range(0, len(bars), BARS_PER_LINE)]
    body = " |\n".join(lines) + " |]"
    return "\n".join(header) + "\n" + body + "\n"


def abc_key(key: str) -> str:
    """The K: field of a key: "G major" -> "G", "E minor" -> "Em", "Bb major" -> "Bb"."""
    tonic, mode = parse_key(key)
    return tonic + ("m" if mode == "minor" else "")


def _bars(melody: Melody) -> list[str]:
    """Each bar's notes as ABC tokens (a short first bar for a pickup)."""
    bar_length, lead = melody.bar_steps, lead_steps(melody)
    chord_at = {chord.start: chord for chord in melody.chords}
    flats = uses_flats(melody.key)
    signature = key_signature(melody.key)
    cuts = set(chord_at) | {step for step in range(len(melody)) if (step + lead) % bar_length == 0}
    bars: dict[int, list[str]] = {}
    altered: dict[int, dict[tuple[str, int], int]] = {}  # bar -> (letter, octave) -> alteration written
    for event in melody.events():
        edges = [event.start, *sorted(c for c in cuts if event.start < c < event.start + event.length)]
        edges.append(event.start + event.length)
        for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
            bar = (start + lead) // bar_length
            tokens = bars.setdefault(bar, [])
            chord = chord_at.get(start)
            prefix = f'"{chord.symbol(flats)}"' if chord else ""
            if event.pitch is None:
                tokens.append(prefix + "".join(f"z{_length(steps)}" for steps in _written(end - start)))
                continue
            note = _note(event.pitch, flats, signature, altered.setdefault(bar, {}))
            parts = [f"{note}{_length(steps)}" for steps in _written(end - start)]
            tie = "-" if index < len(edges) - 2 else ""
            tokens.append(prefix + "-".join(parts) + tie)
    return [" ".join(bars[index]) for index in sorted(bars)]


def _note(pitch: int, flats: bool, signature: dict[str, int], altered: dict[tuple[str, int], int]) -> str:
    """One pitch in ABC: accidental (when it differs from the signature, or after an accidental
    on its letter in this bar), letter and octave (C is middle C, c the octave above, C, below)."""
    letter, alter, octave = spelled(pitch, flats)
    mark = ""
    if alter != signature.get(letter, 0) or (letter, octave) in altered:
        mark = {1: "^", -1: "_", 0: "="}[alter]
        altered[(letter, octave)] = alter
    if octave >= 5:
        return mark + letter.lower() + "'" * (octave - 5)
    return mark + letter + "," * (4 - octave)


def _written(steps: int) -> list[int]:
    """A length in steps as lengths that are one written note each (tied together)."""
    lengths = []
    while steps:
        take = next(length for length in WRITTEN_STEPS if length <= steps)
        lengths.append(take)
        steps -= take
    return lengths


def _length(steps: int) -> str:
    """A length in 16ths as an ABC multiplier of L:1/8: "" (an 8th), "2", "/2", "3/2"."""
    if steps % UNIT_STEPS == 0:
        units = steps // UNIT_STEPS
        return "" if units == 1 else str(units)
    return "/2" if steps == 1 else f"{steps}/2"


def _text(text: str) -> str:
    """A header field's text: one line, no ABC comment sign."""
    return " ".join(text.replace("%", " percent").split())[:200]
