import json

import numpy as np
import pytest

from melody.net.folder import ModelConfig, load_model_folder
from melody.net.vocabulary import Vocabulary
from melody.train.batching import make_batches, make_streams
from melody.train.keras_model import save_model_folder
from melody.train.training import TrainConfig, train

pytestmark = pytest.mark.slow


def tiny_setup(corpus, **model_options):
    """Songs, vocabulary and a small ModelConfig for a quick training run."""
    melodies = corpus.melodies
    vocab = Vocabulary.from_melodies(melodies)
    options = {"units": 8, "symbol_dim": 4, **model_options}
    return melodies, vocab, ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), **options)


def test_batches_pad_and_weigh_only_real_targets(tiny_corpus):
    melodies, vocab, _ = tiny_setup(tiny_corpus)
    batches = make_batches(melodies, vocab, batch_size=8)
    assert sum(b.n_targets for b in batches) == sum(len(m) + 1 for m in melodies)
    for b in batches:
        assert b.symbols.shape[1] % 16 == 0
        assert np.isclose(b.weights.mean(), 1.0)  # mean loss = mean NLL per real target


def test_streams_pack_songs_back_to_back_with_a_reset_where_each_starts(tiny_corpus):
    melodies, vocab, _ = tiny_setup(tiny_corpus)
    streams = make_streams(melodies, vocab, streams=4, chunk=16, seed=3)
    assert streams.n_targets == sum(len(m) + 1 for m in melodies)
    # rows as one long series each: (streams, steps)
    row = {name: np.concatenate(list(getattr(streams, name)), axis=1) for name in ("symbols", "resets", "weights")}
    real = row["weights"] > 0
    starts = real & (row["symbols"] == vocab.id("/"))  # every song input begins with '/'
    assert starts.sum() == len(melodies) and (row["resets"][starts] == 1.0).all()
    assert (row["resets"][real & ~starts] == 0.0).all()  # the state carries on inside a song
    assert (row["resets"][~real] == 1.0).all()  # padding never leaks state
    # no gaps: each row's music is one run from step 0, padding only after it
    for mask in real:
        assert mask[: mask.sum()].all()
    assert len(streams) == -(-real.sum(axis=1).max() // 16)
    per_row = real.sum(axis=1)
    assert per_row.max() - per_row.min() < 300  # songs spread evenly over the rows


def test_training_lowers_the_loss_and_saves_a_loadable_folder(tiny_corpus, tmp_path):
    melodies, vocab, config = tiny_setup(tiny_corpus, units=16, symbol_dim=8)
    settings = TrainConfig(epochs=3, batch_size=4, patience=5)
    outcome = train(melodies[:20], melodies[20:], vocab, settings, tmp_path / "ck", config, verbose=0)
    history = outcome.state["history"]
    assert len(history) == 3 and history[-1]["loss"] < history[0]["loss"]
    save_model_folder(tmp_path / "model", outcome.keras_model, config, vocab)
    loaded = load_model_folder(tmp_path / "model")
    assert loaded.vocab == vocab and loaded.config == config


def test_resume_carries_on_from_the_last_checkpoint(tiny_corpus, tmp_path):
    melodies, vocab, config = tiny_setup(tiny_corpus)
    one_epoch, three_epochs = (
        TrainConfig(epochs=1, batch_size=4, patience=9),
        TrainConfig(epochs=3, batch_size=4, patience=9),
    )
    first = train(melodies[:12], melodies[20:], vocab, one_epoch, tmp_path, config, verbose=0)
    assert json.loads((tmp_path / "last" / "state.json").read_text())["epoch"] == 1
    resumed = train(melodies[:12], melodies[20:], vocab, three_epochs, tmp_path, resume=True, verbose=0)
    assert [h["epoch"] for h in resumed.state["history"]] == [1, 2, 3]
    assert resumed.state["history"][0] == first.state["history"][0]
    import keras

    checkpoint = keras.saving.load_model(tmp_path / "last" / "model.keras")
    chunks = sum(len(make_streams(melodies[:12], vocab, streams=4, chunk=64, seed=1000 + e)) for e in range(3))
    assert int(checkpoint.optimizer.iterations) == chunks  # Adam's state went on, not restarted


def test_finished_model_folder_has_the_card_and_figures(tiny_corpus, tmp_path):
    from melody.train.card import finish_model_folder, read_ngram_songs

    melodies, vocab, config = tiny_setup(tiny_corpus, symbol_dim=0)  # one-hot input
    outcome = train(
        melodies[:16], melodies[16:20], vocab, TrainConfig(epochs=1, batch_size=8), tmp_path / "ck", config, verbose=0
    )
    splits = {"train": melodies[:16], "validation": melodies[16:20], "test": melodies[20:]}
    card = finish_model_folder(tmp_path / "model", outcome, vocab, splits, tmp_path / "no-data", {"batch_size": 8})
    for name in ("model.keras", "config.json", "mapping.json", "card.json", "card.md", "loss.png"):
        assert (tmp_path / "model" / name).is_file()
    assert card["test"]["songs"] == len(melodies) - 20
    assert set(card["test"]["model"]) == set(card["test"]["kn5"])
    assert len(read_ngram_songs(tmp_path / "model")) == 16
    assert "Kneser-Ney 5-gram" in (tmp_path / "model" / "card.md").read_text()
    assert not list(tmp_path.glob(".model*"))  # no staging folder left behind


def test_settings_that_cannot_work_are_refused_before_any_work(tiny_corpus, tmp_path):
    import pytest

    from melody.train.training import TrainingError

    melodies, vocab, config = tiny_setup(tiny_corpus)
    for bad in (
        {"lr_patience": 0},
        {"patience": 0},
        {"chunk": 0},
        {"max_minutes": -1},
        {"lanes": 0},
        {"precision": "fp8"},
    ):
        with pytest.raises(TrainingError):
            train(melodies[:4], melodies[4:6], vocab, TrainConfig(**bad), tmp_path, config, verbose=0)
    assert not (tmp_path / "last").exists()
