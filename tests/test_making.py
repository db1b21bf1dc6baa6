"""What a click makes, and the next click's melody made ahead (melody/studio/click.py)."""

from concurrent.futures import CancelledError

import pytest

from melody.songs.typed import EXAMPLE, parse_seed
from melody.studio import click as making
from melody.studio.recipe import Recipe


def test_a_recipe_makes_titled_melodies_of_its_number(tiny_model):
    recipe = Recipe(seed=EXAMPLE, bars=4, variations=2, temperature=1.0, number=42)
    first = making.melodies(tiny_model, parse_seed(EXAMPLE), recipe)
    again = making.melodies(tiny_model, parse_seed(EXAMPLE), recipe)
    assert first == again and [m.title for m in first] == ["Folk melody #42-1", "Folk melody #42-2"]


def test_a_melody_made_ahead_is_the_melody_of_its_number(tiny_model, monkeypatch):
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 0.0)
    seed, recipe = parse_seed(EXAMPLE), Recipe(seed=EXAMPLE, bars=4, temperature=1.0, chords=False)
    ahead = making.Ahead()
    future = ahead.start("s1", tiny_model, seed, recipe, 0, None, 2100)
    future.result(timeout=60)  # made while the person listens
    made = ahead.take(future, recipe, recipe)
    assert made is not None and made.recipe.number is not None
    assert made.melodies == making.melodies(tiny_model, seed, made.recipe)  # a link to it makes the same
    assert set(made.views) == {(m, 0) for m in made.melodies} and all(
        v.wav.startswith(b"RIFF") for v in made.views.values()
    )


def test_one_made_for_other_settings_or_not_started_is_not_taken(tiny_model, monkeypatch):
    seed, recipe = parse_seed(EXAMPLE), Recipe(seed=EXAMPLE, bars=4, chords=False)
    ahead = making.Ahead()
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 0.0)
    other = ahead.start("s1", tiny_model, seed, recipe, 0, None, 2100)
    longer = Recipe(seed=EXAMPLE, bars=5)
    assert ahead.take(other, recipe, longer) is None  # compared before any wait
    assert ahead.take(None, None, recipe) is None
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 30.0)
    queued = ahead.start("s2", tiny_model, seed, recipe, 0, None, 2100)
    assert ahead.take(queued, recipe, recipe) is None and queued.cancelled()  # made on the click instead


def test_a_session_has_one_job_and_the_queue_is_bounded(tiny_model, monkeypatch):
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 30.0)  # nothing starts during the test
    seed, recipe = parse_seed(EXAMPLE), Recipe(seed=EXAMPLE, bars=4, chords=False)
    ahead = making.Ahead()
    first = ahead.start("s1", tiny_model, seed, recipe, 0, None, 2100)
    second = ahead.start("s1", tiny_model, seed, recipe, 0, None, 2100)
    assert first.cancelled() and not second.cancelled() and len(ahead.jobs) == 1
    futures = [ahead.start(f"other{i}", tiny_model, seed, recipe, 0, None, 2100) for i in range(20)]
    assert len(ahead.jobs) == making.MAX_QUEUED and futures[-1] is None
    ahead.forget("s1")
    assert second.cancelled() and "s1" not in ahead.jobs


def test_costly_settings_and_gone_sessions_are_not_made_ahead(tiny_model, monkeypatch):
    monkeypatch.setattr(making, "AHEAD_DELAY_S", 0.0)
    seed = parse_seed(EXAMPLE)
    ahead = making.Ahead()
    costly = Recipe(seed=EXAMPLE, bars=64, meter="3/2", variations=4, tempo=40, window=1024, chords=False)
    assert ahead.start("s1", tiny_model, seed, costly, 0, None, 2100) is None
    gone = ahead.start("s2", tiny_model, seed, Recipe(seed=EXAMPLE, bars=4, chords=False), 0, None, 2100, lambda: False)
    with pytest.raises(CancelledError):
        gone.result(timeout=60)


def test_the_worker_never_holds_the_server_up():
    ahead = making.Ahead()
    assert ahead.worker.daemon and ahead.worker.is_alive() and ahead.jobs == {}
