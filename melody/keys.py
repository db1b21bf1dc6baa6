"""Keys in and out: the model knows only C major and A minor; people use all 24 keys.

A seed in any key (stated, or found by music21's analysis) is moved to the model's key
of the same mode for generation, and the result is moved back: to the seed's key, or to
any chosen key. A chosen key of the other mode changes the seed's mode first (its 3rd,
6th and 7th degrees move by a semitone, as between C major and C minor), so the model
continues a minor seed in minor rather than having its major melody bent afterwards.

    >>> in_key(Melody(("60", "_", "64", "_", "67"), key="C major"), "D minor").steps
    ('62', '_', '65', '_', '69')
"""

from __future__ import annotations

from .melody import Melody, MelodyError, is_pitch, parse_key, tonic_pitch_class, transpose_key

MODEL_KEYS = {"major": "C major", "minor": "A minor"}
# scale degrees (semitones above the tonic) that differ between a major key and its
# parallel natural minor: the 3rd, 6th and 7th
_TO_MINOR = {4: 3, 9: 8, 11: 10}
_TO_MAJOR = {low: high for high, low in _TO_MINOR.items()}


def canonical_key(key: str) -> str:
    """``key`` spelled as in `all_keys` (``"c# Minor"`` -> ``"C# minor"``, ``"Db minor"`` ->
    ``"C# minor"``); raises MelodyError for text that is not a key."""
    return transpose_key(key, 0)


def smallest_shift(from_key: str, to_key: str) -> int:
    """Semitones from one tonic to the other by the smaller move (-5 to +6)."""
    shift = (tonic_pitch_class(to_key) - tonic_pitch_class(from_key)) % 12
    return shift - 12 if shift > 6 else shift


def model_shift(key: str) -> int:
    """Semitones that move ``key`` to the model's key of its mode (C major or A minor)."""
    return smallest_shift(key, MODEL_KEYS[parse_key(key)[1]])


def to_model_key(melody: Melody) -> Melody:
    """``melody`` moved to C major or A minor (its mode's model key) by the smallest move."""
    return melody.transpose(model_shift(melody.key))  # transpose names the key: C major / A minor


def change_mode(melody: Melody, mode: str) -> Melody:
    """The same tonic in ``mode`` ("major" or "minor"): the 3rd, 6th and 7th degrees move a
    semitone (natural minor); other notes stay. A melody already in ``mode`` is returned."""
    tonic, current = parse_key(melody.key)
    if mode not in MODEL_KEYS:
        raise MelodyError(f"mode {mode!r} is not 'major' or 'minor'")
    if mode == current:
        return melody
    moves = _TO_MINOR if mode == "minor" else _TO_MAJOR
    home = tonic_pitch_class(melody.key)
    steps = []
    for symbol in melody.steps:
        if is_pitch(symbol):
            degree = (int(symbol) - home) % 12
            symbol = str(int(symbol) + moves.get(degree, degree) - degree)
        steps.append(symbol)
    return melody.replace(steps=tuple(steps), key=canonical_key(f"{tonic} {mode}"))


def in_key(melody: Melody, key: str) -> Melody:
    """``melody`` in ``key`` (any of the 24): moved by the smaller interval to its tonic,
    and changed to its mode where that differs."""
    moved = melody.transpose(smallest_shift(melody.key, key))
    return change_mode(moved, parse_key(key)[1])
