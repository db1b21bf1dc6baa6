"""Repetition figures and phrase forms (melody/songs/phrases.py, scripts/phrase_forms.py) on
hand-made songs whose figures are known exactly."""

import collections
import doctest
import json
import sys

import pytest
from conftest import DATA, ROOT, run_script

import melody.songs.phrases
from melody.core.melody import HOLD, Melody
from melody.songs.corpus import CorpusResult
from melody.songs.meter_figures import meter_figures
from melody.songs.phrases import (
    abc_line_steps,
    agreement,
    aligned_units,
    note_overlap,
    phrase_form,
    phrases_of,
    repetition_figures,
    song_repetition,
)
from melody.train.dataset import write_dataset


def quarters(*pitches):
    """One 4/4 bar (16 steps) of four quarter notes."""
    return tuple(step for p in pitches for step in (str(p), HOLD, HOLD, HOLD))


def eighths(*pitches):
    """One 4/4 bar of eight eighth notes."""
    return tuple(step for p in pitches for step in (str(p), HOLD))


# phrase A: four bars of quarters, every bar different; phrase B: four bars of eighths (agree
# with A's bars on 8 of 16 steps: the eighths' holds), every bar different
A_BARS = [quarters(60 + k, 62 + k, 64 + k, 65 + k) for k in range(4)]
B_BARS = [eighths(*(67 + k + i for i in range(8))) for k in range(4)]
PHRASE_A, PHRASE_B = sum(A_BARS, ()), sum(B_BARS, ())
AABA = Melody(PHRASE_A + PHRASE_A + PHRASE_B + PHRASE_A, meter="4/4")  # 16 bars
NO_REPEATS = Melody(PHRASE_A + PHRASE_B, meter="4/4")  # 8 bars, no bar twice
PICKUP = ("59", HOLD, HOLD, HOLD)


def test_doctests():
    assert doctest.testmod(melody.songs.phrases).failed == 0


def test_aaba_of_16_bars():
    assert len(AABA) == 16 * 16
    assert song_repetition(AABA) == {
        "bars_repeating_earlier": (8, 15),  # the second and last A, 4 bars each, of bars 2-16
        "phrases4_agreeing": (2, 3),  # A, B, A after the first A
        "units2_same": (4, 7),  # a12 a34 | a12 a34 | b12 b34 | a12 a34: the 2nd, 3rd and 4th A's halves
        "units2_agreeing": (5, 7),  # ... and a34 agrees with a12 on 24 of 32 steps (the quarters' holds)
    }
    assert phrase_form(AABA, 4) == "AABA"
    # 2-bar units of quarters agree on their holds (24 of 32 steps) whatever the pitches
    assert phrase_form(AABA, 2) == "AAAABCAA"
    assert phrase_form(AABA, 2, held_pitch=True) == "ABABCDAB"
    assert agreement(PHRASE_A, PHRASE_B) == 0.5


def test_song_without_repeats():
    assert song_repetition(NO_REPEATS) == {
        "bars_repeating_earlier": (0, 7),
        "phrases4_agreeing": (0, 1),
        "units2_same": (0, 3),
        "units2_agreeing": (1, 3),  # the second 2 bars of quarters agree with the first on their holds
    }
    assert phrase_form(NO_REPEATS, 4) == "AB"
    assert phrase_form(NO_REPEATS, 1) == "AAAABCDE"  # bars of quarters agree on 12 of 16 steps
    assert phrase_form(NO_REPEATS, 1, held_pitch=True) == "ABCDEFGH"


def test_pickup_starts_the_units_and_the_last_bar_completes_it():
    # a pickup of a quarter, A A B A, the last bar one quarter short: 16 bars in all
    song = Melody(PICKUP + (PHRASE_A + PHRASE_A + PHRASE_B + PHRASE_A)[:-4], meter="4/4", pickup=4)
    assert len(song) == 16 * 16
    assert aligned_units(song, 1)[0] == A_BARS[0] and len(aligned_units(song, 1)) == 15
    assert song_repetition(song) == {
        "bars_repeating_earlier": (7, 14),  # 15 whole bars; the last A has 3 whole bars
        "phrases4_agreeing": (1, 2),  # 3 whole 4-bar units: A A B
        "units2_same": (3, 6),  # 7 whole 2-bar units: a12 a34 a12 a34 b12 b34 a12
        "units2_agreeing": (4, 6),
    }
    assert [len(p) for p in phrases_of(song, 4)] == [64, 64, 64, 60]  # the short last phrase kept
    assert phrase_form(song, 4) == "AABA"


def test_figures_pooled_and_per_song():
    figures = repetition_figures([AABA, NO_REPEATS])
    assert figures["songs"] == 2
    assert figures["bars_repeating_earlier"] == pytest.approx(8 / 22)
    assert figures["phrases4_agreeing"] == pytest.approx(2 / 4)
    assert figures["units2_same"] == pytest.approx(4 / 10)
    assert figures["per_song"]["bars_repeating_earlier"] == pytest.approx((8 / 15 + 0) / 2)
    assert figures["per_song"]["phrases4_agreeing"] == pytest.approx((2 / 3 + 0) / 2)
    assert figures["counted"]["bars_repeating_earlier"] == 22
    assert figures["ends_on_tonic"] == meter_figures([AABA, NO_REPEATS])["ends_on_tonic"]
    short = repetition_figures([Melody(PHRASE_A[:32], meter="4/4")])  # 2 bars: no 4-bar unit at all
    assert short["phrases4_agreeing"] is None and short["per_song"]["phrases4_agreeing"] is None
    assert short["units2_same"] is None and short["bars_repeating_earlier"] == 0.0
    assert repetition_figures([])["songs"] == 0


def test_note_overlap():
    assert note_overlap(PHRASE_A, PHRASE_A) == 1.0
    assert note_overlap(PHRASE_A, PHRASE_B) == 0.0
    varied = list(PHRASE_A)
    varied[4], varied[20] = "70", "71"  # two of A's 16 notes changed
    assert note_overlap(PHRASE_A, varied) == 14 / 16
    assert note_overlap(PHRASE_A, PHRASE_A[:32]) == 0.5  # notes past b's end are not kept
    assert note_overlap(("r", HOLD), PHRASE_A) == 0.0  # no note to keep
    assert note_overlap(Melody(PHRASE_A), Melody(PHRASE_A)) == 1.0


def test_abc_line_steps():
    text = (DATA / "two_tunes.abc").read_text()
    first = text.split("X:2")[0]
    assert abc_line_steps(first) == [48]  # A | d2e f2g | a3 A3 | d2e f2e | d3 z2 |]  in 6/8, L:1/8
    assert abc_line_steps("X:1\nM:2/4\nL:1/16\nK:G\nc6cc | _B8 |\nG4z4 |]\n") == [16, 8]
    assert abc_line_steps("X:1\nM:4/4\nK:C\n[ceg]2 c2 |\n") is None  # a chord: not counted


# A: quarters then a whole note; B: eighths then two halves (agrees with A on 22 of 32 steps)
LINE_A, LINE_B = "c d e f | g4 |", "e/2f/2g/2a/2 g/2f/2e/2d/2 | c2 c2 |"
TWO_ABC = {
    "aaba.abc": f"X:1\nT:AABA\nM:4/4\nL:1/4\nK:C\n{LINE_A}\n{LINE_A}\n{LINE_B}\n{LINE_A}]\n",
    "abab.abc": f"X:1\nT:ABAB\nM:4/4\nL:1/4\nK:C\n{LINE_A}\n{LINE_B}\n{LINE_A}\n{LINE_B}]\n",
}


def phrase_forms(*args):
    done = run_script("phrase_forms.py", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


@pytest.mark.subprocess
def test_phrase_forms_script_on_two_abc_files(tmp_path):
    for name, text in TWO_ABC.items():
        (tmp_path / name).write_text(text)
    lines = phrase_forms(tmp_path, "--workers", "1", "--no-cache")
    report = json.loads(lines[-1])
    assert report["tunes_read"] == 2 and report["songs"] == 2 and report["skipped"] == {}
    assert {row["form"] for row in report["forms"]} == {"AABA", "ABAB"}
    assert {row["form"] for row in report["held_pitch"]["forms"]} == {"AABA", "ABAB"}
    assert report["equal_length_share"] == 1.0
    assert report["meters"]["4/4"]["phrase_bars_median"] == 2
    assert report["four_phrase_songs"]["songs"] == 2
    assert "2 of 2 tunes cut into phrases" in lines[-2]


@pytest.mark.subprocess
def test_phrase_forms_script_test_split(tmp_path):
    songs = [AABA, NO_REPEATS] * 5 + [Melody(PHRASE_A, meter="4/4")] * 10  # 20 songs: 2 in the test split
    result = CorpusResult(songs, [f"song{i}" for i in range(len(songs))], collections.Counter(), [])
    write_dataset(result, tmp_path / "data")
    report = json.loads(phrase_forms("--test-split", tmp_path / "data")[-1])
    assert report["songs"] == 2 and set(report["meters"]) == {"4/4"}
    assert set(report["all"]) >= {"bars_repeating_earlier", "phrases4_agreeing", "units2_same", "ends_on_tonic"}


@pytest.mark.subprocess
def test_help():
    text = "\n".join(phrase_forms("--help"))
    assert "usage:" in text and "Example" in text and "--test-split" in text


def test_form_report_rows_and_card_carry_the_figures():
    sys.path.insert(0, str(ROOT / "scripts"))
    import form_report

    from melody.train.card import form_markdown

    songs = [AABA, NO_REPEATS]
    row = form_report.figures(songs, [song.opening(1) for song in songs], [16, 8])
    assert row["exact_bars"] == 1.0 and row["bars_repeating_earlier"] == pytest.approx(8 / 22)
    assert row["units2_agreeing"] == pytest.approx(6 / 10)
    short = form_report.figures([Melody(PHRASE_A[:32])], [Melody(PHRASE_A[:16])], [2])
    assert short["phrases4_agreeing"] is None and form_report.cell(None).strip() == "-"
    table = form_markdown({"per_meter": 2, "meters": {"4/4": {"test songs": row, "temperature 1": short}}})
    assert "bars repeating earlier" in table and "| 0.364 |" in table and "| - |" in table
