"""A `Melody` as a music21 stream, for music21's analyses (key finding) and tests; music21 imported quietly."""

from __future__ import annotations

from melody.core.bars import lead_steps, melody_pieces
from melody.core.melody import STEP_QL, Melody
from melody.core.pitch import uses_flats


def to_music21(melody: Melody):
    """A music21 Score with one Part: title, key, meter, tempo, barlines and ties."""
    from music21 import clef, key, metadata, meter, note, stream, tempo, tie

    score = stream.Score()
    score.metadata = metadata.Metadata(title=melody.title or "Folk melody")
    part = stream.Part()
    bar = melody.bar_steps
    lead = lead_steps(melody)
    measures: dict[int, stream.Measure] = {}
    flats = uses_flats(melody.key)
    for index, step, pitches, length, tie_type in melody_pieces(melody):
        if index not in measures:
            measures[index] = stream.Measure(number=index if melody.pickup else index + 1)
        element = _spelled_note(pitches[0], flats) if pitches else note.Rest()
        element.quarterLength = length * STEP_QL
        if tie_type:
            element.tie = tie.Tie(tie_type)
        shift = lead if index == 0 else 0
        measures[index].insert((step - shift) * STEP_QL, element)
    if not measures:
        measures[0] = stream.Measure(number=1)
    first = measures[min(measures)]
    first.insert(0, clef.TrebleClef())
    first.insert(0, key.Key(*_music21_key(melody.key)))
    first.insert(0, meter.TimeSignature(melody.meter))
    first.insert(0, tempo.MetronomeMark(number=melody.tempo))
    if melody.pickup:
        first.paddingLeft = lead * STEP_QL
    last_index = max(measures)
    used = (len(melody) + lead) - last_index * bar  # steps filled in the last bar
    if 0 < used < bar and (last_index > 0 or not melody.pickup):
        measures[last_index].paddingRight = (bar - used) * STEP_QL  # a short last bar, not rests
    for index in sorted(measures):
        part.append(measures[index])
    score.insert(0, part)
    return score


def _music21_key(key_text: str) -> tuple[str, str]:
    """``"Bb major"`` -> ``("B-", "major")``: music21 writes flats as '-'."""
    tonic, mode = key_text.split()
    return tonic[0] + tonic[1:].replace("b", "-"), mode


def _spelled_note(midi: int, flats: bool):
    """A music21 Note for a MIDI number, spelled with flats in flat keys, and with no
    written accidental of its own (the key signature and the exporter decide)."""
    from music21 import note

    element = note.Note()
    element.pitch.midi = midi  # sharps for black keys, no explicit natural
    if flats and element.pitch.accidental is not None and element.pitch.accidental.name == "sharp":
        element.pitch = element.pitch.getEnharmonic()
    return element
