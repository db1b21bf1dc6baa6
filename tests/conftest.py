"""Shared fixtures: a tiny corpus from music21's bundled songs and a tiny trained model."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# the studio's book of melody numbers: one for this test run (and the servers it starts), not the repo's
os.environ.setdefault("FOLK_MELODY_BOOK", os.path.join(tempfile.mkdtemp(prefix="folk-book-"), "book.jsonl"))

SHIPPED_MODEL = ROOT / "models" / "essen-lstm"
SCRIPT_TIMEOUT_S = 300  # a command line in a test: a hang fails, a slow CI machine does not


def run_script(name: str, *args, timeout: float = SCRIPT_TIMEOUT_S, **options) -> subprocess.CompletedProcess:
    """Run ``scripts/<name>`` with ``args`` (any values, made text) as its own process, as a
    person would: its output captured as text, from the repository's root. Mark such tests
    ``@pytest.mark.subprocess`` (each starts Python, often TensorFlow: seconds)."""
    command = [sys.executable, str(ROOT / "scripts" / name), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, **options)


def app_test(page: str = "app.py", timeout: float = 60):
    """A Streamlit AppTest of the studio (``app.py``) or of ``pages/...``, not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / page), default_timeout=timeout)


def seed_controls(at) -> dict:
    """What an AppTest's studio holds as its seed: the box, meter, pickup, key and menu, and the
    song file and the recording it keeps (a bad file or take must leave all of them as they were)."""
    state = at.session_state["studio"]
    return {
        "text": at.text_input(key="seed:text").value,
        "meter": at.selectbox(key="meter").value,
        "pickup": at.number_input(key="pickup").value,
        "key": at.selectbox(key="seed_key").value,
        "menu": at.selectbox(key="ready").value,
        "file": state.upload and state.upload.name,
        "take": state.take and state.take.name,
    }


TINY_MODELS = {  # committed folders (tests/data/make_tiny_models.py writes them) -> ModelConfig options
    "tiny-model": {"units": 16, "symbol_dim": 8},
    "tiny-lookback-model": {"units": 16, "symbol_dim": 8, "layers": 2, "to_go_bars": 4, "lookback": 1},
}


def read_tiny_corpus():
    """27 songs of music21's erk5.abc, filtered and in C/Am (about 1 s to parse)."""
    from music21 import corpus

    from melody.songs.corpus import load_corpus

    path = next(
        pathlib.Path(str(p)) for p in corpus.getComposer("essenFolksong") if pathlib.Path(str(p)).stem == "erk5"
    )
    result = load_corpus([path], workers=1)
    assert len(result.melodies) >= 15
    return result


def train_tiny_model(corpus, folder: pathlib.Path, **options) -> pathlib.Path:
    """A model of ``options`` (`TINY_MODELS`) trained for one epoch on the tiny corpus (TensorFlow,
    seconds), saved as a model folder ``folder``."""
    from melody.net.folder import ModelConfig
    from melody.net.vocabulary import Vocabulary
    from melody.train.keras_model import save_model_folder
    from melody.train.training import TrainConfig, train

    melodies = corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), **options)
    outcome = train(
        melodies[:20], melodies[20:], vocab, TrainConfig(epochs=1, batch_size=8), folder / "ckpt", config, verbose=0
    )
    save_model_folder(folder, outcome.keras_model, config, vocab)
    return folder


@pytest.fixture(scope="session")
def tiny_corpus():
    return read_tiny_corpus()


@pytest.fixture(scope="session")
def tiny_model_folder():
    """A 16-unit model trained for one epoch on the tiny corpus: a folder committed in
    tests/data (read without TensorFlow; `test_tiny_models_are_what_the_maker_writes` checks it)."""
    return DATA / "tiny-model"


@pytest.fixture(scope="session")
def tiny_model(tiny_model_folder):
    from melody.net.folder import load_model_folder

    return load_model_folder(tiny_model_folder)


@pytest.fixture(scope="session")
def tiny_lookback_model():
    """A 2 x 16-unit lookback model (the symbols one and two bars back, the repeat flag) told
    up to 4 bars to go, trained for one epoch on the tiny corpus (committed in tests/data)."""
    from melody.net.folder import load_model_folder

    return load_model_folder(DATA / "tiny-lookback-model")


class Lazy:
    """A module imported on first use: a test file that needs TensorFlow names it at the top
    (``tf = Lazy("tensorflow")``) without importing it while the tests are collected, so
    ``make test-fast`` never loads TensorFlow."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        import importlib

        return getattr(importlib.import_module(self._name), attribute)


@pytest.fixture(scope="module")
def server():
    """The studio (`streamlit run app.py` on the shipped model, a free port), once per test file."""
    from devtools.serve import streamlit_server

    with streamlit_server(ROOT / "app.py", env={"FOLK_MODEL": str(SHIPPED_MODEL)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (never a browser download), once per test
    file; audio may start without a gesture (the projector view's test plays it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()
