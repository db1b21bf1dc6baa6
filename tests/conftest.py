"""Shared fixtures: a tiny corpus from music21's bundled songs and a tiny trained model."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

SHIPPED_MODEL = ROOT / "models" / "essen-lstm"


@pytest.fixture(scope="session")
def tiny_corpus():
    """27 songs of music21's erk5.abc, filtered and in C/Am (about 1 s to parse)."""
    from music21 import corpus

    from melody.songs.corpus import load_corpus

    path = next(
        pathlib.Path(str(p)) for p in corpus.getComposer("essenFolksong") if pathlib.Path(str(p)).stem == "erk5"
    )
    result = load_corpus([path], workers=1)
    assert len(result.melodies) >= 15
    return result


@pytest.fixture(scope="session")
def tiny_model_folder(tiny_corpus, tmp_path_factory):
    """A 16-unit model trained for one epoch on the tiny corpus, saved as a model folder."""
    from melody.net.folder import ModelConfig
    from melody.net.vocabulary import Vocabulary
    from melody.train.keras_model import save_model_folder
    from melody.train.training import TrainConfig, train

    melodies = tiny_corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), units=16, symbol_dim=8)
    folder = tmp_path_factory.mktemp("tiny-model")
    outcome = train(
        melodies[:20], melodies[20:], vocab, TrainConfig(epochs=1, batch_size=8), folder / "ckpt", config, verbose=0
    )
    save_model_folder(folder / "model", outcome.keras_model, config, vocab)
    return folder / "model"


@pytest.fixture(scope="session")
def tiny_model(tiny_model_folder):
    from melody.net.folder import load_model_folder

    return load_model_folder(tiny_model_folder)


@pytest.fixture(scope="session")
def tiny_lookback_model(tiny_corpus, tmp_path_factory):
    """A 2 x 16-unit lookback model (the symbols one and two bars back, the repeat flag) told
    up to 4 bars to go, trained for one epoch on the tiny corpus, loaded from its folder."""
    from melody.net.folder import ModelConfig, load_model_folder
    from melody.net.vocabulary import Vocabulary
    from melody.train.keras_model import save_model_folder
    from melody.train.training import TrainConfig, train

    melodies = tiny_corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    config = ModelConfig(
        vocab_size=len(vocab), n_meters=len(vocab.meters), units=16, symbol_dim=8, layers=2, to_go_bars=4, lookback=1
    )
    folder = tmp_path_factory.mktemp("tiny-lookback-model")
    outcome = train(
        melodies[:20], melodies[20:], vocab, TrainConfig(epochs=1, batch_size=8), folder / "ckpt", config, verbose=0
    )
    save_model_folder(folder / "model", outcome.keras_model, config, vocab)
    return load_model_folder(folder / "model")
