"""The accompaniment sounds under the melody at every moment: each of its notes (bass, fifth,
triad) is below every melody note sounding with it, on the lowest real songs harmonized by
the shipped chord model (issue 23 item 7), and a high melody keeps its usual voicing."""

import random

import pytest

from melody.chords import accompaniment
from melody.chords import model as harmony
from melody.chords.accompaniment import LOWEST_NOTE, TRIAD_RANGE, notes
from melody.core.melody import BASS_RANGE, Chord, Melody
from melody.studio.ready_seeds import demo_songs, ready_seeds

GEDANKEN = "erk30-527"  # "Die Gedanken sind frei": the lowest ready seed (to E3), its song to C3
LOW_TARGETS = (50, 48)  # each real song moved down so that its lowest note is D3, then C3


@pytest.fixture(scope="module")
def chord_model():
    return harmony.load()


def sounding(melody: Melody) -> list[int | None]:
    """The melody pitch sounding at each step (None in a rest)."""
    at: list[int | None] = [None] * len(melody)
    for event in melody.events():
        at[event.start : event.start + event.length] = [event.pitch] * event.length
    return at


def clashes(melody: Melody) -> list[tuple[int, int, int]]:
    """(step, accompaniment pitch, melody pitch) wherever an accompaniment note sounds at or
    above the melody note sounding with it."""
    at = sounding(melody)
    return [
        (step, pitch, at[step])
        for event in notes(melody)
        for pitch in event.pitches
        for step in range(event.start, event.start + event.length)
        if at[step] is not None and pitch >= at[step]
    ]


def _low_real_songs() -> list:
    """The demo songs (whole, not only their openings) as they are and moved down so that
    their lowest note is D3 and C3 (where it is higher), as pytest params."""
    songs = []
    for song in demo_songs():
        lowest = min(song.melody.pitches())
        songs.append(pytest.param(song.melody, id=song.id))
        songs += [
            pytest.param(song.melody.transpose(target - lowest), id=f"{song.id}-down-to-{target}")
            for target in LOW_TARGETS
            if target < lowest
        ]
    return songs


@pytest.mark.parametrize("melody", _low_real_songs())
def test_on_the_lowest_real_songs_every_accompaniment_note_is_below_the_melody_sounding_with_it(chord_model, melody):
    heard = harmony.harmonize(melody, chord_model)
    assert clashes(heard) == []
    events = notes(heard)
    assert all(event.pitches for event in events)  # nothing left out over a melody down to C3
    assert min(pitch for event in events for pitch in event.pitches) >= LOWEST_NOTE
    for chord, (bass, fifth, triad) in zip(heard.chords, accompaniment._voicings(heard)):
        assert bass <= triad[0] and triad[-1] - triad[0] <= 9  # the bass under a close-position triad
        assert abs(fifth - bass) <= 7 and {bass % 12, fifth % 12, *(p % 12 for p in triad)} == set(
            chord.pitch_classes()
        )


def test_die_gedanken_sind_frei_is_the_lowest_ready_seed_and_its_song_goes_down_to_c3():
    lowest = {seed_id: min(seed.melody.pitches()) for seed_id, seed in ready_seeds().items()}
    assert min(lowest, key=lowest.get) == GEDANKEN and lowest[GEDANKEN] == 52
    assert min(next(s for s in demo_songs() if s.id == GEDANKEN).melody.pitches()) == 48


@pytest.mark.shipped_model
def test_songs_generated_from_the_lowest_ready_seed_have_their_accompaniment_under_them(chord_model):
    from conftest import SHIPPED_MODEL

    from melody.net.folder import load_model_folder
    from melody.studio.click import heard, melodies
    from melody.studio.recipe import Recipe

    loaded, seed = load_model_folder(SHIPPED_MODEL), ready_seeds()[GEDANKEN].melody
    recipes = [Recipe(ready=GEDANKEN, tempo=seed.tempo, number=number) for number in range(1, 6)]
    songs = [melodies(loaded, seed, recipe)[0] for recipe in recipes]
    assert min(min(song.pitches()) for song in songs) <= 50  # they go below the seed's E3
    for song, recipe in zip(songs, recipes, strict=True):
        assert clashes(heard(song, recipe, chord_model)) == []


def test_a_high_melody_keeps_its_voicing_in_the_usual_ranges(chord_model):
    for song in demo_songs()[:3]:
        high = song.melody.transpose(72 - min(song.melody.pitches()))  # from C5 up
        heard = harmony.harmonize(high, chord_model)
        assert clashes(heard) == []
        for bass, fifth, triad in accompaniment._voicings(heard):
            assert BASS_RANGE[0] <= bass <= BASS_RANGE[1] and BASS_RANGE[0] <= fifth <= BASS_RANGE[1] + 7
            assert TRIAD_RANGE[0] - 2 <= triad[0] and triad[-1] <= TRIAD_RANGE[1]


def test_any_melody_even_one_too_low_for_a_triad_has_nothing_at_or_above_it_nor_below_the_floor():
    rng = random.Random(23)
    for _ in range(200):
        low = rng.randrange(20, 70)
        steps = [str(rng.randrange(low, low + 15)) if rng.random() < 0.4 else rng.choice("_r") for _ in range(48)]
        steps[0] = str(low)
        melody = Melody(tuple(steps), meter=rng.choice(["4/4", "3/4", "6/8", "2/4"]))
        chords = [Chord(start, rng.randrange(12), rng.choice(["major", "minor"])) for start in range(0, 48, 8)]
        melody = melody.with_chords(chords)
        assert clashes(melody) == []
        assert all(pitch >= LOWEST_NOTE for event in notes(melody) for pitch in event.pitches)
