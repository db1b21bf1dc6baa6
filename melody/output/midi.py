"""MIDI: a `Melody` (and its accompaniment) as a pretty_midi object or Standard MIDI File bytes.

Bars follow the melody's meter and pickup.

    >>> from melody.core.melody import Melody
    >>> to_midi_bytes(Melody(("60", "_", "62", "_")))[:4]
    b'MThd'"""

from __future__ import annotations

import io

from melody.chords import accompaniment
from melody.core.melody import ACCOMPANIMENT_NAME, STEP_QL, Melody
from melody.core.pitch import tonic_pitch_class, uses_flats
from melody.core.quiet import quiet_import

DEFAULT_PROGRAM = 0  # General MIDI: acoustic grand piano
INSTRUMENTS = {"Piano": 0, "Harpsichord": 6, "Accordion": 21, "Acoustic guitar": 24, "Violin": 40, "Flute": 73}


ACCOMPANIMENT_PROGRAM = 24  # General MIDI: nylon-string guitar, the chords under the melody's piano


MELODY_VELOCITY = 90


GM_DEFAULT_VOLUME = 100  # MIDI controller 7 (channel volume) where a file sets none: the melody's


# The accompaniment under the melody: played softly (velocity) on a channel turned down (controller 7, in
# the MIDI file too). Alone in the WAV its RMS is 8-11 dB below the melody's alone (piano melody, FluidR3_GM:
# 9.3 dB in 4/4 and 3/4, 8.2 in 2/4, 10.9 in 6/8's broken chords; tests/test_accompaniment.py). Only the
# product counts: General MIDI's level curve is 40 log10 of velocity x volume.
ACCOMPANIMENT_VELOCITY = 60


ACCOMPANIMENT_VOLUME = 45


def to_pretty_midi(
    melody: Melody, program: int = DEFAULT_PROGRAM, align_bars: bool = True, velocity: int = MELODY_VELOCITY
):
    """A pretty_midi object whose first note (or rest) starts at time 0. With ``align_bars``
    a pickup is a short first bar with its own time signature (`pickup_signature`), and the
    melody's meter starts at the first barline, so notation programs put every note in the
    right bar; without, the meter is simply set at 0 (for synthesis). A melody with chords
    gets a second instrument, `ACCOMPANIMENT_NAME` on `ACCOMPANIMENT_PROGRAM`
    (`accompaniment.notes`), and each chord's symbol as a text event where it starts."""
    pretty_midi = quiet_import("pretty_midi")

    pm = pretty_midi.PrettyMIDI(initial_tempo=melody.tempo)
    step_s = 60.0 / melody.tempo * STEP_QL
    numerator, denominator = (int(x) for x in melody.meter.split("/"))
    short = pickup_signature(melody) if align_bars else None
    if short:
        pm.time_signature_changes.append(pretty_midi.TimeSignature(*short, 0.0))
    barline_s = melody.pickup * step_s if short else 0.0
    pm.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, barline_s))
    pm.key_signature_changes.append(pretty_midi.KeySignature(_key_number(melody.key), 0.0))
    name = melody.title or "melody"
    if name.strip().lower() == ACCOMPANIMENT_NAME:
        name = "melody"  # the accompaniment's name is the one track a reader of the melody skips
    instrument = pretty_midi.Instrument(program=program, name=name)
    for event in melody.events():
        if event.pitch is not None:
            start, end = event.start * step_s, (event.start + event.length) * step_s
            instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=event.pitch, start=start, end=end))
    pm.instruments.append(instrument)
    if melody.chords:
        backing = pretty_midi.Instrument(program=ACCOMPANIMENT_PROGRAM, name=ACCOMPANIMENT_NAME)
        for event in accompaniment.notes(melody):
            start, end = event.start * step_s, (event.start + event.length) * step_s
            backing.notes.extend(pretty_midi.Note(ACCOMPANIMENT_VELOCITY, pitch, start, end) for pitch in event.pitches)
        backing.control_changes.append(pretty_midi.ControlChange(7, ACCOMPANIMENT_VOLUME, 0.0))
        pm.instruments.append(backing)
        flats = uses_flats(melody.key)
        pm.text_events.extend(pretty_midi.Text(chord.symbol(flats), chord.start * step_s) for chord in melody.chords)
    return pm


def to_midi_bytes(melody: Melody, program: int = DEFAULT_PROGRAM, align_bars: bool = True) -> bytes:
    """Standard MIDI file bytes of the melody."""
    buffer = io.BytesIO()
    to_pretty_midi(melody, program, align_bars).write(buffer)
    return buffer.getvalue()


def _key_number(key_text: str) -> int:
    """pretty_midi's key number: 0-11 major from C, 12-23 minor from C."""
    return tonic_pitch_class(key_text) + (12 if key_text.endswith("minor") else 0)


def pickup_signature(melody: Melody) -> tuple[int, int] | None:
    """The time signature of the melody's pickup bar as a short bar of its own, e.g.
    (1, 4) for one beat before 4/4 and (1, 8) for an eighth before 6/8; None without a
    pickup. Counted in the meter's beat unit where it fits, else in 8ths or 16ths."""
    if not melody.pickup:
        return None
    unit = int(melody.meter.split("/")[1])
    for denominator in sorted({unit, 8, 16}):
        steps = 16 // denominator  # 16ths in one unit
        if melody.pickup % steps == 0:
            return melody.pickup // steps, denominator
    raise AssertionError("a pickup is a whole number of 16ths")
