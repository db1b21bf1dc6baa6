"""Song files a teacher brings: a pickup written as leading rests, a melody with its bass, chords,
voices and triplets. Uploads read the top line and round a triplet in the opening to the 16th
grid, saying so in plain words (`Reading.notes`); the corpus (training data) still refuses them.

Every file is built here, tiny: MIDI with mido, MusicXML with music21, ABC as text.
"""

from __future__ import annotations

import io

import pytest

from melody.songs.corpus import SongSkipped, load_corpus, song_from_upload, upload_problem

TICKS = 480  # per quarter


def _midi(*tracks, meter=(4, 4), ticks=TICKS) -> bytes:
    """A MIDI file of ``tracks``: each a list of notes (pitch, start, end[, channel]), in quarters."""
    import mido

    midi = mido.MidiFile(ticks_per_beat=ticks)
    for index, notes in enumerate(tracks):
        events = []
        for pitch, start, end, *channel in notes:
            events.append((round(end * ticks), 0, pitch, channel[0] if channel else 0))  # offs before ons
            events.append((round(start * ticks), 1, pitch, channel[0] if channel else 0))
        track = mido.MidiTrack()
        if index == 0:
            track.append(mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1], time=0))
        now = 0
        for tick, on, pitch, channel in sorted(events):
            kind, velocity = ("note_on", 80) if on else ("note_off", 0)
            track.append(mido.Message(kind, note=pitch, velocity=velocity, channel=channel, time=tick - now))
            now = tick
        midi.tracks.append(track)
    data = io.BytesIO()
    midi.save(file=data)
    return data.getvalue()


def _quarters(pitches, start=0.0, length=1.0):
    return [(pitch, start + i * length, start + (i + 1) * length) for i, pitch in enumerate(pitches)]


def _musicxml(tmp_path, *parts, meter="4/4") -> bytes:
    """MusicXML of music21 parts, each a list of (pitch name or a list of them, quarters)."""
    from music21 import chord, note, stream
    from music21 import meter as meters

    score = stream.Score()
    for notes in parts:
        part = stream.Part()
        part.append(meters.TimeSignature(meter))
        for pitch, length in notes:
            if isinstance(pitch, list):
                part.append(chord.Chord(pitch, quarterLength=length))
            else:
                part.append(note.Note(pitch, quarterLength=length) if pitch else note.Rest(quarterLength=length))
        score.insert(0, part)
    return score.write("musicxml", fp=tmp_path / "made.musicxml").read_bytes()


def _read(name, data, bars=2):
    song = song_from_upload(name, data).opening(bars)
    return song.melody, song.notes()


def _said(notes, *words) -> bool:
    return any(all(word in note.lower() for word in words) for note in notes)


# ------------------------------------------------------------------------ (b) a pickup as rests
@pytest.mark.parametrize(
    "meter, first, pickup",
    [
        ((4, 4), 3.0, 4),  # the first note on beat 4: a quarter before the first barline
        ((4, 4), 2.0, 8),
        ((4, 4), 3.5, 2),
        ((3, 4), 2.0, 4),
        ((6, 8), 2.5, 2),  # the last eighth of a 6/8 bar
        ((2, 4), 1.0, 4),
        ((4, 4), 4.0, 0),  # a whole empty first bar is dropped
        ((4, 4), 7.0, 4),  # an empty bar, then three beats of rest
    ],
)
def test_leading_rests_in_a_midi_file_are_a_pickup(meter, first, pickup):
    melody, notes = _read("rests.mid", _midi(_quarters([67, 72, 74, 76, 77, 79, 81, 83, 84], first), meter=meter))
    assert (melody.pickup, melody.meter) == (pickup, f"{meter[0]}/{meter[1]}")
    assert melody.steps[:5] == ("67", "_", "_", "_", "72")  # no rest before the first note
    assert notes == ()


def test_leading_rests_at_another_resolution_are_a_pickup_too():
    melody, _ = _read("rests.mid", _midi(_quarters([67, 72, 74, 76, 77], 3.0), ticks=96))
    assert melody.pickup == 4 and melody.steps[0] == "67"


def test_leading_rests_in_a_musicxml_file_are_a_pickup(tmp_path):
    tune = [(None, 3), ("G4", 1), ("C5", 2), ("D5", 2), ("E5", 4), ("D5", 4)]
    melody, _ = _read("rests.musicxml", _musicxml(tmp_path, tune))
    assert melody.pickup == 4 and melody.steps[:5] == ("67", "_", "_", "_", "72")
    melody, _ = _read("rests.musicxml", _musicxml(tmp_path, [(None, 4), *tune[1:]]))  # a whole bar: dropped
    assert melody.pickup == 0 and melody.steps[0] == "67"


def test_the_top_lines_own_leading_rests_are_its_pickup_under_a_bass_from_the_downbeat():
    melody_part = _quarters([67, 72, 71, 72, 74, 76, 74, 72, 71], 3.0)
    bass = [(48, 0.0, 4.0), (43, 4.0, 8.0), (48, 8.0, 12.0)]
    melody, notes = _read("duet.mid", _midi(bass, melody_part))
    assert melody.pickup == 4 and melody.pitches()[:3] == [67, 72, 71]
    assert _said(notes, "top line", "2 parts")


# --------------------------------------------------------------------- (c) more than one line
MELODY = [("E5", 1), ("D5", 1), ("C5", 1), ("D5", 1), ("E5", 1), ("E5", 1), ("E5", 2), ("D5", 1), ("D5", 1)]
BASS = [("C3", 4), ("G2", 4), ("G2", 2)]


@pytest.mark.parametrize("order", ["melody first", "bass first"])
def test_a_two_part_musicxml_melody_and_bass_gives_its_top_line_with_a_note(tmp_path, order):
    parts = (MELODY, BASS) if order == "melody first" else (BASS, MELODY)
    melody, notes = _read("duet.musicxml", _musicxml(tmp_path, *parts))
    assert melody.pitches() == [76, 74, 72, 74, 76, 76, 76]  # the opening: two bars of the tune
    assert notes == ("Took the top line of 2 parts.",)


def test_chords_in_one_musicxml_part_give_their_top_notes(tmp_path):
    part = [(["C4", "E4", "G4"], 2), (["D4", "F4", "B4"], 2), ("C5", 4)]
    melody, notes = _read("chords.musicxml", _musicxml(tmp_path, part))
    assert melody.pitches() == [67, 71, 72] and _said(notes, "top note", "chord")


def test_a_midi_with_chords_in_one_track_gives_the_top_notes():
    chords = [(60, 0, 1), (64, 0, 1), (67, 0, 1), (62, 1, 2), (65, 1, 2), (69, 1, 2), (64, 2, 4), (67, 2, 4)]
    chords += [(72, 2, 4), (60, 4, 8), (64, 4, 8), (67, 4, 8)]
    melody, notes = _read("chords.mid", _midi(chords))
    assert melody.steps == ("67", "_", "_", "_", "69", "_", "_", "_", "72", *["_"] * 7, "67", *["_"] * 15)
    assert notes == ("Took the top note of each chord.",)


def test_a_midi_melody_and_bass_in_two_tracks_or_two_channels_gives_the_melody():
    tune = _quarters([72, 71, 69, 67, 69, 71, 72, 72])
    bass = [(48, 0, 2), (43, 2, 4), (45, 4, 6), (48, 6, 8)]
    on_channel_1 = [(*note, 1) for note in bass]
    for data in (_midi(bass, tune), _midi(tune + on_channel_1)):  # two tracks; two channels of one track
        melody, notes = _read("duet.mid", data)
        assert melody.pitches() == [72, 71, 69, 67, 69, 71, 72, 72] and notes == ("Took the top line of 2 parts.",)


def test_a_legato_midi_line_keeps_every_note():
    """A played melody's notes overlap a little (legato): that is one line, not chords."""
    played = [(pitch, start, end + 0.3) for pitch, start, end in _quarters([72, 71, 69, 67, 65, 64, 62, 60])]
    melody, notes = _read("legato.mid", _midi(played))
    assert melody.pitches() == [72, 71, 69, 67, 65, 64, 62, 60] and notes == ()


def test_two_voices_in_one_part_give_the_top_voice():
    from test_hostile_files import SPINE_SPLIT, TWO_VOICES

    melody, notes = _read("two.musicxml", TWO_VOICES)
    assert melody.pitches() == [72, 74] and notes == ("Took the top line of 2 voices.",)
    melody, notes = _read("split.krn", SPINE_SPLIT)
    assert melody.pitches() == [60, 62, 64] and notes == ("Took the top line of 2 voices.",)


def test_the_corpus_still_refuses_two_parts_and_says_so_once(tmp_path):
    songs = tmp_path / "songs"
    songs.mkdir()
    (songs / "duet.musicxml").write_bytes(_musicxml(tmp_path, MELODY, BASS))
    result = load_corpus([songs], workers=1)
    [(_, reason, detail)] = result.skipped_items
    assert (reason, detail) == ("polyphony", "2 parts")
    message = upload_problem("duet.musicxml", SongSkipped(reason, detail))
    assert message.count("melodic line") <= 1 and "(2 parts)" in message


# ------------------------------------------------------------------------------- (d) triplets
def _abc(bars: str, meter="2/4") -> bytes:
    return f"X:1\nT:Song\nM:{meter}\nL:1/8\nK:C\n{bars}\n".encode()


TRIPLET_IN_BAR_5 = "CD EF|GA Bc|cB AG|FE DC|(3CDE F2|G4|]"
TRIPLET_IN_BAR_1 = "(3CDE F2|GA Bc|cB AG|FE DC|C4|]"


def test_a_triplet_after_the_opening_does_not_matter():
    melody, notes = _read("song.abc", _abc(TRIPLET_IN_BAR_5))
    assert melody.pitches() == [60, 62, 64, 65, 67, 69, 71, 72] and notes == ()
    song = song_from_upload("song.abc", _abc(TRIPLET_IN_BAR_5))
    assert song.notes() and len(song.melody) == 6 * 8  # the whole song is on the grid too (said only if used)


def test_a_triplet_in_the_opening_is_rounded_to_16ths_and_said():
    melody, notes = _read("song.abc", _abc(TRIPLET_IN_BAR_1))
    assert melody.steps[:6] == ("60", "62", "_", "64", "65", "_")  # 16th, 8th, 16th: on the grid, in time
    assert notes == ("A triplet in bar 1 was rounded to 16ths.",)


def test_a_triplet_in_a_musicxml_song_is_read_the_same(tmp_path):
    from music21 import converter

    for bars, said in ((TRIPLET_IN_BAR_5, ()), (TRIPLET_IN_BAR_1, ("A triplet in bar 1 was rounded to 16ths.",))):
        path = converter.parse(_abc(bars).decode(), format="abc").write("musicxml", fp=tmp_path / "song.musicxml")
        melody, notes = _read("song.musicxml", path.read_bytes())
        assert notes == said and len(melody) == 16


def test_a_triplet_in_the_pickup_or_in_bar_2_is_named_by_its_place():
    _, notes = _read("song.abc", _abc("C|D2 EF|(3GAB c2|c4|]"))
    assert notes == ("A triplet in bar 2 was rounded to 16ths.",)
    _, notes = _read("song.abc", _abc("(3GAB|c2 BA|G4|(3cBA G2|]"))
    assert notes == ("A triplet in the pickup was rounded to 16ths.",)
    _, notes = _read("song.abc", _abc("(3GAB c|d (3cBA|G3|]", meter="3/8"))
    assert notes == ("Triplets in bars 1 and 2 were rounded to 16ths.",)


def test_a_kern_triplet_and_a_midi_triplet_in_bar_1_are_rounded_and_said():
    from conftest import DATA

    melody, notes = _read("triplets.krn", (DATA / "triplets.krn").read_bytes())
    assert melody.steps[:4] == ("60", "62", "_", "64") and notes == ("A triplet in bar 1 was rounded to 16ths.",)
    third = 1 / 3
    played = [(72, 0, third), (74, third, 2 * third), (76, 2 * third, 1), (77, 1, 2), (79, 2, 4), (77, 4, 8)]
    melody, notes = _read("triplets.mid", _midi(played))
    assert melody.steps[:4] == ("72", "74", "_", "76") and notes == ("A triplet in bar 1 was rounded to 16ths.",)


def test_the_corpus_still_refuses_a_triplet():
    from conftest import DATA

    result = load_corpus([DATA / "triplets.krn"], workers=1)
    assert dict(result.skipped) == {"bad_duration": 1}
