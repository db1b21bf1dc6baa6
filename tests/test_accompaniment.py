"""The accompaniment under a melody's chords: its pattern in each meter, its voicing, the
MIDI track it becomes (and the chords read back from it and from MusicXML <harmony>), and
the WAV it is heard in, balanced under the melody."""

import io
import random
import wave

import mido
import numpy as np
import pytest

from melody.chords import accompaniment
from melody.chords.accompaniment import AccompanimentNote, chord_at, notes
from melody.core.melody import STEP_QL, Chord, Melody
from melody.output import engrave, loudness, midi, sound
from melody.songs.reading import melody_from_midi, melody_from_score

C, F, G, A_MINOR, D_MINOR = (
    Chord(0, 0, "major"),
    Chord(0, 5, "major"),
    Chord(0, 7, "major"),
    Chord(0, 9, "minor"),
    Chord(0, 2, "minor"),
)
# a tune in C from C4 to A4 (its lowest note 60, its middle 64): a low one, that leaves the triads little room
PHRASE = "67 _ 64 _ 62 _ 64 _ 67 _ _ _ 69 _ 67 _ 65 _ 64 _ 62 _ 60 _ 62 _ _ _ 64 _ _ _".split()
JIG = Melody(
    tuple("67 _ 71 _ _ _ 74 _ 71 _ 67 _ 69 _ _ _ 66 _ 62 _ _ _ _ _ _ _".split()), meter="6/8", pickup=2, key="G major"
)


def _tune(meter: str, bars: int, pickup: int = 0, tempo: float = 100.0) -> Melody:
    """A pickup and ``bars`` bars of ``meter`` cut from PHRASE (repeated), ending on a long C."""
    bar = Melody(("60",), meter=meter).bar_steps
    length = pickup + bars * bar
    steps = (PHRASE * (length // len(PHRASE) + 1))[: length - bar] + ["72"] + ["_"] * (bar - 1)
    if steps[0] == "_":
        steps[0] = "64"
    return Melody(tuple(steps), meter=meter, pickup=pickup, tempo=tempo)


def _kinds(melody: Melody) -> list[tuple[int, int, str]]:
    """The accompaniment as (start, length, kind): "B" the bass, "F" the fifth in the bass, "C"
    the triad, "1" "2" "3" one note of the triad (low to high), "BC" bass and triad together."""
    voicings = dict(zip(melody.chords, accompaniment._voicings(melody)))
    out = []
    for event in notes(melody):
        bass, fifth, triad = voicings[chord_at(melody, event.start)]
        names = {(bass,): "B", (fifth,): "F", triad: "C", tuple(sorted({bass, *triad})): "BC"}
        names.update({(pitch,): str(index + 1) for index, pitch in enumerate(triad)})
        out.append((event.start, event.length, names[event.pitches]))
    return out


@pytest.mark.parametrize(
    "meter, tempo, first_bar",
    [
        ("2/4", 100.0, [(0, 2, "B"), (2, 2, "C"), (4, 2, "F"), (6, 2, "C")]),  # oom-pah in 8ths
        ("2/4", 160.0, [(0, 4, "B"), (4, 4, "C")]),  # fast: in quarters
        ("3/4", 100.0, [(0, 4, "B"), (4, 4, "C"), (8, 4, "C")]),
        ("4/4", 100.0, [(0, 4, "B"), (4, 4, "C"), (8, 4, "F"), (12, 4, "C")]),
        ("2/2", 100.0, [(0, 8, "B"), (8, 8, "C")]),
        ("5/4", 100.0, [(0, 4, "B")] + [(4 * i, 4, "C") for i in range(1, 5)]),  # the fallback
    ],
)
def test_each_meter_has_its_pattern_and_the_last_bar_holds_the_final_chord(meter, tempo, first_bar):
    melody = _tune(meter, 2, tempo=tempo)
    bar = melody.bar_steps
    melody = melody.with_chords([C, G._replace(start=bar)])
    events = _kinds(melody)
    assert events[: len(first_bar)] == first_bar
    assert events[len(first_bar) :] == [(bar, bar, "BC")]  # the cadence: one long bass and triad


def test_compound_meters_break_the_chord_in_8ths_up_and_back():
    for meter, bar in (("6/8", "B12321"), ("9/8", "B12321F12"), ("12/8", "B12321F12321")):
        melody = _tune(meter, 2).with_chords([G])
        first = _kinds(melody)[: len(bar)]
        assert [(start, length) for start, length, _ in first] == [(2 * i, 2) for i in range(len(bar))]
        assert "".join(kind for _, _, kind in first) == bar


def test_a_pickup_and_a_chord_that_starts_mid_bar_begin_the_pattern_again():
    melody = _tune("4/4", 3, pickup=4).with_chords(
        [C, F._replace(start=12), G._replace(start=28), C._replace(start=36)]
    )
    assert _kinds(melody) == [
        (0, 4, "B"),  # the pickup: one beat, the pattern's first
        (4, 4, "B"), (8, 4, "C"),  # C on beats 1-2 of bar 1 ...
        (12, 4, "B"), (16, 4, "C"),  # ... F from beat 3: bass first again, cut at the barline
        (20, 4, "B"), (24, 4, "C"),  # bar 2 goes on with F from its start
        (28, 4, "B"), (32, 4, "C"),  # G from beat 3
        (36, 16, "BC"),  # the last bar
    ]  # fmt: skip
    jig = JIG.with_chords([G, Chord(8, 2, "major"), G._replace(start=20)])
    assert _kinds(jig) == [(0, 2, "B"), (2, 2, "B"), (4, 2, "1"), (6, 2, "2"), (8, 2, "B"), (10, 2, "1"), (12, 2, "2"),
                           (14, 2, "B"), (16, 2, "1"), (18, 2, "2"), (20, 6, "BC")]  # fmt: skip


def test_no_chords_no_accompaniment_and_chord_at():
    assert notes(JIG) == [] and chord_at(JIG, 0) is None
    jig = JIG.with_chords([Chord(2, 7, "major"), Chord(8, 2, "major")])
    assert [chord_at(jig, step) for step in (0, 1, 2, 7, 8, 25)] == [
        None,
        None,
        *jig.chords[:1] * 2,
        *jig.chords[1:] * 2,
    ]
    assert chord_at(jig, 26) is None and chord_at(jig, -1) is None
    assert notes(jig)[0].start == 2  # nothing before the first chord


def _random_melody(rng: random.Random) -> Melody:
    meter = rng.choice(["2/4", "3/4", "4/4", "6/8", "9/8", "12/8", "5/8", "7/4", "3/8", "2/2", "6/16"])
    bar = Melody(("60",), meter=meter).bar_steps
    pickup = rng.randrange(bar)
    length = max(pickup + rng.randrange(1, 6) * bar - rng.randrange(bar), 1)  # the last bar may be short
    steps = [str(rng.randrange(55, 80)) if rng.random() < 0.4 else "_" for _ in range(length)]
    steps[0] = steps[0] if steps[0] != "_" else "r"
    starts = sorted(rng.sample(range(length), min(length, rng.randrange(1, 8))))
    chords = [
        Chord(start, rng.randrange(12), rng.choice(["major", "minor", "diminished", "augmented"])) for start in starts
    ]
    return Melody(
        tuple(steps), meter=meter, pickup=min(pickup, length), tempo=rng.choice([60.0, 100.0, 180.0]), title="x"
    ).with_chords(chords)


def test_events_fill_each_chord_without_crossing_a_barline_or_overlapping():
    rng = random.Random(16)
    for _ in range(300):
        melody = _random_melody(rng)
        events = notes(melody)
        assert all(isinstance(event, AccompanimentNote) and event.length >= 1 for event in events)
        assert [e.start + e.length for e in events[:-1]] == [e.start for e in events[1:]]  # one voice, no gaps
        assert events[0].start == melody.chords[0].start and events[-1].start + events[-1].length == len(melody)
        for event in events:
            end = event.start + event.length - 1
            assert melody.bar_position(event.start) + event.length <= melody.bar_steps  # inside its bar
            assert chord_at(melody, event.start) == chord_at(melody, end)  # inside its chord
            classes = set(chord_at(melody, event.start).pitch_classes())
            assert {pitch % 12 for pitch in event.pitches} <= classes and list(event.pitches) == sorted(
                set(event.pitches)
            )


def test_the_bass_lies_low_and_the_triads_under_the_melody_moving_little():
    progression = [C, F, G, C, A_MINOR, D_MINOR, G, C]
    for shift in range(-5, 7):  # the same tune in 12 keys
        melody = _tune("4/4", 8).transpose(shift)
        melody = melody.with_chords(
            [chord._replace(start=16 * i).transpose(shift) for i, chord in enumerate(progression)]
        )
        voicings = accompaniment._voicings(melody)
        middle = sorted(melody.pitches())[(len(melody.pitches()) - 1) // 2]
        assert all(triad[-1] <= min(67, middle) and bass < triad[0] for bass, _, triad in voicings)
        if middle >= 64:  # room under the melody's middle: the triads from C3, the bass from C2 (under C3 ones)
            assert all(36 <= bass <= 51 and 36 <= fifth <= 55 and 48 <= triad[0] for bass, fifth, triad in voicings)
        moves = [abs(a - b) for one, two in zip(voicings, voicings[1:]) for a, b in zip(one.triad, two.triad)]
        assert max(moves) <= 5  # close voice leading: no voice leaps more than a fourth (back up after a low note)
        assert [event.pitches for event in notes(melody)][:4] == [
            (voicings[0].bass,), voicings[0].triad, (voicings[0].fifth,), voicings[0].triad
        ]  # fmt: skip


def test_a_low_melody_pulls_the_triads_down_below_its_middle():
    low = _tune("3/4", 4).transpose(-12).with_chords([C, G._replace(start=24)])  # the tune around C3-C4
    middle = sorted(low.pitches())[(len(low.pitches()) - 1) // 2]
    assert all(max(event.pitches) <= middle for event in notes(low) if len(event.pitches) >= 3)
    assert all(event.pitches[0] < min(event.pitches[1:], default=999) for event in notes(low))


def _with_chords(meter: str = "4/4", pickup: int = 0) -> Melody:
    melody = _tune(meter, 4, pickup=pickup)
    half = melody.bar_steps // 2
    progression = [C, F, G, A_MINOR, D_MINOR, G, G, C]
    return melody.with_chords([chord._replace(start=pickup + half * i) for i, chord in enumerate(progression)])


@pytest.mark.parametrize("meter, pickup", [("4/4", 0), ("3/4", 4), ("6/8", 2), ("2/4", 0)])
def test_the_midi_has_an_accompaniment_track_and_reads_back_the_same_melody_and_chords(meter, pickup):
    melody = _with_chords(meter, pickup).replace(key="A minor" if meter == "3/4" else "C major")
    data = midi.to_midi_bytes(melody)
    pm = midi.to_pretty_midi(melody)
    assert [i.name for i in pm.instruments] == ["melody", "accompaniment"]
    assert pm.instruments[1].program == midi.ACCOMPANIMENT_PROGRAM
    assert {n.velocity for n in pm.instruments[1].notes} == {midi.ACCOMPANIMENT_VELOCITY}
    assert midi.ACCOMPANIMENT_VELOCITY < midi.MELODY_VELOCITY
    assert [(c.number, c.value) for c in pm.instruments[1].control_changes] == [(7, midi.ACCOMPANIMENT_VOLUME)]
    assert [(t.text, round(t.time / (60 / melody.tempo * STEP_QL))) for t in pm.text_events] == [
        (chord.symbol(), chord.start) for chord in melody.chords
    ]
    back = melody_from_midi(data, strict=False)
    assert (back.steps, back.meter, back.pickup, back.chords) == (
        melody.steps,
        melody.meter,
        melody.pickup,
        melody.chords,
    )


@pytest.mark.parametrize("octave", [0, -1])  # the tune from C4, and from C3: its triads go down among the basses
def test_without_chord_symbols_the_midi_chords_come_from_the_bass_notes_and_the_chords_over_them(octave):
    melody = _with_chords("3/4", 4).replace(chords=())
    progression = [(4, C), (16, F), (22, G), (28, A_MINOR), (34, D_MINOR), (40, G), (46, C)]  # no chord twice in a row
    melody = melody.with_chords([chord._replace(start=start) for start, chord in progression]).transpose(12 * octave)
    song_file = mido.MidiFile(file=io.BytesIO(midi.to_midi_bytes(melody)))
    for track in song_file.tracks:  # as a program that drops text events would write it
        track[:] = [message for message in track if message.type != "text"]
    buffer = io.BytesIO()
    song_file.save(file=buffer)
    assert melody_from_midi(buffer.getvalue(), strict=False).chords == melody.chords


def test_chord_symbols_in_the_midi_are_spelled_as_the_key_is():
    melody = _with_chords().transpose(5)  # F major: Bb, not A#
    assert [t.text for t in midi.to_pretty_midi(melody).text_events][:3] == ["F", "Bb", "C"]
    assert [t.text for t in midi.to_pretty_midi(melody.transpose(1)).text_events][:3] == ["F#", "B", "C#"]
    minor = melody.replace(key="D minor").transpose(-2, key="C minor")  # flats: Eb, Ab
    assert {t.text for t in midi.to_pretty_midi(minor).text_events} >= {"Eb", "Ab"}
    assert melody_from_midi(midi.to_midi_bytes(minor), strict=False).chords == minor.chords


def test_a_melody_that_opens_with_a_rest_keeps_its_chords_on_its_first_note_in_midi():
    jig = Melody(("r", "_", "_", "_") + JIG.steps, meter="6/8", pickup=6, key="G major")
    jig = jig.with_chords([G, Chord(12, 2, "major"), G._replace(start=24)])
    back = melody_from_midi(midi.to_midi_bytes(jig), strict=False)
    assert back.steps == JIG.steps and back.chords == (
        G,
        Chord(8, 2, "major"),
        G._replace(start=20),
    )  # MIDI drops the rest


def test_midi_without_chords_is_read_as_before_and_a_melody_titled_accompaniment_stays_melody():
    assert melody_from_midi(midi.to_midi_bytes(JIG), strict=False).chords == ()
    titled = _with_chords().replace(title="Accompaniment")
    assert midi.to_pretty_midi(titled).instruments[0].name == "melody"
    assert melody_from_midi(midi.to_midi_bytes(titled), strict=False).steps == titled.steps


HARMONY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="4.0">
  <part-list>
    <score-part id="P1"><part-name>Melody</part-name></score-part>
    <score-part id="P2"><part-name>Accompaniment</part-name></score-part>
  </part-list>
  <part id="P1">
    <measure number="0">
      <attributes><divisions>2</divisions><key><fifths>1</fifths><mode>major</mode></key>
        <time><beats>3</beats><beat-type>4</beat-type></time></attributes>
      <harmony><root><root-step>G</root-step></root><kind>dominant</kind></harmony>
      <note><pitch><step>D</step><octave>4</octave></pitch><duration>2</duration><type>quarter</type></note>
    </measure>
    <measure number="1">
      <harmony><root><root-step>E</root-step></root><kind>minor-seventh</kind></harmony>
      <note><pitch><step>G</step><octave>4</octave></pitch><duration>2</duration><type>quarter</type></note>
      <harmony><root><root-step>D</root-step></root><kind>major</kind><bass><bass-step>F</bass-step><bass-alter>1</bass-alter></bass></harmony>
      <note><pitch><step>F</step><alter>1</alter><octave>4</octave></pitch><duration>4</duration><type>half</type></note>
    </measure>
    <measure number="2">
      <harmony><root><root-step>C</root-step></root><kind text="N.C.">none</kind></harmony>
      <note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration><type>eighth</type></note>
      <harmony><root><root-step>F</root-step><root-alter>1</root-alter></root><kind>half-diminished</kind></harmony>
      <note><pitch><step>C</step><octave>5</octave></pitch><duration>1</duration><type>eighth</type></note>
      <harmony><root><root-step>E</root-step><root-alter>-1</root-alter></root><kind>augmented</kind></harmony>
      <note><pitch><step>B</step><octave>4</octave></pitch><duration>4</duration><type>half</type></note>
    </measure>
  </part>
  <part id="P2">
    <measure number="0"><attributes><divisions>2</divisions><clef><sign>F</sign><line>4</line></clef></attributes>
      <note><pitch><step>G</step><octave>2</octave></pitch><duration>2</duration><type>quarter</type></note>
      <backup><duration>2</duration></backup>
      <note><pitch><step>B</step><octave>2</octave></pitch><duration>2</duration><type>quarter</type></note></measure>
    <measure number="1"><note><rest/><duration>6</duration></note></measure>
    <measure number="2"><note><rest/><duration>6</duration></note></measure>
  </part>
</score-partwise>
"""


def test_musicxml_harmony_becomes_triads_on_the_melody_grid_and_the_accompaniment_part_is_not_melody():
    from music21 import converter

    melody = melody_from_score(converter.parse(HARMONY_XML, format="musicxml"), strict=False, trust_file_mode=True)
    assert melody.steps == tuple("62 _ _ _ 67 _ _ _ 66 _ _ _ _ _ _ _ 64 _ 72 _ 71 _ _ _ _ _ _ _".split())
    assert (melody.pickup, melody.meter, melody.key) == (4, "3/4", "G major")
    # G7 -> G, Em7 -> Em, D/F# -> D, N.C. skipped, F#m7b5 -> F#dim, Eb+ -> Ebaug
    want = [(0, 7, "major"), (4, 4, "minor"), (8, 2, "major"), (18, 6, "diminished"), (20, 3, "augmented")]
    assert melody.chords == tuple(Chord(*chord) for chord in want)


def test_the_lead_sheet_writer_round_trips_chords_when_there_is_one():
    from music21 import converter

    melody = _with_chords("6/8", 2).replace(key="G major").transpose(7)
    score = converter.parse(engrave.to_musicxml_bytes(melody), format="musicxml")
    back = melody_from_score(score, strict=False, trust_file_mode=True)
    assert back.steps == melody.steps
    if any(p.partName == "Accompaniment" for p in score.parts):  # the writer of chords is there
        assert back.chords == melody.chords


# ---------------------------------------------------------------- the WAV
def _wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), "<i2") / 32768.0, audio.getframerate()


def _needs_fluidsynth():
    if sound.synthesizer() != "fluidsynth":
        pytest.skip("FluidSynth or a General MIDI SoundFont is not installed")


@pytest.mark.parametrize("synth", ["fluidsynth", "pretty_midi"])
def test_the_wav_with_chords_starts_at_the_first_note_ends_after_the_last_and_is_normalised(synth, monkeypatch):
    if synth == "fluidsynth":
        _needs_fluidsynth()
    monkeypatch.setattr(sound, "synthesizer", lambda: synth)
    rest = ("r", "_", "_", "_")
    melody = Melody(rest + _tune("4/4", 4).steps + rest * 4, meter="4/4", pickup=4)  # opens and ends with rests
    melody = melody.with_chords([C._replace(start=2), F._replace(start=12), G._replace(start=36), C._replace(start=52)])
    audio, rate = _wav(sound.to_wav_bytes(melody))
    sounding = np.flatnonzero(np.abs(audio) > 10 ** (-50 / 20))
    assert sounding[0] / rate < 0.01  # the rest is not played: the first note starts the WAV
    held_s = (len(melody) - 4) * STEP_QL * 60 / melody.tempo  # the final chord is held through the closing rest
    assert held_s + sound.WAV_TAIL_S - 0.01 <= len(audio) / rate <= held_s + sound.WAV_TAIL_S + 0.01
    assert np.abs(audio[-10:]).max() < 1e-3
    lufs, peak = loudness.integrated_lufs(audio, rate), loudness.peak_dbfs(audio)
    assert peak <= -0.9 and (lufs == pytest.approx(-16.0, abs=0.5) or peak >= -1.1)


def test_the_wav_plays_the_accompaniment_of_the_whole_melody_from_its_first_note():
    melody = Melody(("r", "_", "_", "_") + JIG.steps, meter="6/8", pickup=6, key="G major")
    melody = melody.with_chords([G, Chord(12, 2, "major"), G._replace(start=24)])
    _, backing = sound.sounding_parts(melody)
    step_s = 60 / melody.tempo * STEP_QL
    want = [
        (max(e.start - 4, 0), e.start + e.length - 4, p)
        for e in notes(melody)
        for p in e.pitches
        if e.start + e.length > 4
    ]
    assert [(round(n.start / step_s, 6), round(n.end / step_s, 6), n.pitch) for n in backing.notes] == want
    assert (backing.program, backing.volume) == (midi.ACCOMPANIMENT_PROGRAM, midi.ACCOMPANIMENT_VOLUME)


def _rms_db(audio: np.ndarray) -> float:
    return 10 * np.log10(np.mean(audio**2))


@pytest.mark.parametrize("meter", ["4/4", "3/4", "2/4", "6/8"])
def test_the_accompaniment_sounds_8_to_11_db_under_the_melody(meter):
    _needs_fluidsynth()
    melody, backing = sound.sounding_parts(_with_chords(meter))
    synth = sound._fluidsynth(sound.WAV_SAMPLE_RATE)
    alone = synth.play([melody], sound.WAV_TAIL_S)
    under = synth.play([melody._replace(notes=[]), backing], sound.WAV_TAIL_S)  # on its own channel, as in the mix
    assert 7.5 <= _rms_db(alone) - _rms_db(under) <= 11.5


def test_a_long_song_with_chords_is_one_well_formed_svg_wide_and_for_phones():
    import xml.etree.ElementTree as ET

    from melody.output import engrave

    song = Melody(tuple("60 _ 62 _ 64 _ 65 _".split()) * 128, meter="4/4")  # 64 bars, the studio's longest
    bar = song.bar_steps
    song = song.with_chords(
        [Chord(start, (0, 7, 5, 7)[start // bar % 4], "major") for start in range(0, len(song), bar)]
    )
    for svg in engrave.to_svgs(song, (engrave.SCORE_WIDTH, engrave.PHONE_SCORE_WIDTH)):
        root = ET.fromstring(svg)  # one document: pages joined would not be an image a browser draws
        assert root.tag.endswith("svg") and svg.count("Folk melody") >= 1
