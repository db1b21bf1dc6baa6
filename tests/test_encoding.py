import numpy as np
import pytest
from conftest import DATA
from music21 import converter

from melody.core.melody import Melody
from melody.net.vocabulary import Vocabulary, position_ids, song_arrays
from melody.output.engrave import to_musicxml_bytes
from melody.output.midi import to_midi_bytes
from melody.songs.corpus import load_corpus, melody_from_midi, melody_from_score

WALTZ = Melody(
    tuple("67 _ _ _ 72 _ _ _ _ _ _ _ 74 _ 76 _ r _ _ _ 77 _ _ _ _ _ _ _ _ _ _ _ 72 _ _ _".split()),
    meter="3/4",
    pickup=4,  # one beat before the first barline
    key="C major",
)


def test_symbols_ids_round_trip():
    vocab = Vocabulary.from_melodies([WALTZ])
    assert vocab.symbols[:3] == ("/", "_", "r") and vocab.pitch_range == (67, 77)
    assert WALTZ.with_steps(vocab.decode(vocab.encode(WALTZ.steps))) == WALTZ


def test_mapping_json_round_trip(tmp_path):
    vocab = Vocabulary.from_melodies([WALTZ])
    vocab.save(tmp_path)
    assert Vocabulary.load(tmp_path) == vocab


def test_song_arrays_predict_every_step_and_the_end():
    vocab = Vocabulary.from_melodies([WALTZ])
    arrays = song_arrays(WALTZ, vocab)
    assert arrays.symbols[0] == vocab.id("/") and arrays.targets[-1] == vocab.id("/")
    assert (arrays.symbols[1:] == arrays.targets[:-1]).all()
    assert arrays.positions[:6].tolist() == [8, 9, 10, 11, 0, 1]  # a pickup of one beat in 3/4


def test_midi_round_trip_keeps_steps_meter_pickup_and_key():
    back = melody_from_midi(to_midi_bytes(WALTZ.replace(key="A minor")), strict=False)
    assert back.steps[: len(WALTZ)] == WALTZ.steps and back.meter == "3/4" and back.pickup == 4
    assert back.key == "A minor"


def test_musicxml_round_trip_keeps_bars_and_ties():
    six_eight = Melody(("64", "_", "69") + ("_",) * 13 + ("71", "_"), meter="6/8", pickup=2)  # 69 crosses a bar
    for melody in (WALTZ, six_eight):
        score = converter.parse(to_musicxml_bytes(melody), format="musicxml")
        assert melody_from_score(score, strict=False).steps == melody.steps
        measures = list(score.parts[0].getElementsByClass("Measure"))
        assert measures[0].highestTime == melody.pickup * 0.25  # the pickup bar
        assert measures[1].highestTime == melody.bar_steps * 0.25
    tied = converter.parse(to_musicxml_bytes(six_eight), format="musicxml").parts[0].flatten().notes
    assert [n.tie.type if n.tie else None for n in tied][1:3] == ["start", "stop"]


def test_corpus_song_round_trips_through_every_format():
    song = load_corpus([DATA / "major_g.krn"], workers=1).melodies[0]
    assert melody_from_midi(to_midi_bytes(song)).steps == song.steps
    assert melody_from_score(converter.parse(to_musicxml_bytes(song), format="musicxml")).steps == song.steps


def test_positions_are_capped():
    long_bar = Melody(("60",) + ("_",) * 63, meter="4/1")
    assert position_ids(long_bar, 64).max() == 47 and np.all(position_ids(WALTZ, 5) >= 0)


def test_score_svg_is_engraved_with_title_and_bars():
    from melody.output.engrave import to_svg

    svg = to_svg(WALTZ.replace(title="A waltz"))
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:300]
    assert "A waltz" in svg and svg.count('class="measure') >= 3  # pickup bar + 2 full bars


def test_scores_render_from_any_thread():
    import threading

    from melody.output.engrave import to_svg

    results = []
    worker = threading.Thread(target=lambda: results.append(to_svg(WALTZ)))
    worker.start()
    worker.join()
    assert "<svg" in results[0][:300]


def test_render_all_gives_what_the_studio_shows():
    from melody.output.files import render_all

    out = render_all(WALTZ, program=40)
    assert b"<score-partwise" in out.musicxml and out.wav[:4] == b"RIFF"
    assert "<svg" in out.svg[:300]
    phone = render_all(WALTZ, program=40, score_width=1000).svg  # a narrower page, for phones
    width = lambda svg: int(svg.split('width="', 1)[1].split("px", 1)[0])
    assert width(phone) < width(out.svg)


@pytest.mark.parametrize("synth", ["fluidsynth", "pretty_midi"])
def test_wav_is_mono_and_as_long_as_the_melody(synth, monkeypatch):
    import io
    import wave

    from melody.output import sound

    if synth == "fluidsynth" and sound.synthesizer() != "fluidsynth":
        pytest.skip("FluidSynth or a General MIDI SoundFont is not installed")
    monkeypatch.setattr(sound, "synthesizer", lambda: synth)
    melody = WALTZ.replace(tempo=120.0)  # 36 sixteenths = 9 beats = 4.5 s at 120 bpm
    with wave.open(io.BytesIO(sound.to_wav_bytes(melody, sample_rate=22050))) as audio:
        seconds = audio.getnframes() / audio.getframerate()
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
    assert 4.5 <= seconds <= 4.5 + 3.0  # the last note may ring on


def test_a_model_told_the_length_reads_bars_to_go_in_the_position_input():
    from melody.core.melody import Melody
    from melody.net.vocabulary import MAX_POSITIONS, position_count, position_ids

    song = Melody(tuple(["60", "_", "_", "_"] * 5), meter="2/4", pickup=4)  # pickup + 2 bars of 8 steps
    untold = position_ids(song, len(song) + 1)
    assert list(untold) == [4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0]
    assert list(position_ids(song, len(song) + 1, length=None, to_go_bars=16)) == list(untold)  # "not told"
    told = position_ids(song, len(song) + 1, length=len(song), to_go_bars=2)
    assert list(told % MAX_POSITIONS) == list(untold)  # the bar position is kept
    buckets = list(told // MAX_POSITIONS)  # 1 + bars to go, rounded up: 0 bars right before the end symbol
    assert buckets == [3] * 4 + [3] * 8 + [2] * 8 + [1] and max(told) < position_count(2)
    capped = position_ids(song, len(song) + 1, length=len(song), to_go_bars=1)
    assert set(capped[:12] // MAX_POSITIONS) == {2}  # more than 1 bar to go reads as "1 or more"


def test_training_streams_tell_a_share_of_the_songs_their_length(tiny_corpus):
    from melody.net.vocabulary import MAX_POSITIONS, Vocabulary
    from melody.train.batching import make_streams

    songs = tiny_corpus.melodies
    vocab = Vocabulary.from_melodies(songs)
    plain = make_streams(songs, vocab, streams=4, chunk=16, seed=3)
    assert plain.positions.max() < MAX_POSITIONS
    told = make_streams(songs, vocab, streams=4, chunk=16, seed=3, to_go_bars=16, told_share=0.75)
    starts = told.resets * (told.weights > 0)  # the first step of each song
    first_ids = told.positions[starts > 0]
    share = (first_ids >= MAX_POSITIONS).mean()
    assert 0.5 < share < 0.95 and len(first_ids) == len(songs)
