"""The model that ships in models/: it loads, generates, matches Keras, and its card holds the figures."""

import json

import numpy as np
import pytest
from conftest import SHIPPED_MODEL

from melody.generate.generator import generate
from melody.net.folder import load_model_folder
from melody.net.step import step_model
from melody.net.vocabulary import song_arrays
from melody.songs.typed import parse_seed
from melody.train.keras_model import keras_of

pytestmark = pytest.mark.shipped_model

SEED = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"


def test_shipped_model_loads_and_generates_a_melody():
    loaded = load_model_folder(SHIPPED_MODEL)
    [melody] = generate(loaded, parse_seed(SEED), steps=128, temperature=0.8, random_seed=1)
    assert len(melody) > 15 and len(melody.pitches()) > 5


def test_numpy_step_model_matches_keras_on_the_shipped_weights():
    loaded = load_model_folder(SHIPPED_MODEL)
    arrays = song_arrays(parse_seed(SEED + " 62 _ _ _ 60 _ _ _ r _ _ _", meter="3/4", pickup=4), loaded.vocab)
    inputs = {"symbols": arrays.symbols[None], "positions": arrays.positions[None], "meters": arrays.meters[None]}
    if loaded.config.lookback:  # the symbols one and two bars back, and the repeat flag
        inputs |= {"lookback_1": arrays.lookback_1[None], "lookback_2": arrays.lookback_2[None]}
        inputs["repeated"] = arrays.repeated[None]
    expected = keras_of(loaded).predict(inputs, verbose=0)[0]  # (steps, vocab)
    net = step_model(loaded)
    state = net.initial_state(1)
    back = arrays.lookback if loaded.config.lookback else None  # (3, steps)
    for t in range(len(arrays.symbols)):
        step_back = None if back is None else back[:, t : t + 1]
        probs, state = net.step(
            state, arrays.symbols[t : t + 1], arrays.positions[t : t + 1], arrays.meters[t : t + 1], step_back
        )
        assert np.abs(probs[0] - expected[t]).max() < 1e-5


def test_shipped_model_card_beats_the_baseline_and_the_bar():
    card = json.loads((SHIPPED_MODEL / "card.json").read_text())
    model, kn5 = card["test"]["model"], card["test"]["kn5"]
    assert model["nll_per_step"] < kn5["nll_per_step"] and model["pitch_bits_per_note"] < kn5["pitch_bits_per_note"]
    assert model["nll_per_step"] <= 0.74 and model["pitch_bits_per_note"] <= 2.30
    size = sum(p.stat().st_size for p in SHIPPED_MODEL.iterdir())
    assert size < 20 * 2**20


def test_surprise_is_low_for_the_expected_and_high_for_the_odd():
    from melody.generate.surprise import note_surprise

    loaded = load_model_folder(SHIPPED_MODEL)
    plain = parse_seed("60 _ _ _ 62 _ _ _ 64 _ _ _ 65 _ _ _ 67 _ _ _ _ _ _ _")
    odd = plain.with_steps(plain.steps[:16] + ("61",) + plain.steps[17:])  # C# in C major
    plain_bits = [bits for _, bits in note_surprise(loaded, plain)]
    odd_bits = [bits for _, bits in note_surprise(loaded, odd)]
    assert len(plain_bits) == 5 and all(b >= 0 for b in plain_bits)
    assert odd_bits[4] > plain_bits[4] + 2  # the chromatic note surprises the model
