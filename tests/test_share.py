"""Share links: a recipe to query parameters and back; plain words; the ready seeds' songs."""

import pytest

from melody.songs.typed import parse_seed
from melody.studio.plain_words import (
    chance,
    length_name,
    nearest_temperature,
    note_name,
    notes_in_words,
    temperature_words,
)
from melody.studio.recipe import Recipe, from_query, to_query


def test_a_recipe_round_trips_through_its_query():
    recipe = Recipe(
        seed="D4 E4 F#4", meter="6/8", pickup=2, seed_key="D major", bars=12, temperature=1.2, variations=3,
        key="B minor", tempo=132.5, instrument="Violin", top_k=5, window=64, chords=False, number=48213,
    )  # fmt: skip
    query = to_query(recipe)
    assert query["melody"] == "48213" and query["seed"] == "D4 E4 F#4" and query["t"] == "1.2"
    assert query["chords"] == "0" and to_query(Recipe())["chords"] == "1"
    assert from_query(query) == (recipe, [])


def test_a_ready_seed_is_named_by_its_id_only():
    query = to_query(Recipe(seed="G4 _", ready="waltz", number=1))
    assert query["ready"] == "waltz" and "seed" not in query
    assert "key" not in query and "seedkey" not in query  # empty: found from the notes / the seed's key


@pytest.mark.parametrize(
    "name, value, problem",
    [("bars", "999", "bars"), ("t", "nan", "t:"), ("meter", "5/7", "meter"), ("melody", "-3", "melody"),
     ("key", "H major", "key"), ("inst", "Kazoo", "inst"), ("pickup", "16", "pickup"),
     # what the studio's controls cannot show is refused, not quietly changed by the page
     ("meter", "99/1", "meter"), ("meter", "5/4", "meter"), ("tempo", "20", "tempo"), ("topk", "1000", "topk"),
     ("window", "100000", "window"), ("seed", "C4 " * 2500, "seed"), ("ready", "no-such-seed", "ready"),
     ("chords", "maybe", "chords")],
)  # fmt: skip
def test_a_bad_value_keeps_the_default_and_says_which(name, value, problem):
    default = Recipe(seed="C4", number=7)
    recipe, problems = from_query({name: value}, default, instruments=("Piano", "Violin"), ready_ids=("waltz",))
    assert recipe == default and len(problems) == 1 and problems[0].startswith(problem)


def test_same_melody_settings_ignores_only_the_number_and_the_chords():
    a = Recipe(seed="C4", number=1)
    assert a.same_melody_settings(Recipe(seed="C4", number=2))
    assert a.same_melody_settings(Recipe(seed="C4", number=1, chords=False))  # chords go under any melody
    assert not a.same_melody_settings(Recipe(seed="C4", number=1, bars=8))


def test_plain_words():
    assert [note_name(p, "C major") for p in (60, 61, 67)] == ["C4", "C#4", "G4"]
    assert note_name(70, "D minor") == "Bb4" and note_name(66, "G major") == "F#4"
    assert [length_name(n) for n in (1, 2, 3, 4, 6, 8, 12, 16, 5)] == [
        "16th", "8th", "dotted 8th", "quarter", "dotted quarter", "half", "dotted half", "whole", "5 sixteenths",
    ]  # fmt: skip
    assert notes_in_words(parse_seed("67 _ r _ _ _ 72 _ _ _"), limit=2) == "G4 8th, rest quarter and 1 more"
    assert temperature_words(0) == "Safest" and temperature_words(1.0) == "The model's own taste"
    assert temperature_words(2.0) == "Wild" and nearest_temperature(0.75) == 0.8
    assert chance(1.0) == "50%" and chance(20) == "<1%"


def test_the_ready_songs_of_each_tradition_name_their_origin_and_collection():
    from melody.studio.ready_seeds import demo_songs, origin_of, ready_seeds, ready_seeds_for

    assert origin_of("X:1\nT: A\nO: Europa, Mitteleuropa, Deutschland, Baden\nK:C\n") == "Deutschland, Baden"
    assert origin_of("X:1\nT: A\nO: Europa, Island\n") == "Island"
    songs = demo_songs()
    by_style = {
        style: [song for song in songs if song.style == style] for style in ("german", "chinese", "irish-british")
    }
    assert [len(found) for found in by_style.values()] == [5, 3, 4] and len(songs) == 12
    assert all(song.origin.startswith("Deutschland") for song in by_style["german"])
    assert all(song.origin.startswith("China") and song.meaning for song in by_style["chinese"])
    assert all(song.collection == "O'Neill's Music of Ireland (1850)" for song in by_style["irish-british"])
    assert {song.melody.meter for song in by_style["german"]} >= {"2/4", "3/4", "4/4", "6/8"}
    assert {song.melody.meter for song in by_style["irish-british"]} == {"6/8", "2/2"}  # jigs, a reel, a hornpipe
    seeds = ready_seeds()
    assert seeds["waltz"].melody.meter == "3/4" and seeds["waltz"].melody.pickup == 4
    assert all(seeds[song.id].origin == song.origin for song in songs)
    chinese = ready_seeds_for("chinese")
    assert {seed.style for seed in chinese.values()} == {"", "chinese"} and "waltz" in chinese  # patterns: any style
    assert seeds["han1-516"].name == "Molihua (Jasmine flower) · China, Jiangsu · 2/4"
    assert seeds["oneills1850-0811-0899-37"].name.startswith("The Rakes of Kildare · O'Neill's Music of Ireland")


REAL_TITLES = {  # the ready songs as German songbooks title them: umlauts, and capitals only on nouns
    "kinder0-149": "Alle meine Entchen",
    "boehme20-26": "Der Mai ist gekommen",
    "dva0-191": "Hänschen klein ging allein",
    "boehme10-86": "Sah ein Knab ein Röslein stehn",
    "erk30-527": "Die Gedanken sind frei",
}


def test_the_ready_songs_carry_their_real_titles_with_umlauts_and_their_own_case():
    from melody.studio.ready_seeds import demo_songs, ready_seeds

    german = [song for song in demo_songs() if song.style == "german"]
    assert {song.id: song.name for song in german} == REAL_TITLES
    assert {song.id: song.melody.title for song in german} == REAL_TITLES  # the score's title too
    seeds = ready_seeds()
    for seed_id, title in REAL_TITLES.items():
        assert seeds[seed_id].name.startswith(f"{title} · Deutschland")  # the menu
