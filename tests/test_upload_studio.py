"""The studio's "A song file" (under "Sing, hum or bring your own song"): a good file becomes
the seed, a bad one changes nothing (the error beside the uploader), and what reading changed
is said under it.

A browser replacing a file first takes the old one out (the uploader's value is None for one
run), then gives the new one: the tests do the same.
"""

import pytest
from conftest import SHIPPED_MODEL, app_test, seed_controls

from melody.core.safe_text import unescaped

pytestmark = pytest.mark.shipped_model

WALTZ = b"X:1\nT:Waltz\nM:3/4\nL:1/4\nK:G\nD|G A B|c B A|G2 D|G3|\n"  # 3/4, a quarter's pickup
BROKEN = ("broken.mid", b"MThd this is not a MIDI file", "audio/midi")
DUET = b"""X:1\nT:Duet\nM:4/4\nL:1/4\nK:C\nV:1\nE D C D|E E E2|\nV:2 clef=bass\nC,4|G,,4|\n"""


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    return app_test().run()


def errors(at) -> str:
    return " ".join(unescaped(e.value) for e in at.error)


@pytest.mark.parametrize("taken_out_first", [False, True], ids=["replaced", "taken-out-then-replaced"])
def test_a_bad_file_after_a_good_one_leaves_the_seed_as_it_was(app, taken_out_first):
    app.file_uploader(key="upload").set_value(("waltz.abc", WALTZ, "text/plain")).run()
    good = seed_controls(app)
    assert good["text"].startswith("D4 _ _ _ G4") and good["meter"] == "3/4" and good["pickup"] == 4
    assert (good["key"], good["menu"], good["file"]) == ("G major", "Your file: waltz.abc", "waltz.abc")
    if taken_out_first:  # as a browser does when a new file replaces the old one
        app.file_uploader(key="upload").set_value(None).run()
        assert seed_controls(app) == good and not app.error
    app.file_uploader(key="upload").set_value(BROKEN).run()
    assert not app.exception and "broken.mid cannot be used" in errors(app)
    assert seed_controls(app) == good
    assert any("Seed from waltz" in unescaped(c.value) for c in app.caption)  # what the seed still is
    app.run()  # and it stays so on the next run, the error too
    assert seed_controls(app) == good and "broken.mid cannot be used" in errors(app)


def test_a_bad_first_file_leaves_the_ready_seed(app):
    before = seed_controls(app)
    app.file_uploader(key="upload").set_value(None).run()
    app.file_uploader(key="upload").set_value(BROKEN).run()
    assert seed_controls(app) == before and "broken.mid cannot be used" in errors(app)


def test_a_good_file_after_a_bad_one_becomes_the_seed_and_the_error_goes(app):
    app.file_uploader(key="upload").set_value(BROKEN).run()
    app.file_uploader(key="upload").set_value(None).run()
    app.file_uploader(key="upload").set_value(("waltz.abc", WALTZ, "text/plain")).run()
    assert seed_controls(app)["menu"] == "Your file: waltz.abc" and not app.error


def test_what_reading_changed_is_said_under_the_uploader(app):
    app.file_uploader(key="upload").set_value(("duet.abc", DUET, "text/plain")).run()
    assert not app.exception and not app.error
    assert seed_controls(app)["text"].startswith("E4 _ _ _ D4")  # the tune, not its bass
    assert any("Took the top line of 2 parts." in unescaped(c.value) for c in app.caption)
