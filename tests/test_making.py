"""What a click makes, and the next click's melody made ahead (melody/making.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from melody import making
from melody.seed import EXAMPLE, parse_seed
from melody.share import Recipe


def test_a_recipe_makes_titled_melodies_of_its_number(tiny_model):
    recipe = Recipe(seed=EXAMPLE, bars=4, variations=2, temperature=1.0, number=42)
    first = making.melodies(tiny_model, parse_seed(EXAMPLE), recipe)
    again = making.melodies(tiny_model, parse_seed(EXAMPLE), recipe)
    assert first == again and [m.title for m in first] == ["Folk melody #42-1", "Folk melody #42-2"]


def test_a_melody_made_ahead_is_the_melody_of_its_number(tiny_model, monkeypatch):
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 0.0)
    seed, recipe = parse_seed(EXAMPLE), Recipe(seed=EXAMPLE, bars=4, temperature=1.0, chords=False)
    future = making.Ahead().start(tiny_model, seed, recipe, 0, None, 2100)
    future.result(timeout=60)  # made while the person listens
    made = making.Ahead.take(future, recipe)
    assert made is not None and made.recipe.number is not None
    assert made.melodies == making.melodies(tiny_model, seed, made.recipe)  # a link to it makes the same
    assert set(made.views) == set(made.melodies) and all(v.wav.startswith(b"RIFF") for v in made.views.values())


def test_one_made_for_other_settings_or_still_queued_is_not_taken(tiny_model, monkeypatch):
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 0.0)
    seed, recipe = parse_seed(EXAMPLE), Recipe(seed=EXAMPLE, bars=4, chords=False)
    ahead = making.Ahead()
    other = ahead.start(tiny_model, seed, recipe, 0, None, 2100)
    other.result(timeout=60)
    assert making.Ahead.take(other, Recipe(seed=EXAMPLE, bars=5)) is None
    assert making.Ahead.take(None, recipe) is None
    busy, gate = ThreadPoolExecutor(1), threading.Event()
    busy.submit(gate.wait)  # another session's job holds the one thread
    ahead.pool = busy
    queued = ahead.start(tiny_model, seed, recipe, 0, None, 2100)
    assert making.Ahead.take(queued, recipe) is None and queued.cancelled()  # made on the click instead
    gate.set()
