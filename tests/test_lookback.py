"""The lookback inputs (issue 21): what sounded one and two bars before the step predicted
and whether the last bar repeated the one before, the same wherever the model is fed.

`melody.net.vocabulary.lookback_ids` computes them for training, scoring and every generation
path; these tests hold them to a hand-made song, hold generation (each path) to what the
model gives the finished song when scored, and old model folders (no ``lookback`` field)
to the network they had.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from melody.core.melody import Melody
from melody.generate.bars import log_softmax
from melody.generate.generator import generate
from melody.net.folder import ModelFolderError, load_model_folder
from melody.net.step import step_model
from melody.net.vocabulary import Vocabulary, lookback_ids, position_ids, song_arrays
from melody.songs.typed import parse_seed
from melody.train.keras_model import keras_of

PICKUP = ("60", "_", "_", "_")  # a pickup of half a bar in 2/4 (bars of 8 steps)
BAR_A = ("62", "_", "_", "_", "64", "_", "_", "_")
BAR_B = ("65", "_", "_", "_", "67", "_", "r", "_")
SONG = Melody(PICKUP + BAR_A + BAR_A + BAR_B, meter="2/4", pickup=4)  # A sung twice, then B
SEED = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _ _"


def test_the_lookback_inputs_of_a_song_with_a_repeated_bar():
    vocab = Vocabulary.from_melodies([SONG])
    arrays = song_arrays(SONG, vocab)
    steps, none = list(SONG.steps), "/"
    symbols = lambda ids: list(vocab.decode(ids))
    # input i predicts step i (step 28: the end symbol); what sounded 8 and 16 steps before it
    assert symbols(arrays.lookback_1) == [none] * 8 + steps[:21]
    assert symbols(arrays.lookback_2) == [none] * 16 + steps[:13]
    # the last whole bar before step i repeats the one before it: only while A's repeat is the last bar
    assert arrays.repeated.tolist() == [0] * 20 + [1] * 8 + [0]
    # the one function, asked for the next step of a history (as generation asks), agrees
    ids = vocab.encode(SONG.steps)[None]
    for index in range(len(SONG) + 1):
        one = lookback_ids(ids[:, :index], index, 8, 4, vocab.id(none))[:, 0]  # generation's one-step path
        assert one.tolist() == arrays.lookback[:, index].tolist()
        assert lookback_ids(ids[:, :index], [index], 8, 4, vocab.id(none))[:, 0, 0].tolist() == one.tolist()


def test_before_two_whole_bars_nothing_repeats_and_a_pickup_is_no_bar():
    ids = np.array([[5, 5, 5, 5, 5, 5, 5]])  # one long note: pickup 1, bars of 2 steps
    flags = lookback_ids(ids, range(8), bar=2, pickup=1, none_id=0)[2, 0]
    assert flags.tolist() == [0, 0, 0, 0, 0, 1, 1, 1]  # bars [1, 3) and [3, 5) are the first pair
    assert [lookback_ids(ids, i, bar=2, pickup=1, none_id=0)[2, 0] for i in range(8)] == flags.tolist()


def _log_p_of_ids(loaded, seed, ids, told):
    """log p of each step of the song ``seed`` + ``ids`` (new ids, (steps,)) under the model,
    scored afresh from its start with the inputs training computes for a song."""
    vocab, config = loaded.vocab, loaded.config
    song = np.concatenate([vocab.encode(seed.steps), ids]).astype(np.int32)
    count = len(song) + 1
    symbols = np.concatenate([[vocab.id("/")], song]).astype(np.int32)
    positions = position_ids(seed, count, len(song) if told else None, config.to_go_bars)
    meters = np.full(count, vocab.meter_id(seed.meter), np.int32)
    back = lookback_ids(song[None], range(count), seed.bar_steps, seed.pickup, vocab.id("/"))  # (3, 1, count)
    logits, net = [], step_model(loaded)
    state = net.initial_state(1)
    for t in range(len(song)):
        row, state = net.step_logits(state, symbols[t : t + 1], positions[t : t + 1], meters[t : t + 1], back[:, :, t])
        logits.append(log_softmax(row)[0, song[t]])
    return np.array(logits)


@pytest.mark.parametrize(
    "options",
    [
        {"bars": 8, "temperature": 1.0},  # the sampling loop and the ending candidates
        {"bars": 8, "temperature": 0.5},  # with the loop guard's redraws
        {"bars": 8, "temperature": 0.0},  # the beam search
        {"steps": 40, "temperature": 1.0, "full_length": True},  # plain sampling, no length told
        {"steps": 40, "temperature": 1.0, "full_length": True, "max_seq_len": 10_000},  # the windowed path
    ],
)
def test_every_generation_path_feeds_the_lookback_inputs_of_the_song_it_makes(
    tiny_lookback_model, options, monkeypatch
):
    """Each step's probability seen while generating equals the one the model gives that
    step when the finished song is scored from its start: so each path fed the lookback
    inputs of the history generated so far, as training and scoring compute them. (The ids
    drawn are caught where they are decoded: a Melody writes a rest after a rest as a hold.)"""
    drawn_ids = []
    decode = Vocabulary.decode
    monkeypatch.setattr(Vocabulary, "decode", lambda self, ids: drawn_ids.append(np.array(ids)) or decode(self, ids))
    seed = parse_seed(SEED, key="C major")
    trace: list = []
    generate(tiny_lookback_model, seed, random_seed=7, variations=3, trace=trace, **options)
    drawn = np.stack(trace, axis=1)  # (variations, new steps)
    assert len(drawn_ids) == 3
    for row, ids in enumerate(drawn_ids):
        scored = _log_p_of_ids(tiny_lookback_model, seed, ids, told="bars" in options)[len(seed) :]
        np.testing.assert_allclose(drawn[row], scored, atol=1e-4)


@pytest.mark.slow
def test_surprise_reads_the_lookback_inputs_as_keras_does(tiny_lookback_model):
    from melody.generate.surprise import step_probabilities
    from melody.net.folder import input_names

    song = SONG.replace(key="C major")
    arrays = song_arrays(song, tiny_lookback_model.vocab)
    inputs = {name: getattr(arrays, name)[None] for name in input_names(tiny_lookback_model.config)}
    expected = keras_of(tiny_lookback_model).predict(inputs, verbose=0)[0]
    assert np.abs(step_probabilities(tiny_lookback_model, song) - expected).max() < 1e-5


def test_a_window_longer_than_the_song_changes_nothing_with_lookback(tiny_lookback_model):
    seed = parse_seed(SEED, key="C major")
    plain = generate(tiny_lookback_model, seed, steps=48, temperature=1.0, random_seed=3, full_length=True)
    wide = generate(tiny_lookback_model, seed, steps=48, temperature=1.0, random_seed=3, full_length=True,
                    max_seq_len=10_000)  # fmt: skip
    assert wide == plain
    narrow = generate(tiny_lookback_model, seed, steps=48, temperature=1.0, random_seed=3, max_seq_len=6)
    assert len(narrow[0]) > len(seed)


def test_the_lookback_model_reads_what_it_sang(tiny_lookback_model):
    """The same step after different bars one bar back: the lookback tables make a difference."""
    net = step_model(tiny_lookback_model)
    state = net.initial_state(2)
    ids = np.array([3, 3], np.int32)
    lookback = np.array([[3, 9], [0, 0], [0, 1]], np.int32)  # one bar back, two bars back, repeated
    logits, _ = net.step_logits(state, ids, np.zeros(2, np.int32), np.ones(2, np.int32), lookback)
    assert np.abs(logits[0] - logits[1]).max() > 1e-4


@pytest.mark.parametrize("name", ["essen-lstm-meter-blind"])  # (the shipped essen-lstm has lookback since issue 21)
def test_old_model_folders_load_without_lookback_and_generate(name):
    folder = ROOT / "models" / name
    assert "lookback" not in json.loads((folder / "config.json").read_text())
    loaded = load_model_folder(folder)
    assert loaded.config.lookback == 0 and "repeat_embedding" not in loaded.weights
    assert not step_model(loaded).lookback
    [song] = generate(loaded, parse_seed(SEED, key="C major"), bars=4, temperature=0.8, random_seed=1)
    assert len(song) == 4 * 16


@pytest.mark.shipped_model
@pytest.mark.parametrize(
    ("lookback", "fragment"),
    [(1, "has no layer 'repeat_embedding'"), (2, "lookback is 2, expected 0 or 1")],
)
def test_a_folder_that_claims_lookback_it_lacks_is_refused(tmp_path, lookback, fragment):
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("model.keras", "config.json", "mapping.json", "meters.json"):
        (folder / name).write_bytes((ROOT / "models" / "essen-lstm-meter-blind" / name).read_bytes())
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "lookback": lookback}))
    with pytest.raises(ModelFolderError, match=fragment):
        load_model_folder(folder)
