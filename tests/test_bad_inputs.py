"""The catalogue of bad inputs: each gets a specific message that says what is wrong and
what would work (a project error type from the API, a one-line error and a non-zero exit
from the scripts, ``st.error`` from the app, which keeps serving).

Every case id here is listed, with its message, in docs/bad-inputs.md (checked below).
"""

from __future__ import annotations

import io
import math
import pathlib
import re
import zipfile

import pytest
import test_hostile_files as hostile
from conftest import ROOT, SHIPPED_MODEL, app_test, run_script

from melody.core.errors import UserError
from melody.core.safe_text import unescaped

MIDI_RANGE_HINT = "MIDI numbers 0-127, note names like C4"


# --------------------------------------------------------------------------- the melody API
def _seed(text):
    from melody.songs.typed import parse_seed

    return lambda: parse_seed(text)


def _settings(**options):
    from melody.generate.generator import GenerationSettings

    return lambda: GenerationSettings(**options).check()


def _melody(*steps, **fields):
    from melody.core.melody import Melody

    return lambda: Melody(tuple(steps), **fields)


def _upload(name, data):
    from melody.songs.corpus import melody_from_upload

    def call():
        return melody_from_upload(name, data)

    call.filename = name
    return call


def _not_a_zip():
    return b"PK\x03\x04 this is not really a compressed MusicXML file"


def _mxl_without_score():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no score in here")
    return buffer.getvalue()


API_CASES = {  # id -> (call, message fragment)
    "seed-empty": (_seed(""), "the seed is empty; type a few notes"),
    "seed-blank": (_seed("   "), "the seed is empty"),
    "seed-H4": (
        _seed("60 H4"),
        "token 2 'H4' is not a note in English note names; in German it is B4 (choose German note names: "
        f"“Note names” in the studio, --note-names german on the command line); use {MIDI_RANGE_HINT}",
    ),
    "seed-C#-no-octave": (_seed("60 C#"), "needs an octave, e.g. C#4"),
    "seed-128": (_seed("128"), "'128' is outside the MIDI range 0-127"),
    "seed-minus-1": (_seed("-1"), "'-1' is outside the MIDI range 0-127"),
    "seed-double-hold": (_seed("60 __"), "'__' is not a note"),
    "seed-emoji": (_seed("60 🎻"), "'🎻' is not a note"),
    "seed-10000-tokens": (_seed(" ".join(["60"] * 10_000)), "10000 tokens; at most 1024"),
    "seed-starts-with-hold": (_seed("_ 60"), "starts with '_' (hold), but nothing sounds yet; start with a note"),
    "steps-0": (_settings(steps=0), "steps must be a whole number from 1 to 4096"),
    "steps-negative": (_settings(steps=-5), "steps must be a whole number from 1 to 4096"),
    "steps-huge": (_settings(steps=10**9), "steps must be a whole number from 1 to 4096"),
    "steps-not-a-number": (_settings(steps="ten"), "steps must be a whole number"),
    "temperature-negative": (_settings(temperature=-0.1), "temperature must be a number >= 0"),
    "temperature-nan": (_settings(temperature=math.nan), "temperature must be a number >= 0"),
    "temperature-infinite": (_settings(temperature=math.inf), "temperature must be a number >= 0"),
    "top-k-0": (_settings(top_k=0), "top-k must be a whole number >= 1 (or left out for no limit)"),
    "variations-0": (_settings(variations=0), "variations must be 1 to 64"),
    "variations-65": (_settings(variations=65), "variations must be 1 to 64"),
    "window-0": (_settings(max_seq_len=0), "max sequence length must be a whole number >= 1"),
    "output-key-unknown": (_settings(key="H minor"), "unknown tonic 'H'; use one of the 24"),
    "meter-off-grid": (_melody("60", meter="5/7"), "finer than the 16th-note grid"),
    "meter-not-a-meter": (_melody("60", meter="waltz"), "'waltz'"),
    "style-not-an-id": (_melody("60", style="<b>German</b>"), "is not a tradition's id"),
    "tempo-0": (_melody("60", tempo=0), "must be a positive number of beats per minute"),
    "pickup-too-long": (_melody("60", meter="3/4", pickup=12), "pickup 12 must be 0 to 11 steps in 3/4"),
    "pickup-longer-than-seed": (
        _melody("60", "_", meter="3/4", pickup=4),
        "longer than the melody (2); make it at most 2",
    ),
    "upload-empty-mid": (_upload("song.mid", b""), "the file is empty"),
    "upload-corrupt-mid": (_upload("song.mid", b"MThd not really a MIDI file"), "could not be read as music;"),
    "upload-empty-musicxml": (_upload("song.musicxml", b""), "the file is empty"),
    "upload-corrupt-musicxml": (_upload("song.musicxml", b"<score-partwise><oops"), "could not be read"),
    "upload-corrupt-mxl": (_upload("song.mxl", _not_a_zip()), "could not be read"),
    "upload-mxl-without-score": (_upload("song.mxl", _mxl_without_score()), "could not be read"),
    "upload-abc-off-grid": (
        _upload("fifths.abc", b"X:1\nL:1/8\nK:C\nC/5 D/5 E/5 F/5 G/5|\n"),
        "(a duration of 0.1 quarters)",
    ),
    "upload-corrupt-krn": (_upload("song.krn", b"**kern\n*M4/4\n4cc\n*-\ngarbage\t\t\x00"), "could not be read"),
    "upload-abc-without-tune": (_upload("song.abc", b"% only a comment, no X: header"), "could not be read as music"),
    "upload-not-music": (_upload("notes.txt", b"hello"), "not a kind of file the studio reads (.txt; one of .krn"),
    "upload-image-named-mid": (_upload("photo.mid", b"\x89PNG\r\n\x1a\n" + bytes(200)), "could not be read"),
    "upload-oversized": (_upload("huge.abc", b"X:1\nK:C\n" + b"c" * (6 * 2**20)), "larger than an upload may be"),
    # size bombs, junk and empty files (built in tests/test_hostile_files.py); chords, voices, parts
    # and triplets are read (the top line, rounded to 16ths): tests/test_upload_lines.py
    "upload-abc-huge-note": (_upload("bomb.abc", hostile.ABC_BOMB), "one lasts 15,000,000 quarters; at most 64"),
    "upload-mid-huge-note": (_upload("bomb.mid", hostile.MIDI_BOMB), "one lasts 1,000,000 quarters"),
    "upload-mxl-zip-bomb": (
        _upload("bomb.mxl", hostile.mxl_bomb()),
        "unpacks to more than a score would (too large, too many files, or packed tighter than music packs) "
        "(30 MB in 2 files)",
    ),
    "upload-abc-too-long": (
        _upload("long.abc", b"X:1\nM:4/4\nL:1/4\nK:C\n" + b"C64 D64 |" * 40),
        "longer than 8,192 sixteenths (128 bars of 4/4), 1,024 notes or 256 bars (it lasts 20,480 sixteenths)",
    ),
    "upload-abc-too-many-notes": (_upload("many.abc", b"X:1\nL:1/16\nK:C\n" + b"CDEF" * 1100), "(4,400 notes)"),
    "upload-abc-too-many-bars": (_upload("bars.abc", b"X:1\nM:1/16\nL:1/16\nK:C\n" + b"C2|" * 1000), "(1,000 bars)"),
    "upload-abc-binary-junk": (
        _upload("junk.abc", b"X:1\nL:1/4\nK:C\nCDEF \x00\x01garbage GABc|\n"),
        "could not be read as music",
    ),
    "upload-empty-abc": (_upload("e.abc", b""), "no notes (the file is empty)"),
    "upload-blank-abc": (_upload("b.abc", b"\n\n  \n"), "no notes (no tune in the file)"),
    "upload-empty-krn": (_upload("e.krn", b""), "no notes (the file is empty)"),
    "upload-empty-mxl": (_upload("e.mxl", b""), "no notes (the file is empty)"),
}


def _documented_types() -> dict[str, str]:
    table = (ROOT / "docs" / "bad-inputs.md").read_text()
    return dict(re.findall(r"^\| `([A-Za-z0-9#-]+)` \| API \| .*? \| (\w+) \|", table, re.M))


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_refuses_with_a_specific_message(case):
    call, fragment = API_CASES[case]
    with pytest.raises(UserError) as caught:
        call()
    assert type(caught.value).__name__ == _documented_types()[case]  # the type the docs table names
    message = str(caught.value)
    if case.startswith("upload-"):
        from melody.songs.corpus import upload_problem

        message = upload_problem(call.filename, caught.value)  # what the app shows: the problem and what would work
        assert "upload one tune as .krn" in message
    assert fragment in message


def test_a_seed_note_the_model_never_saw_is_named_in_the_seeds_key(tiny_model):
    from melody.generate.generator import generate
    from melody.songs.typed import parse_seed

    low, high = tiny_model.vocab.pitch_range
    from melody.core.pitch import midi_name

    with pytest.raises(
        UserError,
        match=rf"note {high + 1} \({re.escape(midi_name(high + 1))}\) is outside what the model knows here: {low} ",
    ):
        generate(tiny_model, parse_seed(f"60 {high + 1}", key="C major"), steps=4)
    knows = rf"knows here: {low + 2} \({midi_name(low + 2)}\) to {high + 2} \({midi_name(high + 2)}\); move the seed"
    with pytest.raises(UserError, match=knows):  # a seed in D major: the range moves up with it
        generate(tiny_model, parse_seed(f"62 {high + 5}", key="D major"), steps=4)
    with pytest.raises(UserError, match=f"note {high + 8} "):  # named as typed, whatever the result's key
        generate(tiny_model, parse_seed(f"62 {high + 8}", key="D major"), steps=4, key="G# minor")


def test_huge_temperatures_are_allowed_and_sample_almost_uniformly(tiny_model):
    from melody.generate.generator import generate
    from melody.songs.typed import parse_seed

    [melody] = generate(tiny_model, parse_seed("60 _ 62"), steps=64, temperature=1e6, random_seed=1, full_length=True)
    assert len(melody) == 67 and len(set(melody.steps[3:])) > 10  # many different symbols: close to uniform


# ---------------------------------------------------------------- model folders (API and CLI)
def _model_copy(tmp_path, change):
    folder = tmp_path / "model"
    folder.mkdir()
    for path in SHIPPED_MODEL.iterdir():
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    change(folder)
    return folder


MODEL_CASES = {  # id -> (change to a copy of the shipped folder, fragment)
    "model-missing": (lambda f: [p.unlink() for p in f.iterdir()] and f.rmdir(), "no model folder at"),
    "model-truncated": (
        lambda f: (f / "model.keras").write_bytes((SHIPPED_MODEL / "model.keras").read_bytes()[:5000]),
        "model.keras is corrupt",
    ),
    "model-wrong-version": (
        lambda f: (f / "config.json").write_text(
            (f / "config.json").read_text().replace('"format_version": 1', '"format_version": 99')
        ),
        "is model format 99, this code reads format 1",
    ),
    "model-no-config": (lambda f: (f / "config.json").unlink(), "lacks config.json"),
    "model-garbled-mapping": (lambda f: (f / "mapping.json").write_text("{not json"), "mapping.json is unreadable"),
}


@pytest.mark.subprocess
@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_unusable_model_folders_say_how_to_get_a_good_one(case, tmp_path):
    from melody.net.folder import load_model_folder

    change, fragment = MODEL_CASES[case]
    folder = _model_copy(tmp_path, change)
    with pytest.raises(UserError) as caught:
        load_model_folder(folder)
    assert fragment in str(caught.value)
    if case != "model-garbled-mapping":
        assert "train one with" in str(caught.value)
    done = _script("generate.py", "--model", folder)  # and the command line says the same in one line
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- command lines
_script = run_script


CLI_CASES = {  # id -> (script and arguments, fragment)
    "cli-generate-bad-seed": (["generate.py", "--seed", "60 H4"], "'H4' is not a note"),
    "cli-generate-steps-0": (["generate.py", "--steps", "0"], "steps must be a whole number"),
    "cli-generate-temperature-nan": (["generate.py", "--temperature", "nan"], "temperature must be a number >= 0"),
    "cli-generate-top-k-0": (["generate.py", "--top-k", "0"], "top-k must be"),
    "cli-generate-out-of-range-seed": (["generate.py", "--seed", "10 _ 12", "--seed-key", "C major"], "note 10"),
    "cli-generate-bad-key": (["generate.py", "--key", "H minor"], "unknown tonic 'H'"),
    "cli-generate-bad-meter": (["generate.py", "--meter", "5/7"], "finer than the 16th-note grid"),
    "cli-generate-pickup-too-long": (["generate.py", "--meter", "3/4", "--pickup", "12"], "pickup 12 must be 0 to 11"),
    "cli-generate-txt": (["generate.py", "--out", "melody.txt"], "use a .mid, .musicxml, .wav, .abc or .pdf file name"),
    "cli-generate-program-200": (["generate.py", "--program", "200"], "General MIDI programs are 0 to 127"),
    "cli-generate-unknown-style": (["generate.py", "--style", "klingon"], "'klingon' is not a style"),
    "cli-evaluate-unknown-style": (["evaluate.py", "--style", "klingon", "x.abc"], "'klingon' is not a style"),
    "cli-generate-seed-above-the-model": (
        ["generate.py", "--seed", "127", "--seed-key", "A minor", "--key", "A major"],
        "the seed's note 127 (G9) is outside what the model knows here: 48 (C3) to 89 (F6)",
    ),
    "cli-generate-key-move-past-midi": (
        ["generate.py", "--seed", "0", "--seed-key", "C# major"],
        "the note 0 (C-1) would become -1 when moved to C major, outside MIDI's 0 (C-1) to 127 (G9); "
        "move the melody an octave up",
    ),
    "cli-train-no-data": (["train.py", "--data", "/no/such/data"], "preprocess.py"),
    "cli-evaluate-no-model": (["evaluate.py", "--model", "/no/such/model", "--split", "test"], "no model folder"),
    "cli-preprocess-no-corpus": (["preprocess.py", "/no/such/songs", "--out", "{tmp}/data"], "no such file or folder"),
    "cli-generate-chord-model-alone": (["generate.py", "--chord-model", "{tmp}"], "--chord-model goes with --chords"),
    "cli-generate-no-chord-model": (["generate.py", "--chords", "--chord-model", "{tmp}"], "no chord model at"),
    "cli-harmonize-no-song": (["harmonize.py", "/no/such/song.abc", "--out", "{tmp}/out"], "no such file or folder"),
    "cli-harmony-eval-no-model": (["harmony_eval.py", "--model", "{tmp}", "x.abc"], "no chord model at"),
}


@pytest.mark.subprocess
@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_scripts_fail_in_one_clear_line(case, tmp_path):
    args, fragment = CLI_CASES[case]
    done = _script(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert done.returncode != 0 and fragment in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0  # one line


@pytest.mark.subprocess
def test_a_corpus_of_unreadable_files_is_counted_and_refused(tmp_path):
    corpus = tmp_path / "songs"
    corpus.mkdir()
    (corpus / "a.mid").write_bytes(b"not midi")
    (corpus / "b.krn").write_bytes(b"\x00\x01\x02 binary junk")
    (corpus / "c.abc").write_text("X:1\nT:empty\nK:C\n")
    (corpus / "d.musicxml").write_bytes(b"<score-partwise>")
    done = _script("preprocess.py", corpus, "--out", tmp_path / "data", "--no-cache", "--workers", "1")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "none of the 4 songs read" in done.stderr and "parse_error" in done.stderr  # each file tried and counted
    assert "Give .krn, .abc, .musicxml or .mid files" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing half-written


# ------------------------------------------------------------------------------------- app
def _app(monkeypatch, model=SHIPPED_MODEL):

    monkeypatch.setenv("FOLK_MODEL", str(model))
    return app_test().run()


def _type_seed(at, text):
    next(t for t in at.text_input if t.key.startswith("seed:")).set_value(text).run()


APP_CASES = {  # id -> (what the person does, fragment of the st.error)
    "app-seed-H4": (lambda at: _type_seed(at, "60 H4 62"), "'H4' is not a note"),
    "app-seed-empty": (lambda at: _type_seed(at, ""), "the seed is empty"),
    "app-seed-starts-with-hold": (lambda at: _type_seed(at, "_ 60"), "starts with '_'"),
    "app-pickup-longer-than-seed": (
        lambda at: (_type_seed(at, "67 _"), at.number_input(key="pickup").set_value(4).run()),
        "the pickup (4 sixteenths) is longer than the melody (2)",
    ),
    "app-seed-out-of-range": (  # said as it is typed, in note names, before any Generate
        lambda at: (_type_seed(at, "20 _ 22 _"), at.selectbox(key="seed_key").set_value("C major").run()),
        "note 20 (G#0) is outside what the model knows here: 48 (C3) to 89 (F6)",
    ),
    "app-upload-not-music": (
        lambda at: at.file_uploader(key="upload").set_value(("x.mid", b"not a MIDI file", "audio/midi")).run(),
        "x.mid cannot be used",
    ),
    "app-upload-empty-abc": (
        lambda at: at.file_uploader(key="upload").set_value(("e.abc", b"", "text/plain")).run(),
        "e.abc cannot be used: no notes (the file is empty); upload one tune",
    ),
}


@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(APP_CASES))
def test_the_app_shows_an_error_and_keeps_serving(case, monkeypatch):
    act, fragment = APP_CASES[case]
    at = _app(monkeypatch)
    act(at)
    assert not at.exception
    assert any(fragment in unescaped(e.value) for e in at.error), [e.value for e in at.error]
    at.file_uploader(key="upload").set_value(None).run()  # the person corrects it, and the page works
    at.number_input(key="pickup").set_value(0)
    _type_seed(at, "67 _ 67 _ 65 64 _ _")
    at.selectbox(key="seed_key").set_value("C major")
    at.slider(key="bars").set_value(4)
    at.button(key="generate").click().run()
    assert not at.exception and not at.error and len(at.get("audio")) == 1


@pytest.mark.shipped_model
def test_the_app_without_a_model_says_how_to_get_one(monkeypatch, tmp_path):
    at = _app(monkeypatch, model=tmp_path / "missing")
    assert not at.exception
    error = unescaped(at.error[0].value)
    assert "no model folder" in error and "train one with" in error


# ---------------------------------------------------------------------------- the catalogue
def test_the_catalogue_is_listed_in_the_docs():
    from test_forms import FORM_CASES
    from test_model_folders import MODEL_FOLDER_CASES
    from test_options import API_OPTION_CASES, OPTION_CASES
    from test_safe_links import HARMONIZE_CASES, LINK_CASES, TEXT_CASES
    from test_sung import RECORDING_CASES

    cases = [*API_CASES, *MODEL_CASES, *CLI_CASES, *APP_CASES, *MODEL_FOLDER_CASES, *OPTION_CASES, *API_OPTION_CASES]
    cases += [*LINK_CASES, *TEXT_CASES, *HARMONIZE_CASES, *FORM_CASES, *RECORDING_CASES]
    assert len(cases) >= 30 and len(set(cases)) == len(cases)
    listed = set(re.findall(r"^\| `([A-Za-z0-9#-]+)` \|", (ROOT / "docs" / "bad-inputs.md").read_text(), re.M))
    assert set(cases) - listed == set(), "cases missing from docs/bad-inputs.md"
    assert listed - set(cases) == set(), "docs/bad-inputs.md lists cases that are not tested"
    assert pathlib.Path(ROOT / "README.md").read_text().count("docs/bad-inputs.md") >= 1


def test_the_docs_name_only_tests_that_exist():
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", (ROOT / "docs" / "bad-inputs.md").read_text())
    assert len(named) >= 10
    for module, test in named:
        assert f"def {test}(" in (ROOT / "tests" / module).read_text(), f"{module}::{test}"
