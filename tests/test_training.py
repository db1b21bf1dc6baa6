import json

import numpy as np

from melody.encoding import Vocabulary
from melody.model import ModelConfig, load_model_folder, save_model_folder
from melody.training import TrainConfig, make_batches, train


def test_batches_pad_and_weigh_only_real_targets(tiny_corpus):
    vocab = Vocabulary.from_melodies(tiny_corpus.melodies)
    batches = make_batches(tiny_corpus.melodies, vocab, batch_size=8)
    assert sum(b.n_targets for b in batches) == sum(len(m) + 1 for m in tiny_corpus.melodies)
    for b in batches:
        assert b.symbols.shape[1] % 16 == 0
        assert np.isclose(b.weights.mean(), 1.0)  # mean loss = mean NLL per real target
        assert (b.weights[b.symbols == 0][1:] >= 0).all()


def test_training_lowers_the_loss_and_saves_a_loadable_folder(tiny_corpus, tmp_path):
    melodies = tiny_corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), units=16, symbol_dim=8)
    outcome = train(
        melodies[:20],
        melodies[20:],
        vocab,
        TrainConfig(epochs=3, batch_size=4, patience=5),
        tmp_path / "ck",
        config,
        verbose=0,
    )
    history = outcome.state["history"]
    assert len(history) == 3 and history[-1]["loss"] < history[0]["loss"]
    save_model_folder(tmp_path / "model", outcome.keras_model, config, vocab)
    loaded = load_model_folder(tmp_path / "model")
    assert loaded.vocab == vocab and loaded.config == config


def test_resume_carries_on_from_the_last_checkpoint(tiny_corpus, tmp_path):
    melodies = tiny_corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), units=8, symbol_dim=4)
    first = train(
        melodies[:12],
        melodies[20:],
        vocab,
        TrainConfig(epochs=1, batch_size=4, patience=9),
        tmp_path,
        config,
        verbose=0,
    )
    saved = json.loads((tmp_path / "last" / "state.json").read_text())
    assert saved["epoch"] == 1
    resumed = train(
        melodies[:12],
        melodies[20:],
        vocab,
        TrainConfig(epochs=3, batch_size=4, patience=9),
        tmp_path,
        resume=True,
        verbose=0,
    )
    assert [h["epoch"] for h in resumed.state["history"]] == [1, 2, 3]
    assert resumed.state["history"][0] == first.state["history"][0]
