import pytest

from melody.seed import SeedSyntaxError, note_name_to_midi, parse_seed


@pytest.mark.parametrize(
    "name, midi", [("C4", 60), ("c4", 60), ("F#4", 66), ("Bb3", 58), ("Eb5", 75), ("B#3", 60), ("C-1", 0)]
)
def test_note_names(name, midi):
    assert note_name_to_midi(name) == midi


def test_mixed_seed_with_commas_and_spaces():
    melody = parse_seed("67 _ G4, _ r  C5 _", meter="3/4")
    assert melody.steps == ("67", "_", "67", "_", "r", "72", "_") and melody.meter == "3/4"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("60 H4", "'H4'"),
        ("60 C#", "needs an octave"),
        ("128", "outside the MIDI range"),
        ("-1", "outside the MIDI range"),
        ("60 __", "'__'"),
        ("60 🎵", "'🎵'"),
        ("_ 60", "starts with '_'"),
        (" ".join(["60"] * 5000), "at most"),
    ],
)
def test_bad_seeds_name_the_problem(text, fragment):
    with pytest.raises(SeedSyntaxError, match=fragment):
        parse_seed(text)
