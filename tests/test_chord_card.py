"""The chord model's folder and card, built by the package (melody/train/chord_card.py)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from test_harmony import SIX_EIGHT_TUNE, TRIPLET_TUNE

from melody.chords import model as harmony
from melody.chords.data import CorpusStats, read_tune
from melody.chords.model import HarmonyConfig
from melody.train import chord_card
from melody.train.dataset import write_dataset
from melody.train.reports import METERS

SHIPPED = ROOT / "models" / "nottingham-chords"
FILES = {"chords.keras", "config.json", "split.json", "hmm.npz", "card.json", "card.md"}


def test_the_shipped_card_reads_as_its_markdown():
    card = json.loads((SHIPPED / "card.json").read_text())
    assert chord_card.card_markdown(card) == (SHIPPED / "card.md").read_text()


@pytest.fixture(scope="module")
def tiny_chords(tmp_path_factory):
    """A chord model of 4 units trained 2 epochs on two tunes, written by `train_and_write`."""
    six, triplets = read_tune(SIX_EIGHT_TUNE)[0], read_tune(TRIPLET_TUNE)[0]
    tunes = {"train": [six, triplets] * 2, "validation": [six, triplets], "test": [triplets]}
    out = tmp_path_factory.mktemp("chords") / "tiny-chords"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")  # the whole folder is swapped in
    epochs, shown = [], []
    progress = lambda items, desc: shown.append(desc) or items
    config = HarmonyConfig(units=4, input_units=4, epochs=2)
    stats = CorpusStats(read=3, kept=2, skipped={"no_chords": 1}, quantised=1)
    split = {"seed": 16, "train": ["a", "b"], "validation": ["c"], "test": ["d"]}
    card = chord_card.train_and_write(out, tunes, split, config, stats, lambda e, logs: epochs.append(e), progress)
    return out, card, epochs, shown


@pytest.mark.slow
def test_train_and_write_makes_the_whole_folder_and_its_card(tiny_chords):
    out, card, epochs, shown = tiny_chords
    assert {p.name for p in out.iterdir()} == FILES
    assert len(epochs) == card["training"]["epochs_run"] <= 2 and shown == ["scoring validation", "scoring test"]
    shipped = json.loads((SHIPPED / "card.json").read_text())
    assert set(card) == set(shipped) - {"generated"}  # the same keys as the shipped card, level by level
    for key in ("data", "model", "training", "decoder", "test", "speed"):
        assert set(card[key]) == set(shipped[key]), key
    assert card["data"]["split"] == {"train": 4, "validation": 2, "test": 1} and card["test"]["tunes"] == 1
    assert json.loads((out / "split.json").read_text())["seed"] == 16
    assert json.loads((out / "card.json").read_text()) == json.loads(json.dumps(card))  # tuples as lists
    assert (out / "card.md").read_text() == chord_card.card_markdown(card)
    assert harmony.load(out).config.change_cost == tuple(card["decoder"]["change_cost"])  # the tuned decoder


@pytest.mark.slow
def test_generated_report_goes_into_the_card(tiny_chords, tiny_model, tiny_corpus, tmp_path):
    out = tiny_chords[0]
    write_dataset(tiny_corpus, tmp_path / "data")
    shown = []
    progress = lambda items, desc: shown.append(desc) or items
    card = chord_card.add_generated_report(out, tmp_path / "data", 2, 4, progress, melody_model=tiny_model)
    report = card["generated"]
    assert (report["per_meter"], report["bars"]) == (2, 4) and report["meters"]
    assert shown == [f"generated {meter}" for meter in report["meters"]] and set(report["meters"]) <= set(METERS)
    for row in report["meters"].values():
        assert row["melodies"] == 2 and row["ends_on_tonic"] == 1.0  # the last chord is forced to the tonic
        assert 0 <= row["chord_tone_ratio"] <= 1 and row["chords_per_bar"] > 0
    assert json.loads((out / "card.json").read_text()) == json.loads(json.dumps(card))  # tuples as lists
    markdown = (out / "card.md").read_text()
    assert markdown == chord_card.card_markdown(card)
    assert f"## Generated melodies ({tiny_model.name}, 4 bars" in markdown
    line = chord_card.generated_summary(report, out)
    assert line.startswith("2 generated melodies per meter harmonised -> ") and line.endswith(f"{out}/card.md")
