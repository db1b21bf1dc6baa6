"""ABC out (`melody.output.abc`): every file read back by music21's ABC reader gives the same
notes (pitch, start, length; ties joined), rests where they were, and the same chords, in every
meter the studio writes and in keys with sharps, flats and none, major and minor."""

import zlib

import numpy as np
import pytest

from melody.core.melody import Chord, Melody
from melody.core.pitch import key_signature
from melody.output.abc import abc_key, to_abc
from melody.studio.recipe import METERS

KEYS = ("C major", "G major", "D minor", "Bb major", "F# minor", "Eb major", "E major", "C minor", "Db major")


def random_melody(meter: str, key: str, seed: int) -> Melody:
    """A melody of 4 bars and a bit: random notes (C3 to C6), rests, lengths of 1 to 12 16ths, a
    pickup, and a chord at random beats."""
    rng = np.random.default_rng(seed)
    bar = Melody((), meter=meter).bar_steps
    events, total = [], 0
    while total < 4 * bar + 3:
        length = int(rng.choice([1, 2, 2, 3, 4, 4, 6, 8, 12]))
        pitch = None if (events and events[-1][0] is not None and rng.random() < 0.15) else int(rng.integers(48, 85))
        events.append((pitch, length))
        total += length
    pickup = int(rng.integers(0, bar)) if seed % 2 else 0
    tempo = int(rng.integers(60, 160))
    melody = Melody.from_events(events, meter=meter, key=key, pickup=min(pickup, total), tempo=tempo)
    starts = sorted({0, *(int(s) for s in rng.integers(1, len(melody), 6))})
    qualities = ("major", "minor", "diminished", "augmented")
    chords = [Chord(s, int(rng.integers(0, 12)), qualities[int(rng.integers(0, 4))]) for s in starts]
    return melody.with_chords(chords)


def read_back(text: str) -> tuple[list[tuple], list[Chord]]:
    """(pitch, start, length) of each note (ties joined) and the chords, in 16ths from the start."""
    import music21

    score = music21.converter.parse(text, format="abc")
    notes, chords = [], []
    for element in score.flatten().notesAndRests:
        step = round(float(element.offset) * 4)
        if isinstance(element, music21.harmony.ChordSymbol):
            chords.append(Chord.from_symbol(element.figure, step))
        elif element.isNote:
            length = round(float(element.quarterLength) * 4)
            if element.tie is not None and element.tie.type in ("stop", "continue"):
                pitch, start, before = notes[-1]
                assert pitch == element.pitch.midi and start + before == step
                notes[-1] = (pitch, start, before + length)
            else:
                notes.append((element.pitch.midi, step, length))
    return notes, chords


@pytest.mark.parametrize("meter", METERS)
@pytest.mark.parametrize("key", KEYS)
def test_abc_reads_back_to_the_same_notes_and_chords(meter, key):
    melody = random_melody(meter, key, seed=zlib.crc32(f"{meter} {key}".encode()) % 1000)
    text = to_abc(melody, number=3, title="Round trip")
    notes, chords = read_back(text)
    assert notes == [(e.pitch, e.start, e.length) for e in melody.events() if e.pitch is not None], text
    assert chords == list(melody.chords), text


def test_the_header_names_the_tune():
    melody = Melody(("62", "_", "65", "_", "69", "_", "_", "_"), key="D minor", meter="6/8", tempo=112, pickup=2)
    text = to_abc(melody, number=48213, title="Folk melody #48213 % not a comment")
    header = dict(line.split(":", 1) for line in text.splitlines()[:6])
    assert header == {"X": "48213", "T": "Folk melody #48213 percent not a comment", "M": "6/8", "L": "1/8",
                      "Q": "1/4=112", "K": "Dm"}  # fmt: skip
    assert text.splitlines()[6].startswith("D |")  # the pickup is a short first bar


def test_keys_and_signatures():
    assert [abc_key(k) for k in ("G major", "E minor", "Bb major", "F# minor")] == ["G", "Em", "Bb", "F#m"]
    assert key_signature("D major") == {"F": 1, "C": 1} and key_signature("C minor") == {"B": -1, "E": -1, "A": -1}


def test_an_accidental_is_said_again_in_its_bar():
    """F# then F natural then F# in C major: each written with its accidental, so readers that
    carry accidentals through the bar and readers that do not agree."""
    melody = Melody(("66", "_", "65", "_", "66", "_", "60", "_"), meter="2/4")
    assert "^F =F ^F C" in to_abc(melody)
    assert read_back(to_abc(melody))[0] == [(66, 0, 2), (65, 2, 2), (66, 4, 2), (60, 6, 2)]


def test_an_abc_download_is_a_song_file_the_studio_reads_back(tmp_path):
    """Written by suffix (`files.write`, as generate.py --out x.abc does) and given back to the
    studio's own song reader (the upload): the same steps, meter, pickup and key."""
    from melody.output import files
    from melody.songs.corpus import song_from_file

    melody = random_melody("6/8", "D major", seed=5).replace(title="Folk melody #5")
    path = tmp_path / "song.abc"
    files.write(melody, path, 0, 5, None)
    read = song_from_file(path).melody
    assert (read.steps, read.meter, read.pickup, read.key) == (melody.steps, "6/8", melody.pickup, "D major")
