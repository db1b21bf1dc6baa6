"""Streamlit AppTest: the studio loads the shipped model, generates, shows score, audio and downloads."""

import pyarrow
import pytest
from conftest import ROOT, SHIPPED_MODEL
from streamlit.testing.v1 import AppTest

EXAMPLE = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def seed_box(at):
    return next(t for t in at.text_input if t.key.startswith("seed:"))


def test_generate_shows_score_audio_symbols_and_downloads(app):
    assert not app.exception
    app.slider(key="temperature").set_value(0.0)  # temperature 0: the likeliest notes
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception and not app.error
    symbols = app.code[0].value.split()
    assert symbols[:15] == EXAMPLE.split() and len(symbols) > 15
    assert len(app.get("image")) == 1  # the engraved score (verovio SVG as an image)
    assert len(app.get("audio")) == 1
    assert len(app.get("download_button")) == 3  # MIDI, MusicXML, WAV
    charts = app.get("vega_lite_chart")
    assert len(charts) == 2  # piano roll and surprise strip
    for chart in charts:  # one row per note, with the columns the charts encode
        table = pyarrow.ipc.open_stream(chart.proto.data.data).read_all()
        assert {"beat", "pitch", "bits"} <= set(table.column_names) and table.num_rows > 5


def test_top_k_and_the_window_option(app):
    app.number_input(key="top_k").set_value(1)  # top-1: the likeliest step each time, whatever the random seed
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    top1 = app.code[0].value
    next(n for n in app.number_input if n.label.startswith("Random seed")).set_value(12345)  # another seed
    app.button(key="generate").click().run()
    assert not app.exception and app.code[0].value == top1 and len(top1.split()) == 4 * 16
    app.number_input(key="top_k").set_value(0)
    app.slider(key="temperature").set_value(0.0)  # temperature 0: a beam search for the likeliest song of 4 bars
    app.button(key="generate").click().run()
    assert not app.exception and len(app.code[0].value.split()) == 4 * 16
    app.number_input(key="max_seq_len").set_value(8)
    app.button(key="generate").click().run()
    assert not app.exception and app.code[0].value.split()[:15] == EXAMPLE.split()


def test_variations_and_any_of_the_24_output_keys(app):
    app.slider(key="variations").set_value(3)
    assert len(app.selectbox(key="output_key").options) == 25  # the seed's key, or any of the 24
    app.selectbox(key="output_key").set_value("D minor")
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception
    assert len(app.code) == 3 and len(app.get("audio")) == 3
    # the seed's G4 G4 G4 F4 E4 in C major becomes A4 A4 A4 G4 F4 in D minor (F#, the 3rd, lowered)
    assert app.code[0].value.split()[:8] == ["69", "_", "69", "_", "69", "_", "_", "67"]
    assert app.code[0].value.split()[8] == "65"
    assert sum("D minor" in m.value for m in app.markdown) == 3


def test_the_seed_key_is_found_from_the_notes_or_chosen(app):
    seed_box(app).set_value("D4 _ F#4 _ A4 _ D5 _ _ _ A4 _ F#4 _ D4 _").run()
    assert any("D major (found from the notes)" in c.value for c in app.caption)
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception and app.code[0].value.split()[0] == "62"
    assert any("D major" in m.value for m in app.markdown)
    app.selectbox(key="seed_key").set_value("B minor").run()  # the same notes, read in B minor
    assert any("B minor" in c.value for c in app.caption) and not app.error


def test_a_bad_seed_shows_an_error_and_the_page_stays(app):
    seed_box(app).set_value("60 H4 62").run()
    assert not app.exception
    assert "'H4'" in app.error[0].value
    seed_box(app).set_value("60 _ 62").run()
    assert not app.error


def test_a_real_song_opening_is_a_ready_seed(app):
    name = next(o for o in app.selectbox[0].options if "Essen collection" in o)
    app.selectbox[0].set_value(name).run()
    assert not app.exception and not app.error
    assert len(seed_box(app).value.split()) >= 16  # two bars at least
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception and len(app.get("image")) == 1


def test_a_typed_seed_in_3_4_with_a_pickup_gives_a_waltz_with_a_pickup_bar(app):
    seed_box(app).set_value("67 _ _ _ 72 _ _ _ _ _ _ _ 74 _ 76 _").run()
    app.selectbox(key="meter").set_value("3/4").run()
    app.number_input(key="pickup").set_value(4)
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception and not app.error
    [melody] = app.session_state["melodies"]
    assert (melody.meter, melody.pickup) == ("3/4", 4)
    assert any("3/4" in m.value for m in app.markdown)


def test_a_real_song_seed_in_a_far_key_generates_and_scores_its_notes(app):
    # the presenter's path that crashed: a real-song seed, E minor, Generate, then How it works
    song = next(option for option in app.selectbox[0].options if "Kaisari" in option)
    app.selectbox[0].set_value(song).run()
    app.selectbox(key="output_key").set_value("E minor")
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception and not app.error
    assert len(app.get("audio")) == 1 and len(app.get("vega_lite_chart")) == 2  # the surprise charts drew
    app.switch_page("pages/1_How_it_works.py").run()
    assert not app.exception and not app.error
    assert "The melody you generated last" in app.caption[0].value


def test_an_unexpected_error_is_one_message_and_does_not_stick(app, monkeypatch):
    import melody.sampler

    real = melody.sampler.generate

    def broken(*args, **kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(melody.sampler, "generate", broken)
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception  # no traceback on the page
    [error] = app.error
    assert "Something went wrong while making the melody (RuntimeError)" in error.value
    assert "a bug nobody foresaw" not in error.value  # internals stay in the server's log
    monkeypatch.setattr(melody.sampler, "generate", real)
    app.button(key="generate").click().run()
    assert not app.exception and not app.error and len(app.get("audio")) == 1


def test_an_upload_is_read_once_not_on_every_rerun(app, monkeypatch):
    from conftest import DATA

    import melody.corpus

    calls = []
    real = melody.corpus.melody_from_upload

    def counted(name, data):
        calls.append(name)
        return real(name, data)

    monkeypatch.setattr(melody.corpus, "melody_from_upload", counted)
    app.file_uploader(key="upload").set_value(("tunes.abc", (DATA / "two_tunes.abc").read_bytes(), "text/plain")).run()
    app.slider(key="temperature").set_value(0.5).run()  # widget changes rerun the page...
    app.slider(key="bars").set_value(4).run()
    app.button(key="generate").click().run()
    assert not app.exception and not app.error and len(app.get("audio")) == 1
    assert calls == ["tunes.abc"]  # ...but the file was parsed once
