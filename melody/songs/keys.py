"""Keys in and out: the model knows only C major and A minor; people use all 24 keys.

One pair of functions moves melodies between a key and the model's: `to_model_key` and
its inverse `from_model_key`. The move depends on the key alone (`model_shift`, the
smaller interval from the tonic to C or A), so a melody in a key has exactly one version
in the model's key, whoever asks: generation, the surprise of each note, the How-it-works
chart and evaluation all read the same pitches the model saw.

A seed in any key (stated, or found from its notes) is moved to the model's key of the
same mode for generation, and the result is moved back into the seed's key. A chosen key
then moves the whole tune (`in_key`); one of the other mode also changes its mode (the
3rd, 6th and 7th degrees move by a semitone, as between C major and C minor). So a key
changes where a tune sits, never which tune it is: the studio re-keys the melody on the
page, and its link makes the same one again.

    >>> in_key(Melody(("60", "_", "64", "_", "67"), key="C major"), "D minor").steps
    ('62', '_', '65', '_', '69')
"""

from __future__ import annotations

from melody.core.errors import MelodyError
from melody.core.melody import MAX_PITCH, MIN_PITCH, Melody, is_pitch
from melody.core.pitch import midi_name, parse_key, tonic_pitch_class, transpose_key

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
    """``melody`` moved to C major or A minor (its mode's model key) by `model_shift`: the
    one way any melody reaches the model (generation, surprise, charts, evaluation)."""
    return _moved(melody, model_shift(melody.key), MODEL_KEYS[parse_key(melody.key)[1]])


def from_model_key(melody: Melody, key: str) -> Melody:
    """The inverse of `to_model_key`: ``melody``, in the model's key of ``key``'s mode,
    moved to ``key``; ``to_model_key`` of the result gives ``melody`` back exactly."""
    key = canonical_key(key)
    expected = MODEL_KEYS[parse_key(key)[1]]
    if canonical_key(melody.key) != expected:
        raise MelodyError(f"a melody in {melody.key} cannot come back from the model's key to {key}; {expected} is")
    return _moved(melody, -model_shift(key), key)


def _moved(melody: Melody, semitones: int, key: str) -> Melody:
    """``melody.transpose`` with a message that names the note (and its name) that would
    leave MIDI's 0-127 and what would work instead."""
    for pitch in melody.pitches():
        if not MIN_PITCH <= pitch + semitones <= MAX_PITCH:
            _out_of_midi(pitch, pitch + semitones, f"moved to {key}")
    return melody.transpose(semitones, key=key)


def _out_of_midi(pitch: int, moved: int, how: str) -> None:
    """Raise the MelodyError for a note that ``how`` (e.g. "moved to C major") takes to
    ``moved``, outside MIDI's 0 (C-1) to 127 (G9)."""
    way = "down" if moved > MAX_PITCH else "up"
    raise MelodyError(
        f"the note {pitch} ({midi_name(pitch)}) would become {moved} when {how}, outside MIDI's 0 (C-1) to "
        f"127 (G9); move the melody an octave {way} or choose another key"
    )


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
            moved = int(symbol) + moves.get(degree, degree) - degree
            if not MIN_PITCH <= moved <= MAX_PITCH:
                _out_of_midi(int(symbol), moved, f"changed to {mode}")
            symbol = str(moved)
        steps.append(symbol)
    return melody.replace(steps=tuple(steps), key=canonical_key(f"{tonic} {mode}"))


def in_key(melody: Melody, key: str) -> Melody:
    """``melody`` in ``key`` (any of the 24), as generation moves a seed: its mode changed
    where that differs, through the model's key, then out to ``key``'s register."""
    return from_model_key(to_model_key(change_mode(melody, parse_key(key)[1])), key)
