"""AppTest of the two explanation pages: they load the shipped model and draw without errors,
plain words first (no technical term outside the "For the curious" expanders), every figure
from the model's card."""

import json
import math
import re

import pytest
from conftest import ROOT, SHIPPED_MODEL, app_test

from melody.studio import plain_words as plain

pytestmark = pytest.mark.shipped_model
# words a school class does not know: they belong in "For the curious: ..." expanders
TECHNICAL_TERMS = (
    "embedding", "embeddings", "softmax", "LSTM", "bidirectional", "recurrent", "Viterbi", "nat", "nats", "bit",
    "bits", "Kneser-Ney", "n-gram", "5-gram", "perplexity", "cross-entropy", "entropy", "MIDI", "logit", "logits",
    "tonic", "dominant", "cadence", "validation", "held-out", "epoch", "epochs", "parameter", "parameters",
    "units", "temperature", "music21", "geometric mean", "probability distribution", "baseline",
)  # fmt: skip
_TERMS = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, TECHNICAL_TERMS)) + r")(?![\w-])", re.IGNORECASE)


def plain_part(node) -> list[str]:
    """Every text a page shows outside its expanders: paragraphs, headings, captions, code,
    HTML (without its tags and style), tables (headers and cells) and widget labels."""
    texts = []
    for child in getattr(node, "children", {}).values():
        if child.type == "expander":
            continue
        if child.type == "table":
            texts.append(" ".join([*map(str, child.value.columns), *map(str, child.value.to_numpy().ravel())]))
        elif child.type == "html":
            texts.append(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", child.value, flags=re.DOTALL)))
        elif child.type in ("markdown", "caption", "code", "title", "header", "subheader", "error", "warning"):
            texts.append(child.value)
        texts += [child.label] if isinstance(getattr(child, "label", None), str) else []
        texts += plain_part(child)
    return texts


def technical_terms(at) -> list[str]:
    """The technical terms in the page's plain part (which must hold the page's text)."""
    texts = plain_part(at.main)
    assert len(" ".join(texts)) > 1500 and _TERMS.search(" ".join(curious(at).values()))  # the check sees text
    return sorted({term.lower() for text in texts for term in _TERMS.findall(text)})


def curious(at) -> dict[str, str]:
    """The page's expanders, by label: the text inside each."""
    return {e.label: " ".join(m.value for m in e.markdown) + " ".join(c.value for c in e.caption) for e in at.expander}


def table_with(at, column: str):
    """The first table that has ``column``."""
    return next(t.value for t in at.table if column in t.value.columns)


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))


def test_how_it_works_shows_a_real_song_the_network_the_temperature_view_and_the_chords():
    at = app_test("pages/1_How_it_works.py").run()
    assert not at.exception and not at.error
    assert len(at.get("image")) == 3 and len(at.get("html")) == 1  # the song, with chords, its form; the network
    assert any("Der Mai ist gekommen" in m.value and "A A B A" in m.value for m in at.markdown)
    card = json.loads((ROOT / "models" / "nottingham-chords" / "card.json").read_text())["test"]
    model, rule = (f"{card[name]['accuracy']:.0%}" for name in ("model", "rule"))
    assert any(model in m.value and rule in m.value for m in at.markdown)  # the chord model against the rule
    assert any("with the network's chords, bar by bar: " in c.value and c.value.endswith("C.") for c in at.caption)
    assert at.code[0].value.split()[0].isdigit()  # the song's symbols
    text = " ".join(m.value for m in at.markdown)
    assert "Alle meine Entchen" in text and "from Deutschland" in text and "Island" not in text  # its own O: line
    [after] = [m.value for m in at.markdown if m.value.startswith("After ")]
    assert r"hold \(\_\)" in after  # the hold symbol is text, not the start of italics
    at.slider(key="how_temperature").set_value(0.0).run()
    assert not at.exception
    chart = at.get("arrow_bar_chart") or at.get("vega_lite_chart")
    assert chart


def test_how_it_works_says_in_plain_words_first_what_the_network_reads_predicts_how_sure_and_how_tested():
    at = app_test("pages/1_How_it_works.py").run()
    assert not at.exception and not at.error
    [summary] = [m.value for m in at.markdown if m.value.startswith("- **What it reads:**")]
    for point in ("What it reads:", "What it predicts:", "How sure it is:", "How it was tested:"):
        assert f"**{point}**" in summary
    test = json.loads((SHIPPED_MODEL / "card.json").read_text())["test"]
    odds = plain.one_in(2 ** test["model"]["pitch_bits_per_note"])  # from the card, never typed in
    assert f"{test['songs']} songs were kept aside" in summary and f"**{odds} chance** on average" in summary
    assert "After C4, D4, E4, F4 at the start of *Alle meine Entchen* it gives G4" in summary  # the model's own
    diagram = at.get("html")[0].value
    assert "The notes so far" in diagram and "A chance for each next symbol" in diagram and "G4: " in diagram
    assert at.title[0].value == "How it works" and at.header[0].value == "1. The network in one picture"


def test_how_it_works_keeps_technical_terms_in_expanders_for_the_curious():
    at = app_test("pages/1_How_it_works.py").run()
    assert not at.exception and not at.error
    assert technical_terms(at) == []  # the plain part
    inside = curious(at)
    assert all(label.startswith("For the curious: ") for label in inside)
    words = " ".join(inside.values())
    for term in ("LSTM", "softmax", "embedding", "cross-entropy", "nats", "MIDI", "bidirectional", "Viterbi"):
        assert term in words, term  # moved, not lost
    assert "temperature" in inside["For the curious: the temperature"]
    assert "dominant (a half cadence)" in inside["For the curious: how a form is sung"]


def test_the_model_page_shows_the_card_figures():
    at = app_test("pages/2_The_model.py").run()
    assert not at.exception and not at.error
    test = json.loads((SHIPPED_MODEL / "card.json").read_text())["test"]
    plain_table = table_with(at, "what was measured")
    assert list(plain_table.columns) == ["what was measured", "this network", "counting model"]
    assert list(plain_table["this network"]) == [
        plain.one_in(2 ** test["model"]["pitch_bits_per_note"]),
        f"{test['model']['accuracy']:.0%}",
        f"{math.exp(-test['model']['nll_per_step']):.0%}",
    ]  # "1 in 4", "79%", "52%": each from the card
    assert plain_table["counting model"][0] == plain.one_in(2 ** test["kn5"]["pitch_bits_per_note"])
    table = table_with(at, "5-gram baseline")  # the same figures in nats and bits, for the curious
    assert list(table.columns) == ["figure", "this model", "5-gram baseline", "in plain words (this model)"]
    assert float(table["this model"][0]) < float(table["5-gram baseline"][0])
    assert table["this model"][3] == "79%" and "52% chance" in table["in plain words (this model)"][0]


def test_the_model_page_keeps_technical_terms_in_expanders_for_the_curious():
    at = app_test("pages/2_The_model.py").run()
    assert not at.exception and not at.error
    assert technical_terms(at) == []  # the plain part
    [points] = [m.value for m in at.markdown if m.value.startswith("- **What it learned from:**")]
    assert "**How good it is:**" in points and "chance** on average" in points
    inside = curious(at)
    assert all(label.startswith("For the curious: ") for label in inside)
    words = " ".join(inside.values())
    for term in ("Kneser-Ney", "nats", "cross-entropy", "LSTM", "softmax", "epochs", "parameters"):
        assert term in words, term  # moved, not lost
    [curve] = [e for e in at.expander if e.label == "For the curious: the learning curve"]
    assert len(curve.get("image")) == 1 and len(at.expander) == 5


def test_the_model_page_compares_meter_aware_and_blind_per_meter():
    at = app_test("pages/2_The_model.py").run()
    models = table_with(at, "model")  # the shipped card holds scripts/meter_report.py's figures
    assert list(models["model"]) == [
        "this network (told the meter and where the bar is)",
        "the same network, not told the meter",
        "a simple counting model",
    ]  # plain names, not the folders' names
    chances = models["chance it gave what came next (per 16th note)"]
    assert int(chances[0].rstrip("%")) >= int(chances[1].rstrip("%"))
    nats = table_with(at, "surprise per 16th note (nats)")  # for the curious
    assert nats["surprise per 16th note (nats)"][0] < nats["surprise per 16th note (nats)"][1]
    at.selectbox(key="card_meter").set_value("6/8").run()
    per_meter = table_with(at, "melodies from")
    assert not at.exception and list(per_meter["melodies from"])[0] == "real songs it never saw" and len(per_meter) == 3
    assert all(value.endswith("%") for value in per_meter.iloc[0, 1:])  # shares as percentages


def test_the_temperature_view_labels_notes_in_the_melodys_own_key(monkeypatch):
    from melody.generate.surprise import symbols_in_key
    from melody.net.folder import load_model_folder

    loaded = load_model_folder(SHIPPED_MODEL)
    assert symbols_in_key(loaded, "D major")[:3] == ["/", "_", "r"]
    assert symbols_in_key(loaded, "D major")[loaded.vocab.id("60")] == "62"  # C in the model is D in D major
    at = app_test("pages/1_How_it_works.py")
    from melody.songs.typed import parse_seed
    from melody.studio.recipe import Recipe
    from melody.studio.session import Result, StudioSession

    made = [parse_seed("62 _ 66 _ 69 _ 74 _ 69 _ 66 _ 62 _ _ _", key="D major")]
    at.session_state["studio"] = StudioSession(result=Result(Recipe(number=1), made))
    at.run()
    assert not at.exception
    chart = (at.get("arrow_bar_chart") or at.get("vega_lite_chart"))[0]
    import pyarrow

    data = (
        chart.proto.datasets[0].data.data if chart.proto.datasets else chart.proto.data.data
    )  # st.bar_chart: a named dataset
    symbols = pyarrow.ipc.open_stream(data).read_all().column("next").to_pylist()
    from melody.core.pitch import note_name
    from melody.generate.surprise import step_probabilities

    melody = made[0]
    expected = step_probabilities(loaded, melody, whole_song=True)[15]  # the studio's melodies are whole songs
    top = symbols_in_key(loaded, "D major")[expected.argmax()]  # named in D major, not C major
    assert symbols[0] == (note_name(int(top), "D major") if top.isdigit() else symbols[0])
    assert any(name[:-1] in ("D", "E", "F#", "G", "A", "B", "C#") for name in symbols)  # note names, not numbers


def test_a_card_with_missing_figures_is_an_error_on_the_page_not_a_traceback(monkeypatch, tmp_path):
    import json
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL, folder)
    card = json.loads((folder / "card.json").read_text())
    del card["test"]  # e.g. a card written by an older or interrupted run
    (folder / "card.json").write_text(json.dumps(card))
    monkeypatch.setenv("FOLK_MODEL", str(folder))
    at = app_test("pages/2_The_model.py").run()
    assert not at.exception
    assert "Something went wrong while reading the model card (KeyError)" in at.error[0].value
