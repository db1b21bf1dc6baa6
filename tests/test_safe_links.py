"""A shared link is safe to open: the work of a click is bounded before it starts, text from
links and files is shown as text, and harmonize.py never loses or garbles a tune.

Every case here is listed in docs/bad-inputs.md (test_bad_inputs checks the catalogue).
"""

from __future__ import annotations

import re
import sys
import time

import numpy as np
import pytest
from conftest import ROOT, SHIPPED_MODEL, app_test, run_script

from melody.core.safe_text import clean, shown, unescaped
from melody.studio import budget
from melody.studio.recipe import Recipe, from_query

WORST = "?window=1024&bars=64&n=4&tempo=40&meter=3/2&melody=7"


def _link(monkeypatch, query: str):
    """The studio opened at ``query`` (a share link) in AppTest, and the seconds it took."""

    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = app_test()
    for name, value in re.findall(r"[?&]([^=&]+)=([^&]*)", query):
        at.query_params[name] = value
    started = time.process_time()
    at.run()
    return at, time.process_time() - started


def _markdown_of(at) -> str:
    """Every piece of Markdown the page sends (warnings, errors, infos, captions, text)."""
    kinds = ("warning", "error", "info", "caption", "markdown")
    return "\n".join(element.value for kind in kinds for element in getattr(at, kind))


def _no_injection(markdown: str) -> bool:
    """No Markdown link or image, no HTML tag, no unescaped LaTeX dollar, no bare URL that
    GitHub Markdown would link (``https://``, ``www.``: `safe_text` breaks them) in the page's text."""
    return not re.search(r"(?<!\\)\]\(|(?<!\\)<[a-z]|(?<!\\)\$|(?i:www\\?\.)|:\\?/", markdown)


# ------------------------------------------------------------------------ the work of a click
LINK_CASES = {  # id -> (query, what the studio must say; checked by test_a_costly_link_is_reduced_before_work)
    "link-window-costly": ("?window=1024&bars=64&melody=9", None),  # the window holds the song: no extra work
    "link-window-long-costly": ("?window=768&bars=64&meter=6/4&melody=9", "made with no limit on its memory"),
    "link-window-short-costly": ("?window=64&bars=64&meter=3/2&melody=9", "made with a memory of"),
    "link-four-long-songs": ("?bars=64&n=4&tempo=40&meter=3/2&melody=5", "1 is made, at most 5 minutes in all"),
    "link-worst": (WORST, "the player plays its first 5"),
}


@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_a_costly_link_is_reduced_before_work_and_says_so(case, monkeypatch):
    query, said = LINK_CASES[case]
    at, seconds = _link(monkeypatch, query)
    assert not at.exception and not at.error
    if said is None:
        assert not at.info and at.session_state["studio"].result.recipe.window == 1024
    else:
        assert any(said in unescaped(info.value) for info in at.info), [i.value for i in at.info]
    recipe, melodies = at.session_state["studio"].result.recipe, at.session_state["studio"].result.melodies
    assert budget.row_steps(recipe) <= budget.ROW_STEPS
    assert len(melodies) * budget.sound_seconds(recipe) <= budget.SOUND_S + budget.sound_seconds(recipe)
    assert seconds < 30  # the whole page, on a busy CI core (a click's work is ~3 s here)
    assert len(at.get("audio")) == len(melodies)
    assert at.query_params["n"] == str(recipe.variations)  # the link now says what was made


def test_the_budget_bounds_every_link_the_studio_allows():
    from melody.studio.recipe import METERS, STUDIO_TEMPO

    for meter in METERS:
        for window in (1, 16, 64, 256, 1024):
            for variations in (1, 4):
                asked = Recipe(meter=meter, bars=64, window=window, variations=variations, tempo=STUDIO_TEMPO[0])
                made = budget.plan(asked).recipe
                assert budget.row_steps(made) <= budget.ROW_STEPS
                assert made.variations * budget.sound_seconds(made) <= max(budget.SOUND_S, budget.sound_seconds(made))
    small = Recipe(bars=16, window=64, variations=4)  # what a curious person tries: kept as asked
    assert budget.plan(small) == budget.Plan(small, (), None, small)


def test_a_window_is_read_exactly_in_one_batch(tiny_model):
    """WindowedReader gives what re-reading each window from a fresh state gives."""
    from melody.generate.generator import WindowedReader
    from melody.net.step import step_model

    net, rng, total, window, batch = step_model(tiny_model), np.random.default_rng(0), 40, 7, 2
    ids = rng.integers(3, len(tiny_model.vocab), (batch, total + 1)).astype(np.int32)
    positions = rng.integers(0, 16, total + 1).astype(np.int32)
    reader = WindowedReader(net, window, batch, total, 1, positions)
    for j in range(total):
        start = max(0, j + 1 - window)
        want, _ = net.run(
            ids[:, start : j + 1],
            np.tile(positions[start : j + 1], (batch, 1)),
            np.ones((batch, j + 1 - start), np.int32),
        )
        assert np.allclose(reader.feed(j, ids[:, j]), want, atol=1e-5)
        assert len(reader.starts) <= window + 1


def test_a_window_longer_than_the_song_is_the_song_without_one(tiny_model):
    from melody.generate.generator import generate
    from melody.songs.typed import EXAMPLE, parse_seed

    seed = parse_seed(EXAMPLE)
    free = generate(tiny_model, seed, steps=48, random_seed=4, temperature=1.0)
    long = generate(tiny_model, seed, steps=48, random_seed=4, temperature=1.0, max_seq_len=1024)
    assert free == long


# ------------------------------------------------------------------------------- text is text
PHISHING = "[Your session expired, log in again](https://evil.example/login)"
PIXEL = "![](http://host/pixel.png)"
TEXT_CASES = {  # id -> (query, a fragment the person must see, as text)
    "link-key-phishing": (f"?key={PHISHING}&melody=1", "log in again"),
    "link-tempo-pixel": (f"?tempo={PIXEL}&melody=1", "pixel.png"),
    "link-meter-latex": ("?meter=$x^2$&melody=1", "$x^2$"),
    "link-inst-bold-colour": ("?inst=**:red[bold]**&melody=1", ":red[bold]"),
    "link-value-14-kB": ("?seedkey=" + "A" * 14_000 + "&melody=1", "AAAA…"),
    "link-not-a-number": ("?tempo=fast&melody=1", "'fast' is not a number from 40 to 200"),
    "link-seed-markdown": ("?seed=60 [HELP](//e.cc) 62&melody=1", "[HELP](//e.cc)"),
    "link-bare-url": ("?inst=see https://evil.example or www.evil.example&melody=1", "www.evil.ex"),
}


@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_link_values_are_shown_as_text(case, monkeypatch):
    query, fragment = TEXT_CASES[case]
    at, _ = _link(monkeypatch, query)
    page = _markdown_of(at)
    assert not at.exception and _no_injection(page), page
    assert fragment in unescaped(page)
    assert "invalid literal" not in page and "could not convert" not in page  # no Python wording
    assert max((len(unescaped(w.value)) for w in [*at.warning, *at.error]), default=0) < 600  # long values cut


@pytest.mark.shipped_model
def test_a_long_seed_message_keeps_its_underscores(monkeypatch):
    at, _ = _link(monkeypatch, "?seed=" + "60 " * 1100 + "&melody=1")
    [error] = at.error
    assert "'_'" in unescaped(error.value) and "''" not in unescaped(error.value)


@pytest.mark.shipped_model
def test_an_upload_name_is_shown_as_text(monkeypatch):

    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = app_test().run()
    song = (ROOT / "tests" / "data" / "two_tunes.abc").read_bytes()
    name = "[click](https://evil.example) ![](http://h/p.png) $x$ \u202eevil.abc"
    at.file_uploader(key="upload").set_value((name, song, "text/plain")).run()
    page = _markdown_of(at)
    assert not at.exception and _no_injection(page) and "\u202e" not in page
    assert "[click](https://evil.example)" in unescaped(page)


def test_clean_and_shown():
    assert clean("a\x01b\u202ec\u2066d\n  e") == "abcd e"
    assert clean("x" * 500, 10) == "x" * 9 + "…"
    assert unescaped(shown("*a* _b_ [c](d) <b> $e$ :red[f] www.g.com")) == "*a* _b_ [c](d) <b> $e$ :red[f] www.g.com"
    assert _no_injection(shown(f"{PHISHING} {PIXEL} <img src=x> $x$"))


def test_link_readers_say_what_is_wrong_in_plain_words():
    recipe, problems = from_query({"tempo": "1e999", "bars": "٣", "pickup": "x" * 5000, "meter": "waltz"})
    assert recipe == Recipe()
    assert all("invalid literal" not in p and len(p) < 160 for p in problems), problems


# ---------------------------------------------------------------------------------- harmonize
def _harmonize(folder, out):
    return run_script("harmonize.py", folder, "--out", out)


def _tune(x, title: str) -> str:
    return f"X:{x}\nT:{title}\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A4|\n"


def _midi_bytes() -> bytes:
    import io

    import pretty_midi

    midi, part = pretty_midi.PrettyMIDI(), pretty_midi.Instrument(0)
    for k, pitch in enumerate([67, 69, 71, 72, 74, 72, 71, 69]):
        part.notes.append(pretty_midi.Note(90, pitch, k * 0.5, k * 0.5 + 0.5))
    midi.instruments.append(part)
    buffer = io.BytesIO()
    midi.write(buffer)
    return buffer.getvalue()


HARMONIZE_CASES = {  # id -> (files to write, the file names harmonize.py must write)
    "cli-harmonize-name-clash": (
        {"tune.abc": _tune(2, "A"), "tune.krn": None, "tune.mid": "midi"},
        {"tune-2.musicxml", "tune.musicxml", "tune-3.musicxml"},
    ),
    "cli-harmonize-300-digit-x": (
        {"long.abc": _tune("9" * 300, "Long") + "\n" + _tune(3, "After")},
        {"long-1.musicxml", "long-3.musicxml"},
    ),
    "cli-harmonize-control-name": ({"bad\x01name.mid": "midi"}, {"badname.musicxml"}),
    "cli-harmonize-utf8-title": ({"song.abc": _tune(1, "Schöne Müllerin")}, {"song-1.musicxml"}),
}


@pytest.mark.subprocess
@pytest.mark.parametrize("case", sorted(HARMONIZE_CASES))
def test_harmonize_gives_every_tune_its_own_readable_file(case, tmp_path):
    from music21 import converter

    files, expected = HARMONIZE_CASES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        if text is None:
            (folder / name).write_bytes((ROOT / "tests" / "data" / "major_g.krn").read_bytes())
        elif text == "midi":
            (folder / name).write_bytes(_midi_bytes())
        else:
            (folder / name).write_text(text, encoding="utf-8")
    done = _harmonize(folder, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == expected
    assert f"harmonized {len(expected)} tune(s)" in done.stdout and "\x01" not in done.stdout + done.stderr
    titles = {converter.parse(str(p)).metadata.movementName for p in (tmp_path / "out").iterdir()}
    assert not any("Ã" in (title or "") or "\x01" in (title or "") for title in titles)
    if case == "cli-harmonize-utf8-title":
        assert titles == {"Schöne Müllerin"}


def test_harmonize_skips_a_tune_it_cannot_write_and_goes_on(tmp_path, monkeypatch):
    import importlib

    sys.path.insert(0, str(ROOT / "scripts"))
    harmonize = importlib.import_module("harmonize")
    taken: set[str] = set()
    assert [harmonize.unique_name("t.musicxml", taken) for _ in range(3)] == [
        "t.musicxml",
        "t-2.musicxml",
        "t-3.musicxml",
    ]
    assert harmonize.unique_name("T.musicxml", taken) == "T-4.musicxml"  # case-insensitive file systems
    with pytest.raises(Exception):  # noqa: B017  (ill-formed XML is never written)
        harmonize.write_checked(tmp_path / "x.musicxml", b"<a>\x01</a>")
    assert not (tmp_path / "x.musicxml").exists()
