import pytest

from melody.core.errors import MelodyError
from melody.core.melody import Melody, NoteEvent, bar_steps
from melody.core.pitch import all_keys, transpose_key

TWINKLE = ("60", "_", "60", "_", "67", "_", "67", "_", "69", "_", "69", "_", "67", "_", "_", "_")


def test_events_give_starts_and_lengths_in_steps():
    melody = Melody(("60", "_", "_", "r", "62"))
    assert melody.events() == [NoteEvent(60, 0, 3), NoteEvent(None, 3, 1), NoteEvent(62, 4, 1)]
    assert melody.pitches() == [60, 62]


def test_from_events_is_the_inverse_of_events():
    melody = Melody(TWINKLE, meter="2/4")
    rebuilt = Melody.from_events([(e.pitch, e.length) for e in melody.events()], meter="2/4")
    assert rebuilt == melody


@pytest.mark.parametrize("steps, message", [(("_", "60"), "start with '_'"), (("60", "x"), "'x'"), (("128",), "'128'")])
def test_bad_steps_are_named(steps, message):
    with pytest.raises(MelodyError, match=message):
        Melody(steps)


def test_transpose_moves_pitches_and_key():
    moved = Melody(TWINKLE).transpose(7)
    assert moved.pitches()[:3] == [67, 67, 74] and moved.key == "G major"
    assert Melody(("57",), key="A minor").transpose(-9).key == "C minor"
    with pytest.raises(MelodyError, match="MIDI range"):
        Melody(("120",)).transpose(12)


@pytest.mark.parametrize("meter, steps", [("4/4", 16), ("3/4", 12), ("6/8", 12), ("2/2", 16), ("3/8", 6)])
def test_bar_steps(meter, steps):
    assert bar_steps(meter) == steps


def test_bar_position_counts_from_the_first_downbeat_after_a_pickup():
    melody = Melody(("67", "_", "_", "_") + TWINKLE, meter="3/4", pickup=4)
    assert [melody.bar_position(i) for i in (0, 3, 4, 15, 16)] == [8, 11, 0, 11, 0]
    with pytest.raises(MelodyError, match="pickup"):
        Melody(TWINKLE, meter="3/4", pickup=12)


def test_keys():
    assert len(set(all_keys())) == 24
    assert transpose_key("C major", 1) == "Db major" and transpose_key("A minor", 2) == "B minor"
