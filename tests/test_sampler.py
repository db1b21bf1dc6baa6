import numpy as np
import pytest

from melody.generate.generator import generate
from melody.generate.sampling import sample_ids, variation_rngs
from melody.net.step import step_model
from melody.net.vocabulary import song_arrays
from melody.songs.typed import parse_seed
from melody.train.keras_model import keras_of

SEED = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"
PROBS = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])


def test_temperature_zero_takes_the_likeliest():
    assert sample_ids(PROBS, 0.0, variation_rngs(1, 2)).tolist() == [1, 0]


def test_low_temperature_sharpens_and_high_flattens():
    draws = lambda t: np.array([sample_ids(PROBS[:1], t, [rng])[0] for rng in variation_rngs(3, 3000)])
    share_of_likeliest = {t: (draws(t) == 1).mean() for t in (0.2, 1.0, 50.0)}
    assert share_of_likeliest[0.2] > 0.95
    assert abs(share_of_likeliest[1.0] - 0.6) < 0.04
    assert abs(share_of_likeliest[50.0] - 1 / 3) < 0.05


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_draws_follow_the_tempered_distribution(temperature):
    from melody.generate.sampling import apply_temperature

    probabilities = np.array([[0.05, 0.15, 0.5, 0.3]])
    [rng] = variation_rngs(11, 1)
    draws = np.array([sample_ids(probabilities, temperature, [rng])[0] for _ in range(20_000)])
    shares = np.bincount(draws, minlength=4) / len(draws)
    assert np.abs(shares - apply_temperature(probabilities, temperature)[0]).max() < 0.015  # ~4 standard errors


@pytest.mark.parametrize("temperature", [1e-300, 1e-9, 0.5, 1.0, 1e6, 1e300])
def test_extreme_temperatures_never_give_nan_or_out_of_range(temperature):
    probs = np.array([[0.0, 1e-30, 1.0 - 1e-30], [0.2, 0.3, 0.5]])
    ids = sample_ids(probs, temperature, variation_rngs(0, 2))
    assert ((ids >= 0) & (ids < 3)).all()


def test_top_k_keeps_only_the_k_likeliest():
    ids = [sample_ids(PROBS[:1], 5.0, [rng], top_k=2)[0] for rng in variation_rngs(9, 300)]
    assert set(ids) == {1, 2}


@pytest.mark.slow
@pytest.mark.parametrize("model", ["tiny_model", "tiny_lookback_model"])
def test_step_model_matches_keras_within_1e_5(model, request):
    from melody.net.folder import input_names

    loaded = request.getfixturevalue(model)
    bar = (
        "60 _ 62 _ 64 _ _ _ 65 _ 67 _ r _ 72 _ "  # sung three times, then another bar: the repeat flag goes on and off
    )
    melody = parse_seed(bar * 3 + "72 _ _ _ 67 _ _ _ 64 _ _ _ 60 _ _ _")
    arrays = song_arrays(melody, loaded.vocab)
    assert arrays.repeated.tolist() == [0] * 32 + [1] * 32 + [0]  # from the end of the second bar
    keras_probs = keras_of(loaded).predict(
        {name: getattr(arrays, name)[None] for name in input_names(loaded.config)}, verbose=0
    )[0]
    net = step_model(loaded)
    assert net.lookback == bool(loaded.config.lookback)
    state = net.initial_state(1)
    for t in range(len(arrays.symbols)):
        inputs = (arrays.symbols, arrays.positions, arrays.meters, arrays.lookback[:, t : t + 1])
        probs, state = net.step(state, *(a[t : t + 1] for a in inputs[:3]), inputs[3])
        assert np.abs(probs[0] - keras_probs[t]).max() < 1e-5


def test_same_random_seed_same_melody_and_different_seeds_differ(tiny_model):
    seed = parse_seed(SEED)
    first = generate(tiny_model, seed, steps=64, temperature=1.0, random_seed=11)
    again = generate(tiny_model, seed, steps=64, temperature=1.0, random_seed=11)
    other = generate(tiny_model, seed, steps=64, temperature=1.0, random_seed=12)
    assert first == again and first != other
    assert first[0].steps[: len(seed)] == seed.steps


def test_temperature_zero_is_deterministic_whatever_the_random_seed(tiny_model):
    seed = parse_seed(SEED)
    assert generate(tiny_model, seed, steps=48, temperature=0, random_seed=1) == generate(
        tiny_model, seed, steps=48, temperature=0, random_seed=2
    )


def test_a_batch_of_variations_equals_single_runs(tiny_model):
    seed = parse_seed(SEED)
    batch = generate(tiny_model, seed, steps=64, temperature=1.2, random_seed=5, variations=4)
    alone = generate(tiny_model, seed, steps=64, temperature=1.2, random_seed=5, variations=1)
    assert batch[0] == alone[0]
    assert len({m.steps for m in batch}) > 1


def test_generation_stops_at_the_step_count_or_the_end_symbol(tiny_model):
    seed = parse_seed(SEED)
    melodies = generate(tiny_model, seed, steps=200, temperature=1.5, random_seed=3, variations=8)
    lengths = [len(m) - len(seed) for m in melodies]
    assert all(0 <= n <= 200 for n in lengths)
    assert all("/" not in m.steps for m in melodies)


def test_window_option_limits_what_the_model_sees(tiny_model):
    seed = parse_seed(SEED)
    windowed = generate(tiny_model, seed, steps=32, temperature=0, max_seq_len=4)
    full = generate(tiny_model, seed, steps=32, temperature=0)
    wide = generate(tiny_model, seed, steps=32, temperature=0, max_seq_len=10_000)
    assert wide == full  # a window longer than the melody is the same as no window
    assert len(windowed[0]) > len(seed)


# bad settings and seeds the model cannot read: see the catalogue in test_bad_inputs.py


def test_full_length_never_stops_early(tiny_model):
    melodies = generate(
        tiny_model, parse_seed(SEED), steps=300, temperature=2.0, random_seed=4, variations=6, full_length=True
    )
    assert all(len(m) == len(parse_seed(SEED)) + 300 for m in melodies)


def test_top_k_larger_than_the_vocabulary_is_no_limit():
    assert sample_ids(PROBS, 1.0, variation_rngs(2, 2), top_k=100).shape == (2,)


def test_blocked_symbols_are_never_drawn_even_when_hot():
    probs = np.array([[0.98, 0.01, 0.01]])
    draws = {int(sample_ids(probs, 1e6, [rng], blocked=[0])[0]) for rng in variation_rngs(5, 500)}
    assert draws == {1, 2}
    assert sample_ids(probs, 0.0, variation_rngs(1, 1), blocked=[0])[0] != 0


def test_apply_temperature_reshapes_the_distribution():
    from melody.generate.sampling import apply_temperature

    p = np.array([0.1, 0.6, 0.3])
    assert np.allclose(apply_temperature(p, 1.0), p)
    assert apply_temperature(p, 0.0).tolist() == [0.0, 1.0, 0.0]
    assert apply_temperature(p, 0.5)[1] > 0.6 and np.allclose(apply_temperature(p, 1e6), 1 / 3, atol=1e-5)
    assert np.isclose(apply_temperature(p, 3.0).sum(), 1.0)


def test_a_rest_drawn_while_a_rest_sounds_is_kept_and_fed_as_a_hold():
    """The model reads on from the melody that is kept (a silence is one rest, then holds)."""
    from melody.generate.sampling import as_written, resting_now

    rest, hold, note = 2, 1, 7
    history = np.array([[note, rest, hold], [note, hold, hold], [rest, note, hold]])
    resting = resting_now(history, rest, hold)
    assert resting.tolist() == [True, False, False]
    written, resting = as_written(np.array([rest, rest, note]), resting, rest, hold)
    assert written.tolist() == [hold, rest, note] and resting.tolist() == [True, True, False]
    assert resting_now(np.zeros((2, 0), dtype=int), rest, hold).tolist() == [False, False]
