"""Streamlit AppTest of the minimal app: it loads the shipped model, generates, offers MIDI."""

import pytest
from conftest import ROOT, SHIPPED_MODEL
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def test_generate_shows_symbols_audio_and_download(app):
    assert not app.exception
    app.slider[0].set_value(0.0)  # temperature 0: the likeliest notes
    app.slider[1].set_value(64)
    app.button[0].click().run()
    assert not app.exception and not app.error
    symbols = app.code[0].value.split()
    assert symbols[:15] == "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _".split() and len(symbols) > 15


def test_a_bad_seed_shows_an_error_and_the_page_stays(app):
    app.text_input[0].set_value("60 H4 62").run()
    assert not app.exception
    assert "'H4'" in app.error[0].value
    app.text_input[0].set_value("60 _ 62").run()
    assert not app.error
