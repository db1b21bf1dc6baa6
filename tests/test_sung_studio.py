"""The studio's "Sing or hum the seed": a recording's notes fill the seed box (menu "Your
singing", the key found from the notes, the tempo found from the singing), with what was
heard and a player; a recording that cannot be used changes nothing but the message."""

import pytest
from conftest import SHIPPED_MODEL, app_test, seed_controls
from voices import chord, sung, wav_bytes

from melody.core.safe_text import unescaped
from melody.songs.typed import parse_seed

pytestmark = pytest.mark.shipped_model

TUNE = parse_seed("67 _ 69 _ 71 _ 72 _ 74 _ _ _ 72 _ 71 _ 69 _ _ _ 67 _ _ _ r _ 67 _ 67 _ _ _", tempo=96)


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    return app_test().run()


def texts(elements) -> str:
    return " ".join(unescaped(e.value) for e in elements)


def test_a_sung_recording_fills_the_seed_box_and_generates(app):
    app.file_uploader(key="recording_file").set_value(("hum.wav", wav_bytes(sung(TUNE)), "audio/wav")).run()
    assert not app.exception, app.exception
    controls = seed_controls(app)
    assert controls["text"] == "G4 _ A4 _ B4 _ C5 _ D5 _ _ _ C5 _ B4 _ A4 _ _ _ G4 _ _ _ r _ G4 _ G4 _ _ _"
    assert (controls["menu"], controls["take"]) == ("Your singing", "hum.wav")
    assert app.slider(key="tempo").value == 96  # found from the singing, and played so
    said = texts(app.caption)
    assert "Heard 11 notes, G4 to D5, at 96 beats a minute (found from your singing)" in said
    assert "G major (found from the notes)" in said
    assert "Hear what I heard" in said
    app.button(key="generate").click().run()
    result = app.session_state["studio"].result
    assert result and result.melodies[0].steps[: len(TUNE)] == TUNE.steps


def test_a_chord_after_a_good_take_leaves_the_seed_as_it_was(app):
    app.file_uploader(key="recording_file").set_value(("hum.wav", wav_bytes(sung(TUNE)), "audio/wav")).run()
    good = seed_controls(app)
    app.file_uploader(key="recording_file").set_value(None).run()  # a browser takes the old file out first
    assert seed_controls(app) == good and not app.error
    app.file_uploader(key="recording_file").set_value(("band.wav", wav_bytes(chord()), "audio/wav")).run()
    assert not app.exception
    assert "many sounds at once" in texts(app.error)
    assert seed_controls(app) == good


def test_a_file_that_is_not_audio_is_refused_plainly(app):
    before = seed_controls(app)
    app.file_uploader(key="recording_file").set_value(("song.mp3", b"ID3 not really an mp3", "audio/mpeg")).run()
    assert "song.mp3 is not a recording the studio can read" in texts(app.error)
    assert seed_controls(app) == before
