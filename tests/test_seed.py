import pytest

from melody.songs.typed import note_name_to_midi, parse_seed


@pytest.mark.parametrize(
    "name, midi", [("C4", 60), ("c4", 60), ("F#4", 66), ("Bb3", 58), ("Eb5", 75), ("B#3", 60), ("C-1", 0)]
)
def test_note_names(name, midi):
    assert note_name_to_midi(name) == midi


def test_mixed_seed_with_commas_and_spaces():
    melody = parse_seed("67 _ G4, _ r  C5 _", meter="3/4")
    assert melody.steps == ("67", "_", "67", "_", "r", "72", "_") and melody.meter == "3/4"


# bad seeds: see the catalogue in test_bad_inputs.py


def test_typed_note_names_without_holds_are_quarter_notes():
    from melody.songs.typed import read_typed_seed

    typed = read_typed_seed("C4, D4, E4", meter="3/4", pickup=4)
    assert typed.as_quarters and typed.melody.steps == tuple("60 _ _ _ 62 _ _ _ 64 _ _ _".split())
    assert typed.melody.pickup == 4  # the pickup fits the quarters, not the three typed tokens
    held = read_typed_seed("C4 _ D4")
    assert not held.as_quarters and held.melody.steps == ("60", "_", "62")


def test_seed_text_writes_note_names_that_read_back():
    from melody.songs.typed import seed_text

    melody = parse_seed("67 _ 70 r _ 61", meter="3/4")
    assert seed_text(melody) == "G4 _ Bb4 r _ C#4"
    assert parse_seed(seed_text(melody)).steps == melody.steps


def test_too_many_notes_without_holds_are_refused_not_read_as_16ths():
    from melody.songs.typed import MAX_SEED_TOKENS, SeedSyntaxError, read_typed_seed

    fits = MAX_SEED_TOKENS // 4
    assert read_typed_seed(" ".join(["C4"] * fits)).as_quarters
    with pytest.raises(SeedSyntaxError, match="quarter notes"):
        read_typed_seed(" ".join(["C4"] * (fits + 1)))
