"""The training network (`melody.train.recurrence`) against Keras: same probabilities, same gradients.

Training runs the model's own variables through a hand-written recurrence (hoisted input
projection, written-out backpropagation through time, lanes, optional bfloat16 products,
state resets inside a chunk). These tests hold it to the Keras layers it replaces.
"""

import numpy as np
import pytest
from conftest import Lazy

from melody.net.folder import ModelConfig, input_names
from melody.net.vocabulary import Vocabulary, song_arrays
from melody.train.batching import make_streams
from melody.train.keras_model import build_model, build_training_model, copy_weights
from melody.train.recurrence import TrainingNetwork

pytestmark = pytest.mark.slow

keras, tf = Lazy("keras"), Lazy("tensorflow")  # imported when a test runs, not when collected


def small_model(corpus, **options):
    vocab = Vocabulary.from_melodies(corpus.melodies)
    options = {"units": 32, "symbol_dim": 8, **options}
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), **options)
    keras.utils.set_random_seed(3)
    model = build_training_model(config)
    inference = build_model(config)
    copy_weights(model, inference)
    return vocab, config, model, inference


def network_probabilities(network, config, fields, keep):
    """Softmax of the training network's logits, batch-major (rows, steps, vocab); ``fields``:
    input name -> ids (rows, steps)."""
    rows = keep.shape[0]
    states = [tf.zeros((rows, config.units))] * (2 * config.layers)
    ids = [tf.constant(fields[name].T) for name in input_names(config)]
    logits, _ = network(ids, tf.constant(keep.T, tf.float32), states, training=False)
    return tf.nn.softmax(tf.transpose(logits, [1, 0, 2])).numpy()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"layers": 2},
        {"position_dim": 0, "meter_dim": 0},
        {"symbol_dim": 0},  # 0: one-hot input
        {"lookback": 1},  # the symbols one and two bars back and the repeat flag
        {"lookback": 1, "layers": 2, "to_go_bars": 4},
    ],
)
@pytest.mark.parametrize("lanes", [1, 2])
def test_float32_network_gives_the_keras_probabilities_within_1e_5(tiny_corpus, options, lanes):
    vocab, config, model, inference = small_model(tiny_corpus, **options)
    melodies = tiny_corpus.melodies[:5]  # 5 rows: lanes of 3 + 2; the last sings its first bar three times
    first_bar = melodies[4].steps[melodies[4].pickup : melodies[4].pickup + melodies[4].bar_steps]
    melodies[4] = melodies[4].with_steps(melodies[4].steps[: melodies[4].pickup] + first_bar * 3)
    songs = [song_arrays(m.with_steps(m.steps[:48]), vocab) for m in melodies]
    steps = min(len(s.targets) for s in songs)
    fields = {name: np.stack([getattr(s, name)[:steps] for s in songs]) for name in input_names(config)}
    if config.lookback:  # the songs' own lookback inputs, a bar repeat among them
        assert fields["repeated"].any() and (fields["lookback_2"] != vocab.id("/")).any()
    expected = inference.predict(fields, verbose=0)
    got = network_probabilities(TrainingNetwork(model, config, "float32", lanes), config, fields, np.ones((5, steps)))
    assert np.abs(got - expected).max() < 1e-5


@pytest.mark.parametrize("lookback", [0, 1])
def test_a_reset_inside_a_chunk_starts_the_next_song_from_a_fresh_state(tiny_corpus, lookback):
    """Two songs back to back in one row, reset where the second starts: each song's
    probabilities are those of the song alone, from a zero state."""
    vocab, config, model, inference = small_model(tiny_corpus, lookback=lookback)
    streams = make_streams(tiny_corpus.melodies[:2], vocab, streams=1, chunk=2048)
    row = {name: getattr(streams, name)[0, 0] for name in (*input_names(config), "resets", "weights")}
    network = TrainingNetwork(model, config, "float32")
    fields = {name: row[name][None] for name in input_names(config)}
    got = network_probabilities(network, config, fields, 1.0 - row["resets"][None])[0]
    starts = [int(t) for t in np.flatnonzero((row["resets"] == 1.0) & (row["weights"] > 0))] + [streams.n_targets]
    assert len(starts) == 3 and starts[1] > 0  # two songs, the second starting inside the chunk
    for begin, end in zip(starts, starts[1:]):
        [song] = [
            a
            for a in map(lambda m: song_arrays(m, vocab), tiny_corpus.melodies[:2])
            if np.array_equal(a.symbols, row["symbols"][begin:end])
        ]
        alone = inference.predict({k: getattr(song, k)[None] for k in input_names(config)}, verbose=0)
        assert np.abs(got[begin:end] - alone[0]).max() < 1e-5


def loss_and_gradients(model, config, batch, use_network, matmul_dtype="float32"):
    """Mean NLL of the batch and its gradients, through the Keras training model (automatic
    differentiation) or through the training network."""
    inputs, targets, keep = batch  # inputs: (rows, steps) per `input_names`
    rows = keep.shape[0]
    states = [tf.random.stateless_normal((rows, config.units), (i, 1)) * 0.3 for i in range(2 * config.layers)]
    with tf.GradientTape() as tape:
        if use_network:
            network = TrainingNetwork(model, config, matmul_dtype)
            ids = [tf.constant(a.T) for a in inputs]
            logits, _ = network(ids, tf.constant(keep.T, tf.float32), states, training=False)
            nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets.T, logits=logits)
        else:
            ids = [tf.constant(a) for a in inputs]
            probabilities, *_ = model([*ids, *states], training=False)
            nll = -tf.math.log(tf.gather(probabilities, targets, batch_dims=2))
        loss = tf.reduce_mean(nll)
    gradients = tape.gradient(loss, model.trainable_variables)
    return float(loss), [tf.convert_to_tensor(g).numpy() for g in gradients]


@pytest.mark.parametrize("lookback", [0, 1])  # with lookback the symbol embedding is read three times
def test_hand_written_gradient_equals_automatic_differentiation(tiny_corpus, lookback):
    vocab, config, model, _ = small_model(tiny_corpus, layers=2, lookback=lookback)
    streams = make_streams(tiny_corpus.melodies[:8], vocab, streams=4, chunk=32)
    k = 1
    inputs = [getattr(streams, name)[k] for name in input_names(config)]
    batch = (inputs, streams.targets[k], np.ones((4, 32)))
    expected_loss, expected = loss_and_gradients(model, config, batch, use_network=False)
    loss, got = loss_and_gradients(model, config, batch, use_network=True)
    assert abs(loss - expected_loss) < 1e-5
    for variable, g, e in zip(model.trainable_variables, got, expected):
        assert np.abs(g - e).max() <= 1e-5 + 1e-4 * np.abs(e).max(), variable.path
    # bfloat16 products: the same gradient to about 2-3 significant digits
    _, rough = loss_and_gradients(model, config, batch, use_network=True, matmul_dtype="bfloat16")
    for g, e in zip(rough, expected):
        assert np.abs(g - e).max() <= 0.05 * np.abs(e).max() + 1e-6


def test_gradient_through_resets_is_the_sum_of_the_songs_gradients(tiny_corpus):
    """Four songs packed two by two into two rows (two lanes, two layers; the state zeroed
    where each song starts): the summed NLL and its gradients equal those of the four songs
    run through Keras alone, each from a zero state."""
    vocab, config, model, _ = small_model(tiny_corpus, layers=2)
    songs = [m.with_steps(m.steps[:40]) for m in tiny_corpus.melodies[:4]]  # short: a small unrolled graph
    streams = make_streams(songs, vocab, streams=2, chunk=96)
    starts = (streams.resets[0] == 1.0) & (streams.weights[0] > 0)
    assert len(streams) == 1 and starts[:, 1:].sum(axis=1).min() >= 1  # a song starts inside each row
    rows = [getattr(streams, name)[0] for name in ("symbols", "positions", "meters", "targets")]
    with tf.GradientTape(persistent=True) as tape:
        network = TrainingNetwork(model, config, "float32", lanes=2)
        ids = [tf.constant(a.T) for a in rows[:3]]
        zeros = [tf.zeros((2, config.units))] * 4
        logits, _ = network(ids, tf.constant(1.0 - streams.resets[0].T), zeros, training=False)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=rows[3].T, logits=logits)
        loss = tf.reduce_sum(nll * streams.weights[0].T)
        alone = 0.0
        for song in map(lambda m: song_arrays(m, vocab), songs):
            ids = [tf.constant(getattr(song, k)[None]) for k in ("symbols", "positions", "meters")]
            probabilities, *_ = model([*ids, *[tf.zeros((1, config.units))] * 4], training=False)
            alone += tf.reduce_sum(-tf.math.log(tf.gather(probabilities, song.targets[None], batch_dims=2)))
    assert abs(float(loss) - float(alone)) < 1e-3
    for variable in model.trainable_variables:
        got, expected = (tf.convert_to_tensor(tape.gradient(x, variable)).numpy() for x in (loss, alone))
        assert np.abs(got - expected).max() <= 1e-4 * max(1.0, np.abs(expected).max()), variable.path


def test_lanes_share_the_rows_as_evenly_as_can_be():
    from melody.train.recurrence import lane_sizes

    assert lane_sizes(64, 2) == [32, 32] and lane_sizes(5, 2) == [3, 2] and lane_sizes(1, 2) == [1]
