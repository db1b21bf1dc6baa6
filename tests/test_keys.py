"""Keys in and out: any of the 24 keys, through the model's C major / A minor."""

import pytest

from melody.keys import canonical_key, change_mode, in_key, to_model_key
from melody.melody import Melody, MelodyError, all_keys, tonic_pitch_class
from melody.sampler import GenerationError, GenerationSettings, generate

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
    assert abs(moved.pitches()[0] - 60) <= 6  # the smaller move
    back = in_key(moved, "C major")
    tritone = tonic_pitch_class(key) == 6  # F#: up and up again, a tritone is the same distance both ways
    assert back == (SCALE.transpose(12) if tritone else SCALE)
    assert to_model_key(moved).key == ("C major" if key.endswith("major") else "A minor")


def test_generation_takes_a_seed_in_any_key_and_answers_in_any_key(tiny_model):
    d_major = in_key(SCALE, "D major")
    [in_seed_key] = generate(tiny_model, d_major, steps=32, random_seed=4, full_length=True)
    [in_c] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True)
    # F# major goes up a tritone to C major (C5 here) and comes back down by the same move
    [in_f_sharp] = generate(tiny_model, in_key(SCALE, "F# major"), steps=32, random_seed=4, full_length=True)
    [in_c5] = generate(tiny_model, SCALE.transpose(12), steps=32, random_seed=4, full_length=True)
    assert in_f_sharp.pitches()[0] == 66 and in_f_sharp.transpose(6, key="C major") == in_c5
    assert in_seed_key.key == "D major" and in_seed_key.steps[: len(d_major)] == d_major.steps
    assert in_seed_key == in_key(in_c, "D major")  # the same model run, moved up a tone
    [in_f_minor] = generate(tiny_model, d_major, steps=32, random_seed=4, key="F minor")
    assert in_f_minor.key == "F minor" and in_f_minor.steps[: len(SCALE)] == in_key(SCALE, "F minor").steps


@pytest.mark.parametrize("seed_key, key, up", [("C major", "F# major", 6), ("D major", "Ab major", 8)])
def test_a_result_key_far_away_does_not_move_what_the_model_sees(tiny_model, seed_key, key, up):
    # the model always sees the seed one smallest move from where it was typed (here: at C4),
    # and only the result is moved on, however far the two moves add up
    seed = in_key(SCALE, seed_key)
    [far] = generate(tiny_model, seed, steps=32, random_seed=4, full_length=True, key=key)
    [in_c] = generate(tiny_model, SCALE, steps=32, random_seed=4, full_length=True)
    assert far == in_c.transpose(up, key=key) and far.steps[: len(seed)] == in_key(seed, key).steps
    with pytest.raises(GenerationError, match="use one of the 24"):
        GenerationSettings(key="D dorian").check()
