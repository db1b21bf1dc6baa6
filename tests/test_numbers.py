"""A melody number is a melody: the studio's book of numbers, and "Bring back a melody"."""

from __future__ import annotations

import json

import pytest
from conftest import SHIPPED_MODEL, app_test

from melody.studio.numbers import MelodyBook
from melody.studio.recipe import Recipe, to_query


def test_the_book_gives_back_what_made_a_number_after_a_restart(tmp_path):
    path = tmp_path / "book.jsonl"
    book = MelodyBook(path)
    book.record(Recipe(seed="G4 _ A4 _", bars=8, number=48213))
    assert MelodyBook(path).query(48213) == to_query(Recipe(seed="G4 _ A4 _", bars=8, number=48213))
    assert MelodyBook(path).query(7) is None


def test_the_first_recipe_under_a_number_stays(tmp_path):
    book = MelodyBook(tmp_path / "book.jsonl")
    book.record(Recipe(seed="G4", number=5))
    book.record(Recipe(seed="C4", number=5))  # e.g. a made-up link with another's number
    assert MelodyBook(tmp_path / "book.jsonl").query(5)["seed"] == "G4"


def test_new_numbers_are_not_in_the_book(tmp_path, monkeypatch):
    book = MelodyBook(tmp_path / "book.jsonl")
    draws = iter([3, 3, 9])
    monkeypatch.setattr("melody.studio.numbers.secrets.randbelow", lambda _: next(draws))
    book.record(Recipe(number=3))
    assert book.new_number() == 9


def test_safest_keeps_the_number_its_melody_already_has(tmp_path):
    book = MelodyBook(tmp_path / "book.jsonl")
    book.record(Recipe(seed="G4", temperature=0.0, number=12))
    book.record(Recipe(seed="G4", temperature=0.8, number=13))
    assert book.number_for(Recipe(seed="G4", temperature=0.0)) == 12
    assert book.number_for(Recipe(seed="G4", temperature=0.8)) is None  # every number another melody
    assert book.number_for(Recipe(seed="A4", temperature=0.0)) is None


def test_a_torn_or_foreign_line_is_skipped_and_the_book_stays_bounded(tmp_path):
    path = tmp_path / "book.jsonl"
    path.write_text('{"melody": "4", "seed": "G4"}\n{"melody": "5", "se\n[1, 2]\n{"melody": "x"}\n' + "9" * 9000 + "\n")
    book = MelodyBook(path, limit=4)
    assert list(book.queries) == [4]
    for number in range(10, 14):
        book.record(Recipe(number=number))
    assert list(book.queries) == [12, 13]  # past the limit: the newer half, rewritten whole
    assert [json.loads(line)["melody"] for line in path.read_text().splitlines()] == ["12", "13"]


def test_a_book_that_cannot_be_written_is_no_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    book = MelodyBook(blocked / "book.jsonl")  # its folder is a file
    book.record(Recipe(number=1))
    assert book.query(1) is not None  # kept for this run


@pytest.fixture
def studio(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    return lambda: app_test().run()


def _generate(at):
    at.button(key="generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at.session_state["studio"].result


@pytest.mark.shipped_model
def test_a_number_alone_brings_back_its_melody_in_another_session(studio):
    first = studio()
    first.selectbox(key="ready").set_value("Waltz opening (3/4)").run()
    first.slider(key="bars").set_value(8)
    first.selectbox(key="output_key").set_value("D major")
    made = _generate(first)
    fresh = studio()  # another visitor: default seed, 4/4, other settings
    fresh.slider(key="bars").set_value(12).run()
    fresh.number_input(key="recall_number").set_value(made.recipe.number)
    fresh.button(key="recall").click().run()
    assert not fresh.exception and not fresh.warning
    back = fresh.session_state["studio"].result
    assert back.recipe == made.recipe and back.melodies == made.melodies
    assert fresh.selectbox(key="meter").value == "3/4" and fresh.slider(key="bars").value == 8
    assert fresh.selectbox(key="output_key").value == "D major"


@pytest.mark.shipped_model
def test_an_unknown_number_is_answered_plainly_and_nothing_changes(studio):
    at = studio()
    book = MelodyBook()
    unknown = next(n for n in range(99_999, 0, -1) if book.query(n) is None)
    at.number_input(key="recall_number").set_value(unknown)
    at.button(key="recall").click().run()
    assert not at.exception and at.session_state["studio"].result is None
    assert any(f"#{unknown} was not made by this studio" in w.value for w in at.warning), [w.value for w in at.warning]


@pytest.mark.shipped_model
def test_safest_gives_one_melody_one_number_and_says_so(studio):
    at = studio()
    at.select_slider(key="temperature").set_value(0.0)
    at.slider(key="bars").set_value(4)
    numbers = {_generate(at).recipe.number for _ in range(3)}
    assert len(numbers) == 1
    assert any("every click gives this same melody" in i.value for i in at.info)
