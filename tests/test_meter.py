"""Meters and pickups end to end, and the figures that check generated melodies."""

from __future__ import annotations

import pytest
from music21 import converter

from melody.core.melody import Melody
from melody.net.vocabulary import Vocabulary
from melody.output.engrave import to_musicxml_bytes
from melody.output.midi import to_midi_bytes
from melody.songs.corpus import Task, melody_from_score, parse_task
from melody.songs.meter_figures import meter_figures

JIG = """X:1
T:A jig with a pickup
M:6/8
L:1/8
K:G
D | G2A B2G | d2B c2A | B2G A2F | G3 G2 |]
"""


@pytest.fixture(scope="module")
def songs_with_a_pickup(tiny_corpus):
    waltz = next(m for m in tiny_corpus.melodies if m.meter == "3/4" and m.pickup)  # a real Essen song
    jig = parse_task(Task("jig.abc", "jig.abc", "abc", JIG), strict=True)
    assert (jig.meter, jig.pickup, jig.key) == ("6/8", 2, "G major")
    return [waltz, jig]


def _bar_lengths(musicxml: bytes) -> list[float]:
    part = converter.parse(musicxml, format="musicxml").parts[0]
    return [measure.highestTime for measure in part.getElementsByClass("Measure")]


def test_3_4_and_6_8_songs_with_a_pickup_survive_encode_decode_and_musicxml(songs_with_a_pickup):
    for song in songs_with_a_pickup:
        vocab = Vocabulary.from_melodies([song])
        decoded = song.with_steps(vocab.decode(vocab.encode(song.steps)))
        musicxml = to_musicxml_bytes(decoded)
        back = melody_from_score(converter.parse(musicxml, format="musicxml"), strict=False, trust_file_mode=True)
        assert (back.steps, back.meter, back.pickup, back.key) == (song.steps, song.meter, song.pickup, song.key)
        bar, pickup = song.bar_steps * 0.25, song.pickup * 0.25  # in quarter notes
        lengths = _bar_lengths(musicxml)
        assert lengths[0] == pickup and set(lengths[1:-1]) == {bar}  # a pickup bar, then whole bars
        assert lengths[-1] == bar - pickup  # and a last bar that completes the pickup, as the song was written


def test_a_6_8_pickup_survives_midi_too(songs_with_a_pickup):
    from melody.songs.corpus import melody_from_midi

    jig = songs_with_a_pickup[1]
    back = melody_from_midi(to_midi_bytes(jig), strict=False)
    assert (back.steps, back.meter, back.pickup, back.key) == (jig.steps, "6/8", 2, "G major")


def test_generation_keeps_the_meter_and_pickup_of_its_seed(tiny_model, songs_with_a_pickup):
    from melody.generate.generator import generate

    jig = songs_with_a_pickup[1]
    [melody] = generate(tiny_model, jig.opening(1), steps=48, random_seed=2, full_length=True)
    assert (melody.meter, melody.pickup, melody.key) == ("6/8", 2, "G major")
    lengths = _bar_lengths(to_musicxml_bytes(melody))
    assert lengths[0] == 0.5 and set(lengths[1:-1]) == {3.0}  # bars of 6/8 after an eighth-note pickup


def test_meter_figures_on_melodies_with_known_answers():
    # 2/4 with a one-beat pickup: G | C E G C | E G C E | C, ten notes, a last bar that completes the pickup
    right = Melody(tuple("67 _ _ _ 60 _ 64 _ 67 _ 60 _ 64 _ 67 _ 60 _ 64 _ 60 _ _ _".split()), meter="2/4", pickup=4)
    # 3/4 from the downbeat, cut off one step into a bar, ending on D (not the tonic), one F# (not in C major)
    cut = Melody(tuple("60 _ _ _ 62 _ _ _ 66 _ _ _ 62".split()), meter="3/4")
    figures = meter_figures([right, cut])
    assert figures["melodies"] == 2 and figures["notes"] == 10 + 4
    assert figures["ends_on_barline"] == 0.5 and figures["ends_on_tonic"] == 0.5
    assert figures["bars_complete"] == pytest.approx((2 + 1 + 1) / (2 + 1 + 1 + 1))  # all but the cut-off bar
    assert figures["notes_in_scale"] == pytest.approx(13 / 14)
    # onsets on a downbeat: in 2/4 steps 4, 12 and 20 (C, E, C); in 3/4 steps 0 and 12 (C, D)
    assert figures["strong_beat_onsets"] == pytest.approx(5 / 14)
    assert meter_figures([right], from_step=12)["notes"] == 5  # only what comes after the seed
    in_d = [m.transpose(2) for m in (right, cut)]  # degrees count from each melody's own tonic
    assert meter_figures(in_d) == figures
    on_the_barline = right.with_steps(right.steps + ("_",) * 4)  # a pickup song ending on a full bar
    assert meter_figures([on_the_barline])["ends_on_barline"] == 1.0


def test_repeated_bars_counts_bars_equal_to_the_bar_before():
    from melody.core.melody import Melody
    from melody.songs.meter_figures import meter_figures

    bar_a, bar_b = ["60", "_", "62", "_"], ["64", "_", "_", "_"]
    looping = Melody(tuple(["67", "_"] + bar_a * 3 + bar_b), meter="1/4", pickup=2)  # pickup, a a a b
    assert meter_figures([looping])["repeated_bars"] == pytest.approx(2 / 3)
    assert meter_figures([Melody(tuple(bar_a + bar_b), meter="1/4")])["repeated_bars"] == 0.0
