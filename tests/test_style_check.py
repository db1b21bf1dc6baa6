"""The style check (`melody.train.style_check`): key-free tokens, a naive Bayes that tells two
made-up traditions apart, and a fixed held-out split."""

import numpy as np

from melody.core.melody import Melody
from melody.train.style_check import classify, evaluate, fit, held_out, tokens


def _songs(scale, lengths, meter, count, seed):
    """``count`` random tunes on ``scale`` (MIDI numbers) with note lengths from ``lengths``."""
    rng = np.random.default_rng(seed)
    songs = []
    for index in range(count):
        events = [(int(rng.choice(scale)), int(rng.choice(lengths))) for _ in range(24)]
        songs.append(Melody.from_events(events, meter=meter, title=f"{meter} {index}"))
    return songs


PENTATONIC, DIATONIC = (60, 62, 64, 67, 69, 72), (60, 62, 64, 65, 67, 69, 71, 72)


def test_tokens_do_not_depend_on_the_key():
    melody = Melody(("60", "_", "64", "67", "_", "_", "65", "_"), meter="2/4")
    moved = tokens(melody.transpose(5))
    degrees = ("pc", "last")  # scale degrees: the songs are compared in C major / A minor
    assert {t: n for t, n in tokens(melody).items() if not t.startswith(degrees)} == {
        t: n for t, n in moved.items() if not t.startswith(degrees)
    }
    assert tokens(melody)["int 4"] == 1 and tokens(melody)["len 2"] == 2


def test_two_made_up_traditions_are_told_apart():
    songs = {
        "pentatonic 2/4": _songs(PENTATONIC, (2, 4), "2/4", 60, 1),
        "diatonic 6/8": _songs(DIATONIC, (2, 4, 6), "6/8", 60, 2),
    }
    report = evaluate(songs)
    assert report["mean_accuracy"] >= 0.95 and sum(report["test"].values()) >= 10
    model = fit(songs)
    assert classify(model, _songs(PENTATONIC, (2, 4), "2/4", 1, 9)[0]) == "pentatonic 2/4"


def test_the_held_out_part_is_fixed_and_about_a_fifth():
    songs = _songs(DIATONIC, (2, 4), "4/4", 400, 3)
    assert [held_out(song) for song in songs] == [held_out(song) for song in songs]
    assert 0.12 < np.mean([held_out(song) for song in songs]) < 0.28
