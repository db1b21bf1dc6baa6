"""The studio's Style control (AppTest, the shipped models): a tradition is one click away,
brings its own real songs, tempo and instrument, is told to the style model at every step, puts
its own chords under the song, and travels in the link."""

import pytest
from conftest import app_test

from melody.core.pitch import OPEN_FIFTH
from melody.core.safe_text import unescaped
from melody.songs.traditions import TRADITIONS, model_folder

pytestmark = pytest.mark.shipped_model


@pytest.fixture
def app(monkeypatch):
    monkeypatch.delenv("FOLK_MODEL", raising=False)  # each style's own shipped model
    return app_test(timeout=90).run()


def generate(at):
    at.button(key="generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at.session_state["studio"].result


def test_german_is_the_first_style_and_says_where_its_songs_come_from(app):
    assert app.session_state["style"] == "german"
    assert any(TRADITIONS["german"].origin in caption.value for caption in app.caption)


@pytest.mark.parametrize("style", ["chinese", "irish-british"])
def test_a_style_brings_its_songs_tempo_and_instrument_and_the_song_is_made_in_it(app, style):
    tradition = TRADITIONS[style]
    app.button_group(key="style").set_value(style).run()
    assert not app.exception
    assert any(tradition.origin in caption.value for caption in app.caption)
    menu = app.selectbox(key="ready")
    assert all(style != "chinese" or "Alle meine Entchen" not in option for option in menu.options)
    assert any(option.startswith(("Molihua", "The Rakes of Kildare")) for option in menu.options)
    assert menu.value.startswith({"chinese": "Molihua", "irish-british": "The Rakes of Kildare"}[style])
    assert app.slider(key="tempo").value == tradition.tempo
    assert app.selectbox(key="instrument").value == tradition.instrument
    app.slider(key="bars").set_value(8).run()
    result = generate(app)
    assert all(melody.style == style for melody in result.melodies) and result.recipe.style == style
    assert app.query_params["style"] == style
    from melody.chords import model as harmony

    chords = {chord.quality for chord in harmony.harmonize(result.melodies[0]).chords}  # as the studio plays it
    assert (chords == {OPEN_FIFTH}) == (style == "chinese")  # a drone under Chinese songs, triads under Irish
    assert model_folder(style).name == {"chinese": "traditions-lstm", "irish-british": "irish-lstm"}[style]


def test_a_link_opens_in_its_style_and_a_style_that_is_none_is_named(monkeypatch):
    monkeypatch.delenv("FOLK_MODEL", raising=False)
    at = app_test(timeout=90)
    at.query_params.update({"style": "irish-british", "ready": "oneills1850-1376-1475-50", "melody": "7", "bars": "8"})
    at.run()
    assert not at.exception and at.session_state["style"] == "irish-british"
    assert at.selectbox(key="ready").value.startswith("Drowsy Maggie") and at.selectbox(key="meter").value == "2/2"
    assert at.session_state["studio"].result.melodies[0].style == "irish-british"
    bad = app_test(timeout=90)
    bad.query_params.update({"style": "<b>klingon</b>", "melody": "7"})
    bad.run()
    assert bad.session_state["style"] == "german"
    said = [unescaped(warning.value) for warning in bad.warning]  # shown as text, not markup
    assert any("style: '<b>klingon</b>' is not one of german, chinese, irish-british" in line for line in said), said


def test_a_link_with_only_a_style_opens_the_studio_in_that_style(monkeypatch):
    """A teacher's link to start a class in one tradition: "?style=chinese", nothing made yet."""
    monkeypatch.delenv("FOLK_MODEL", raising=False)
    at = app_test(timeout=90)
    at.query_params["style"] = "chinese"
    at.run()
    assert not at.exception and at.session_state["style"] == "chinese"
    assert at.selectbox(key="ready").value.startswith("Molihua") and at.slider(key="tempo").value == 80
    assert not at.session_state["studio"].result
