"""AppTest of the two explanation pages: they load the shipped model and draw without errors."""

import json

import pytest
from conftest import ROOT, SHIPPED_MODEL, app_test

pytestmark = pytest.mark.shipped_model


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))


def test_how_it_works_shows_a_real_song_the_network_the_temperature_view_and_the_chords():
    at = app_test("pages/1_How_it_works.py").run()
    assert not at.exception and not at.error
    assert len(at.get("image")) == 3 and len(at.get("graphviz_chart")) == 1  # the song, with chords, its form
    assert any("Der Mai Ist Gekommen" in m.value and "A A B A" in m.value for m in at.markdown)
    card = json.loads((ROOT / "models" / "nottingham-chords" / "card.json").read_text())["test"]
    model, rule = (f"{card[name]['accuracy']:.0%}" for name in ("model", "rule"))
    assert any(model in m.value and rule in m.value for m in at.markdown)  # the chord model against the rule
    assert any("with the network's chords, bar by bar: " in c.value and c.value.endswith("C.") for c in at.caption)
    assert at.code[0].value.split()[0].isdigit()  # the song's symbols
    text = " ".join(m.value for m in at.markdown)
    assert "Alle Meine Entchen" in text and "from Deutschland" in text and "Island" not in text  # its own O: line
    [after] = [m.value for m in at.markdown if m.value.startswith("After ")]
    assert r"hold \(\_\)" in after  # the hold symbol is text, not the start of italics
    at.slider(key="how_temperature").set_value(0.0).run()
    assert not at.exception
    chart = at.get("arrow_bar_chart") or at.get("vega_lite_chart")
    assert chart


def test_the_model_page_shows_the_card_figures():
    at = app_test("pages/2_The_model.py").run()
    assert not at.exception and not at.error
    table = at.table[0].value
    assert list(table.columns) == ["figure", "this model", "5-gram baseline", "in plain words (this model)"]
    assert float(table["this model"][0]) < float(table["5-gram baseline"][0])
    assert table["this model"][3] == "79%" and "52% chance" in table["in plain words (this model)"][0]


def test_the_model_page_compares_meter_aware_and_blind_per_meter():
    at = app_test("pages/2_The_model.py").run()
    models = at.table[1].value  # the shipped card holds scripts/meter_report.py's figures
    assert list(models["model"]) == [
        "this model (told the meter and bar position)",
        "the same network, not told the meter",
        "a counting model (5-gram)",
    ]  # plain names, not the folders' names
    assert models["surprise per 16th note (nats)"][0] < models["surprise per 16th note (nats)"][1]
    at.selectbox(key="card_meter").set_value("6/8").run()
    per_meter = at.table[2].value
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
