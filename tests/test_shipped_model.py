"""The model that ships in models/: it loads, generates, and its card holds the figures."""

import json

from conftest import SHIPPED_MODEL

from melody.model import load_model_folder
from melody.sampler import generate
from melody.seed import parse_seed


def test_shipped_model_loads_and_generates_a_melody():
    loaded = load_model_folder(SHIPPED_MODEL)
    [melody] = generate(
        loaded, parse_seed("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"), steps=128, temperature=0.8, random_seed=1
    )
    assert len(melody) > 15 and len(melody.pitches()) > 5


def test_shipped_model_card_beats_the_baseline_and_the_bar():
    card = json.loads((SHIPPED_MODEL / "card.json").read_text())
    model, kn5 = card["test"]["model"], card["test"]["kn5"]
    assert model["nll_per_step"] < kn5["nll_per_step"] and model["pitch_bits_per_note"] < kn5["pitch_bits_per_note"]
    assert model["nll_per_step"] <= 0.74 and model["pitch_bits_per_note"] <= 2.30
    size = sum(p.stat().st_size for p in SHIPPED_MODEL.iterdir())
    assert size < 20 * 2**20
