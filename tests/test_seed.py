import pytest

from melody.seed import note_name_to_midi, parse_seed


@pytest.mark.parametrize(
    "name, midi", [("C4", 60), ("c4", 60), ("F#4", 66), ("Bb3", 58), ("Eb5", 75), ("B#3", 60), ("C-1", 0)]
)
def test_note_names(name, midi):
    assert note_name_to_midi(name) == midi


def test_mixed_seed_with_commas_and_spaces():
    melody = parse_seed("67 _ G4, _ r  C5 _", meter="3/4")
    assert melody.steps == ("67", "_", "67", "_", "r", "72", "_") and melody.meter == "3/4"


# bad seeds: see the catalogue in test_bad_inputs.py
