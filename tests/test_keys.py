"""Keys in and out: any of the 24 keys, through the model's C major / A minor."""

import numpy as np
import pytest

from melody.core.errors import MelodyError
from melody.core.melody import Melody
from melody.core.pitch import all_keys, tonic_pitch_class
from melody.generate.generator import GenerationError, GenerationSettings, generate
from melody.songs.keys import canonical_key, change_mode, from_model_key, in_key, to_model_key

SCALE = Melody(tuple("60 _ 62 _ 64 _ 65 _ 67 _ 69 _ 71 _ 72 _".split()), key="C major")


def test_every_key_has_one_spelling():
    assert canonical_key("c# Minor") == "C# minor" and canonical_key("Db minor") == "C# minor"
    assert canonical_key("Gb major") == "F# major" and len(set(map(canonical_key, all_keys()))) == 24
    for text, message in [("H major", "unknown tonic 'H'"), ("C lydian", "not like 'C major'")]:
        with pytest.raises(MelodyError, match=message):
            canonical_key(text)


def test_mode_change_moves_the_third_sixth_and_seventh():
    minor = change_mode(SCALE, "minor")
    assert minor.key == "C minor" and minor.pitches() == [60, 62, 63, 65, 67, 68, 70, 72]
    assert change_mode(minor, "major") == SCALE


@pytest.mark.parametrize("key", all_keys())
def test_a_melody_goes_to_every_key_and_back(key):
    moved = in_key(SCALE, key)
    tonic = tonic_pitch_class(key)
    assert moved.key == key and moved.pitches()[0] % 12 == tonic and moved.pitches()[-1] % 12 == tonic
    # the seed moves to the model's key of the result's mode by the smaller move, then out by
    # the move of the result's key: at most a tritone for a major key, and up to 3 more for
    # a minor one (C major goes to C minor, whose model key A minor lies 3 below)
    assert abs(moved.pitches()[0] - 60) <= (6 if key.endswith("major") else 9)
    back = in_key(moved, "C major")
    if key.endswith("major"):
        assert back == SCALE  # one way there and back, the tritone included
    else:  # there and back through both model keys: the same notes, possibly an octave away
        assert back.key == "C major" and {a - b for a, b in zip(back.pitches(), SCALE.pitches())} in ({0}, {-12})
    model = to_model_key(moved)
    assert model.key == ("C major" if key.endswith("major") else "A minor")
    assert from_model_key(model, key) == moved and to_model_key(from_model_key(model, key)) == model


def test_generation_takes_a_seed_in_any_key_and_answers_in_any_key(tiny_model):
    d_major = in_key(SCALE, "D major")
    [in_seed_key] = generate(tiny_model, d_major, steps=32, random_seed=4, full_length=True)
    [in_c] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True)
    # F# major goes up a tritone to C major and comes back down by the same move
    [in_f_sharp] = generate(tiny_model, in_key(SCALE, "F# major"), steps=32, random_seed=4, full_length=True)
    assert in_f_sharp.pitches()[0] == 54 and in_f_sharp.transpose(6, key="C major") == in_c
    assert in_seed_key.key == "D major" and in_seed_key.steps[: len(d_major)] == d_major.steps
    assert in_seed_key == in_key(in_c, "D major")  # the same model run, moved up a tone
    [in_f_minor] = generate(tiny_model, d_major, steps=32, random_seed=4, key="F minor")
    assert in_f_minor.key == "F minor" and in_f_minor.steps[: len(SCALE)] == in_key(SCALE, "F minor").steps


@pytest.mark.parametrize("seed_key, key, up", [("C major", "F# major", -6), ("D major", "Ab major", -4)])
def test_a_result_key_far_away_does_not_move_what_the_model_sees(tiny_model, seed_key, key, up):
    # the model always sees the seed one smallest move from where it was typed (here: at C4),
    # and the result comes out of the model's key by the move that belongs to its key
    seed = in_key(SCALE, seed_key)
    [far] = generate(tiny_model, seed, steps=32, random_seed=4, full_length=True, key=key)
    [in_c] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True)
    assert far == in_c.transpose(up, key=key) and far.steps[: len(seed)] == in_key(seed, key).steps
    with pytest.raises(GenerationError, match="use one of the 24"):
        GenerationSettings(key="D dorian").check()


@pytest.mark.parametrize(
    "seed, key, message",
    [
        ("127", "A major", "the note 127 (G9) would become 128 when changed to major, outside MIDI's 0 (C-1)"),
        ("0", "C# major", "the note 0 (C-1) would become -1 when moved to C major"),
    ],
)
def test_notes_pushed_out_of_midi_by_a_key_are_named_with_a_way_out(tiny_model, seed, key, message):
    from melody.songs.typed import parse_seed

    with pytest.raises(MelodyError) as caught:
        if seed == "127":  # the mode changes after generation, as the studio's key does: on the melody
            in_key(parse_seed(seed, key="A minor"), key)
        else:
            generate(tiny_model, parse_seed(seed, key=key), steps=4, key=key)
    assert message in str(caught.value) and "move the melody an octave" in str(caught.value)


def test_from_model_key_takes_only_melodies_in_the_models_key():
    with pytest.raises(MelodyError, match="cannot come back from the model's key"):
        from_model_key(in_key(SCALE, "D major"), "E major")


@pytest.fixture(scope="module")
def shipped():
    from conftest import SHIPPED_MODEL

    from melody.net.folder import load_model_folder

    return load_model_folder(SHIPPED_MODEL)


def _ready_seeds() -> dict[str, Melody]:
    """The studio's ready seeds as it uses them: patterns in the key found from their notes."""
    from melody.songs.corpus import detect_key
    from melody.studio.ready_seeds import ready_seeds

    return {
        seed.name: seed.melody.replace(key=detect_key(seed.melody)) if seed.find_key else seed.melody
        for seed in ready_seeds().values()
    }


@pytest.mark.shipped_model
def test_every_ready_seed_in_every_key_is_scored_on_the_notes_the_model_drew(shipped):
    # the surprise strip and the sampler must read the same pitches: each generated note's
    # surprise is -log2 of the probability the model gave it when it was drawn (temperature 1)
    from melody.generate.surprise import note_surprise

    checked = 0
    for index, (name, seed) in enumerate(_ready_seeds().items()):
        # keys of the seed's mode: a key of the other mode bends the same tune afterwards (in_key)
        for key in (key for key in all_keys() if key.split()[1] == seed.key.split()[1]):
            trace: list = []
            [melody] = generate(shipped, seed, steps=48, random_seed=index, full_length=True, key=key, trace=trace)
            drawn = np.concatenate(trace)  # (48,) natural log p of each drawn symbol
            for event, bits in note_surprise(shipped, melody):
                if event.start >= len(seed):
                    expected = -drawn[event.start - len(seed)] / np.log(2)
                    assert bits == pytest.approx(expected, abs=1e-4), (name, key, event)
                    checked += 1
    assert checked > 9 * 12 * 5  # several generated notes per seed and key


def test_a_key_of_the_other_mode_bends_the_same_tune(tiny_model):
    # a key changes where the tune sits and its mode, never which tune is made: the studio
    # re-keys a melody on the page the same way, and its link makes that melody again
    [in_c] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True)
    [in_f_minor] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True, key="F minor")
    assert in_f_minor == in_key(in_c, "F minor") and in_f_minor.key == "F minor"
