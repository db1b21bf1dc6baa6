"""The per-meter report loop (melody/train/reports.py) that scripts/meter_report.py,
scripts/form_report.py and the chord model's card share."""

from __future__ import annotations

from melody.core.melody import Melody
from melody.generate.generator import generate
from melody.train.reports import generate_each, meter_seeds

ONE_BAR = Melody(tuple("60 _ 62 _ 64 _ _ _".split()), meter="2/4")  # nothing after its opening


def test_seeds_cycle_through_the_songs_of_each_meter(tiny_corpus):
    songs = tiny_corpus.melodies
    by_meter = meter_seeds(songs, ("6/4", "2/4", "6/8"), per_meter=3)
    assert list(by_meter) == ["6/4", "2/4", "6/8"]  # the order asked for
    jigs, seeds = by_meter["6/4"]  # one song of 6/4: its opening three times
    assert len(jigs) == 1 and seeds == [jigs[0].opening(1)] * 3
    two_four, seeds = by_meter["2/4"]  # all seven songs kept (the reference), the first three give seeds
    assert two_four == [song for song in songs if song.meter == "2/4"] and len(two_four) == 7
    assert seeds == [song.opening(1) for song in two_four[:3]]
    assert by_meter["6/8"] == ([], [])  # no song of 6/8: no seeds


def test_without_cycling_songs_must_outlast_their_opening(tiny_corpus):
    songs = [ONE_BAR, *tiny_corpus.melodies]
    by_meter = meter_seeds(songs, ("2/4", "3/2"), per_meter=4, cycle=False)
    two_four, seeds = by_meter["2/4"]
    assert ONE_BAR not in two_four and len(two_four) == 4
    assert seeds == [song.opening(1) for song in two_four] and all(len(s) < len(t) for s, t in zip(seeds, two_four))
    assert len(by_meter["3/2"][0]) == 2  # fewer songs than asked: one seed each, no repeats


def test_one_melody_per_seed_with_its_index_as_random_seed(tiny_model, tiny_corpus):
    seeds = meter_seeds(tiny_corpus.melodies, ("3/4",), per_meter=3)["3/4"][1]
    shown = []
    progress = lambda items: shown.append(len(items)) or items
    made = generate_each(tiny_model, seeds, progress, bars=[4, 5, 4], temperature=0.8, form="free")
    assert shown == [3]  # one progress bar over all the seeds
    assert made[1] == generate(tiny_model, seeds[1], bars=5, temperature=0.8, random_seed=1)[0]
    assert [len(m) // m.bar_steps for m in made] == [4, 5, 4]  # songs of exactly those bars
    assert all(m.steps[: len(seed)] == seed.steps and m.meter == "3/4" for m, seed in zip(made, seeds))
    steps = generate_each(tiny_model, seeds[:2], steps=16, temperature=1.0)  # no bars: a number of steps
    assert steps[0] == generate(tiny_model, seeds[0], steps=16, random_seed=0)[0]
