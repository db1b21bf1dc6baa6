import pytest

from melody.core.pitch import name_to_midi as note_name_to_midi
from melody.songs.typed import SeedSyntaxError, parse_seed


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


@pytest.mark.parametrize(
    "naming, text, pitches",
    [
        ("german", "G4 A4 H4 C5", [67, 69, 71, 72]),  # H is B
        ("german", "B3 Es4 Fis4 As4 Des5 Cis5 Gis4", [58, 63, 66, 68, 73, 73, 68]),  # B is Bb
        ("solfege", "sol4 la4 si4 do5", [67, 69, 71, 72]),
        ("solfege", "Ti4 sib3 fa#4 reb5", [71, 58, 66, 73]),
        ("english", "G4 A4 B4 C5", [67, 69, 71, 72]),
    ],
)
def test_seeds_in_german_and_solfege_note_names(naming, text, pitches):
    assert [int(s) for s in parse_seed(text, naming).steps] == pitches


def test_german_names_in_an_english_seed_get_a_hint():
    with pytest.raises(SeedSyntaxError, match="'H4' is not a note in English note names; in German it is B4"):
        parse_seed("G4 _ H4 _")
    with pytest.raises(SeedSyntaxError, match="'Bes4' is not a note"):
        parse_seed("Bes4", "german")  # B is already Bb in German


def test_note_names_are_written_as_each_class_reads_them():
    from melody.core.pitch import note_name

    assert [note_name(p, "F major", "german") for p in (70, 71, 65)] == ["B4", "H4", "F4"]
    assert [note_name(p, "D major", "german") for p in (66, 61)] == ["Fis4", "Cis4"]
    assert [note_name(p, "Eb major", "solfege") for p in (63, 70, 60)] == ["mib4", "sib4", "do4"]
    for naming in ("english", "german", "solfege"):
        for key in ("C major", "F major", "A major", "Eb minor"):
            assert all(parse_seed(note_name(p, key, naming) + "", naming).steps == (str(p),) for p in range(36, 96)), (
                naming,
                key,
            )
