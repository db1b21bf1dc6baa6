"""Generation: the LSTM run one step at a time with its state carried, and sampling.

The step runs in NumPy from the trained weights (`StepModel`, built once per loaded model,
read-only afterwards, so threads can share it; the weights come from the model file
without Keras, see `melody.weights`). A whole melody costs about
one Keras ``predict`` call of the seed's way; variations are rows of one batch.

    >>> loaded = load_model_folder("models/essen-lstm")          # doctest: +SKIP
    >>> seed = parse_seed("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _")  # doctest: +SKIP
    >>> [m] = generate(loaded, seed, steps=64, temperature=0.8, random_seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import threading
import weakref

import numpy as np

from .decoding import log_softmax, song_length, song_of_bars
from .encoding import UnknownSymbolError, Vocabulary, lookback_ids, position_ids
from .forms import FormError, check_form, phrase_starts, song_in_form
from .keys import canonical_key, change_mode, from_model_key, to_model_key
from .melody import END, HOLD, Melody, MelodyError, midi_name, parse_key

MAX_STEPS = 4096  # longest generation asked for at once (about 64 bars of 4/4 x 4)
BARS_RANGE = (4, 64)  # songs of this many bars (`GenerationSettings.bars`)
NOISE_STRETCH = 64  # steps of Gumbel noise drawn at once (`gumbel_rows`), at most 64 x 64 x vocab floats


class GenerationError(ValueError):
    """Generation settings that cannot work (steps, temperature, top-k, window)."""


def sample_ids(
    probabilities: np.ndarray,
    temperature: float,
    rngs: list[np.random.Generator],
    top_k: int | None = None,
    blocked: list[int] | None = None,
) -> np.ndarray:
    """Draw one id per row of ``probabilities`` (batch, vocab) with a temperature.

    Temperature 0 takes the likeliest id; 1 samples the model's distribution; large
    values approach uniform. ``blocked`` ids are never drawn, at any temperature. Row
    ``i`` draws from ``rngs[i]``. See `sample_logits`, which does the work.
    """
    return sample_logits(
        np.log(np.maximum(np.asarray(probabilities, np.float64), 1e-300)), temperature, rngs, top_k, blocked
    )


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """The distribution that sampling at ``temperature`` draws from: p^(1/T), renormalised
    (T = 0: all mass on the likeliest symbol). Shape as given, float64."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if temperature == 0:
        return (np.arange(probabilities.shape[-1]) == probabilities.argmax(axis=-1)[..., None]).astype(np.float64)
    logits = np.log(np.maximum(probabilities, 1e-300))
    weights = np.exp((logits - logits.max(axis=-1, keepdims=True)) / temperature)
    return weights / weights.sum(axis=-1, keepdims=True)


def sample_logits(
    logits: np.ndarray,
    temperature: float,
    rngs: list[np.random.Generator],
    top_k: int | None = None,
    blocked: list[int] | None = None,
) -> np.ndarray:
    """`sample_ids` on log-probabilities (batch, vocab), up to a constant per row.

    The Gumbel-max trick: the likeliest of logits / temperature plus Gumbel noise is a
    draw from softmax(logits / temperature), in a few vector operations per step (the
    generation hot path). Computed in float64 and shifted to a maximum of 0 before dividing
    by the temperature, so it never produces NaN; blocked symbols stay at -inf.
    """
    noise = None
    if temperature != 0:
        shape = np.shape(logits)
        if len(rngs) == 1:  # the common case, without stacking
            noise = rngs[0].gumbel(size=shape)
        else:  # row i from its own generator
            noise = gumbel_rows(rngs, 1, shape[1])[0]
    return sample_noisy(logits, temperature, noise, top_k, blocked)


def gumbel_rows(rngs: list[np.random.Generator], steps: int, vocab: int) -> np.ndarray:
    """The Gumbel noise (steps, rows, vocab) that ``steps`` calls of `sample_logits` with
    ``rngs`` would draw, in few calls: row i from ``rngs[i]``. The same numbers, because a
    generator's draws are one stream, however they are cut: per step, the rows that share
    a generator (the ending's candidates of one variation) take theirs in row order. So
    drawing them ahead is exact as long as nothing else draws from those generators in
    between (the generation loops draw nothing else while they sample a stretch)."""
    noise = np.empty((steps, len(rngs), vocab))
    groups: dict[int, tuple[np.random.Generator, list[int]]] = {}
    for row, rng in enumerate(rngs):
        groups.setdefault(id(rng), (rng, []))[1].append(row)
    for rng, rows in groups.values():
        if len(rows) == len(rngs):
            noise[:] = rng.gumbel(size=noise.shape)
        elif len(rows) == rows[-1] - rows[0] + 1:  # consecutive rows: a slice, no copy through fancy indexing
            noise[:, rows[0] : rows[-1] + 1] = rng.gumbel(size=(steps, len(rows), vocab))
        else:
            noise[:, rows] = rng.gumbel(size=(steps, len(rows), vocab))
    return noise


def sample_noisy(
    logits: np.ndarray,
    temperature: float,
    noise: np.ndarray | None,
    top_k: int | None = None,
    blocked: list[int] | None = None,
) -> np.ndarray:
    """`sample_logits` with its Gumbel noise (rows, vocab) given (from `gumbel_rows`; None
    at temperature 0, which draws none)."""
    logits = np.array(logits, dtype=np.float64)  # a copy: the caller's array is left alone
    if blocked:
        logits[:, blocked[0] if len(blocked) == 1 else blocked] = -np.inf
    if temperature == 0:
        return logits.argmax(axis=1)
    if top_k and top_k < logits.shape[1]:
        cutoff = np.sort(logits, axis=1)[:, -top_k][:, None]
        logits[logits < cutoff] = -np.inf
    logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
    if temperature >= 1:  # nothing can overflow (the logits are <= 0 here)
        logits /= temperature
        logits += noise
        return logits.argmax(axis=1)
    with np.errstate(over="ignore"):  # a tiny temperature sends the unlikely ones to -inf: never drawn
        logits /= temperature
        logits += noise
        return logits.argmax(axis=1)


class StepModel:
    """The trained network as NumPy arrays, advanced one 16th-note step at a time.

    Embeddings are folded into the first LSTM kernel: each input contributes one row of
    a (rows, 4 * units) table, so the first layer is three lookups and one matmul. A lookback
    model (``lookback``) adds two tables for the symbols one and two bars back (the symbol
    embedding times their kernel rows) and folds its repeat flag into the meter table
    (rows ``meter * 2 + flag``): five lookups and one matmul. A higher
    layer's input and recurrent kernels are stacked, ``[h below, h] @ [[W], [U]]``: one
    matmul per layer. Activations follow Keras' LSTM (sigmoid gates, tanh); the gate
    columns are reordered from Keras' (i, f, c, o) to (i, f, o, c), and the gate columns
    of every kernel and bias are halved once here, so that one ``tanh`` gives the three
    gates (sigmoid(x) = (1 + tanh(x / 2)) / 2) and another the candidate.

    At batch 1 a step is bound by reading the weights (2 x LSTM(256): 3 MB of float32
    per step), not by arithmetic; see the README's Performance section. At batch 16 (2-core
    AMD EPYC, one BLAS thread) a step of the shipped model is ~0.65 ms: the two products
    ~0.5 ms (25 MFLOP, OpenBLAS at ~50 GFLOP/s), the four ``tanh`` ~0.12 ms (NumPy's float32
    tanh, ~3 ns an element), the rest ~0.05 ms; the sums are done in place, in the order
    written out, so the results are the same to the bit.
    """

    def __init__(self, weights: dict, n_layers: int, lookback: bool = False):
        get = lambda name: [np.asarray(w, dtype=np.float32) for w in weights[name]]
        (symbol_table,) = get("symbol_embedding")
        (position_table,) = get("position_embedding")
        (meter_table,) = get("meter_embedding")
        units = get("lstm_0")[1].shape[0]
        order = np.r_[0 : 2 * units, 3 * units : 4 * units, 2 * units : 3 * units]  # i f c o -> i f o c
        scale = np.r_[np.full(3 * units, 0.5), np.ones(units)].astype(np.float32)  # gates halved (see above)
        layers = []
        for index in range(n_layers):
            w, u, b = get(f"lstm_{index}")
            layers.append((w[:, order] * scale, u[:, order] * scale, b[order] * scale))
        w0, u0, b0 = layers[0]
        a, b = symbol_table.shape[1], position_table.shape[1]
        self.symbol_rows = symbol_table @ w0[:a]  # (vocab, 4 units)
        self.position_rows = position_table @ w0[a : a + b]  # (positions, 4 units)
        self.lookback = bool(lookback)
        if not self.lookback:
            self.meter_rows = meter_table @ w0[a + b :] + b0  # (meters, 4 units), bias folded in
        else:  # kernel rows: symbol, position, meter, symbol 1 bar back, 2 bars back, repeat flag
            (repeat_table,) = get("repeat_embedding")
            m = a + b + meter_table.shape[1]
            meters = meter_table @ w0[a + b : m] + b0
            flags = repeat_table @ w0[m + 2 * a :]  # (2, 4 units)
            self.meter_rows = (meters[:, None] + flags[None]).reshape(-1, meters.shape[1])  # (meters * 2, 4 units)
            self.back_rows = (symbol_table @ w0[m : m + a], symbol_table @ w0[m + a : m + 2 * a])  # (vocab, 4 units)
        self.recurrent = np.ascontiguousarray(u0)  # (units, 4 units) of the first layer
        self.upper = [(np.ascontiguousarray(np.vstack([w, u])), b) for w, u, b in layers[1:]]  # (2 units, 4 units)
        self.dense_w, self.dense_b = get("next_symbol")
        self.units = units
        self.layers = n_layers
        for table in (self.symbol_rows, self.position_rows, self.meter_rows, *getattr(self, "back_rows", ())):
            table.flags.writeable = False  # shared by every generation (and thread): never written

    def initial_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Zero (h, c) per layer, each (batch, units)."""
        zeros = lambda: np.zeros((batch, self.units), dtype=np.float32)
        return [(zeros(), zeros()) for _ in range(self.layers)]

    def step_logits(self, state, symbols: np.ndarray, positions: np.ndarray, meters: np.ndarray, lookback=None):
        """Advance one step: ids (batch,) -> (log-probabilities up to a constant, (batch, vocab); state).
        ``lookback`` (3, batch): `encoding.lookback_ids` of the step predicted (read by a
        lookback model only)."""
        units, gates = self.units, 3 * self.units
        h, c = state[0]
        # The same sums in the same order as (lookups...) + h @ recurrent, done in place in a
        # copy (`np.take` copies even for a scalar id): bit for bit the results of the sums
        # written out, with fewer temporary (batch, 4 units) arrays.
        z = np.take(self.symbol_rows, symbols, axis=0)
        z += self.position_rows[positions]
        if self.lookback:
            back_1, back_2 = self.back_rows
            z += self.meter_rows[2 * meters + lookback[2]]
            z += back_1[lookback[0]]
            z += back_2[lookback[1]]
        else:
            z += self.meter_rows[meters]
        z += h @ self.recurrent
        new_state = []
        for index in range(self.layers):
            if index:  # a higher layer reads the new h of the layer below and its own last h
                w, b = self.upper[index - 1]
                h, c = state[index]
                z = np.concatenate([new_state[-1][0], h], axis=1) @ w  # (batch, 4 units): i, f, o, candidate
                z += b
            np.tanh(z, out=z)
            sig = z[:, :gates]  # the three gates (their columns were halved): 0.5 tanh + 0.5
            sig *= 0.5
            sig += 0.5
            c = z[:, units : 2 * units] * c
            c += z[:, :units] * z[:, gates:]
            h = np.tanh(c)
            h *= z[:, 2 * units : gates]
            new_state.append((h, c))
        logits = h @ self.dense_w
        logits += self.dense_b
        return logits, new_state  # softmax logits (batch, vocab)

    def step(self, state, symbols: np.ndarray, positions: np.ndarray, meters: np.ndarray, lookback=None):
        """Advance one step: ids (batch,) -> (probabilities (batch, vocab) float64, state)."""
        logits, new_state = self.step_logits(state, symbols, positions, meters, lookback)
        weights = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
        return weights / weights.sum(axis=1, keepdims=True), new_state

    def run(self, symbols: np.ndarray, positions: np.ndarray, meters: np.ndarray, state=None, lookback=None):
        """Feed sequences (batch, steps) (``lookback``: (3, batch, steps)); returns the last
        step's logits and the state."""
        state = state or self.initial_state(symbols.shape[0])
        logits = None
        for t in range(symbols.shape[1]):
            back = None if lookback is None else lookback[:, :, t]
            logits, state = self.step_logits(state, symbols[:, t], positions[:, t], meters[:, t], back)
        return logits, state


@dataclasses.dataclass(frozen=True)
class GenerationSettings:
    """What to generate. ``steps`` are 16th notes after the seed."""

    steps: int = 128
    bars: int | None = None  # a song of exactly this many bars, ending on its final barline (steps follow)
    temperature: float = 1.0  # 0: always the likeliest symbol
    top_k: int | None = None  # sample among the k likeliest only
    random_seed: int | None = None  # same seed, same melodies
    variations: int = 1  # melodies generated together, one batch
    max_seq_len: int | None = None  # seed-style window: the model sees only this many past steps
    full_length: bool = False  # never end early: the end-of-song symbol is not drawn
    key: str | None = None  # key of the result, any of the 24 (None: the seed's key)
    form: str | None = None  # phrases by letter, e.g. "AABA" (with bars; None or "free": the model's own)

    def check(self) -> None:
        low, high = BARS_RANGE
        if self.bars is not None and (
            isinstance(self.bars, bool) or not isinstance(self.bars, int) or not low <= self.bars <= high
        ):
            raise GenerationError(f"bars must be a whole number from {low} to {high}, not {self.bars}")
        if not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_STEPS:
            raise GenerationError(f"steps must be a whole number from 1 to {MAX_STEPS} (16th notes), not {self.steps}")
        if not (
            isinstance(self.temperature, (int, float)) and math.isfinite(self.temperature) and self.temperature >= 0
        ):
            raise GenerationError(
                f"temperature must be a number >= 0 (0: likeliest, 1: the model's own), not {self.temperature}"
            )
        if self.top_k is not None and (not isinstance(self.top_k, int) or self.top_k < 1):
            raise GenerationError(f"top-k must be a whole number >= 1 (or left out for no limit), not {self.top_k}")
        if self.random_seed is not None and (
            isinstance(self.random_seed, bool)
            or not isinstance(self.random_seed, numbers.Integral)
            or self.random_seed < 0
        ):  # numpy's SeedSequence takes whole numbers >= 0
            raise GenerationError(
                f"random seed must be a whole number >= 0 (or left out for a fresh draw), not {self.random_seed}"
            )
        if not isinstance(self.variations, int) or not 1 <= self.variations <= 64:
            raise GenerationError(f"variations must be 1 to 64, not {self.variations}")
        if self.max_seq_len is not None and (not isinstance(self.max_seq_len, int) or self.max_seq_len < 1):
            raise GenerationError(f"max sequence length must be a whole number >= 1, not {self.max_seq_len}")
        try:
            form = check_form(self.form, self.bars)
        except FormError as error:
            raise GenerationError(str(error)) from None
        if form and self.max_seq_len:
            raise GenerationError(f"a form ({form}) is sung with the whole song in memory; leave out the window")
        if self.key is not None:
            try:
                canonical_key(self.key)
            except MelodyError as error:
                raise GenerationError(f"output {error}; use one of the 24, e.g. 'D major' or 'F# minor'") from None


def variation_rngs(random_seed: int | None, count: int) -> list[np.random.Generator]:
    """One independent Generator per variation, the same whatever ``count``: so variation
    i of a batch equals a single run with the same random seed, up to float rounding (a
    batched matrix product may differ in the last bits, which flips a draw only if two
    symbols' noisy scores lie within ~1e-6 of each other)."""
    children = np.random.SeedSequence(random_seed).spawn(count)
    return [np.random.default_rng(child) for child in children]


def generate(
    loaded, seed: Melody, settings: GenerationSettings | None = None, trace: list | None = None, **options
) -> list[Melody]:
    """Continue ``seed`` with the model; returns one Melody (seed + new steps) per variation.

    ``loaded`` is a `melody.model.LoadedModel`; options are `GenerationSettings` fields.
    Each variation stops at the end-of-song symbol or after ``settings.steps`` steps.
    The seed may be in any key (``seed.key``); it is moved to the model's C major / A
    minor for generation and the results come back in ``settings.key`` or the seed's key
    (a key of the other mode changes the seed's mode first), both by `melody.keys`' one
    pair of moves, so ``to_model_key(result)`` is exactly what the model generated.
    ``trace``, if a list, receives one (variations,) array per new step: the natural log
    of the model's own probability (temperature 1) of the symbol drawn there.
    """
    settings = dataclasses.replace(settings or GenerationSettings(), **options)
    settings.check()
    if settings.bars:
        steps = song_length(seed, settings.bars) - len(seed)
        if steps < 1:
            raise GenerationError(
                f"the seed already lasts {len(seed) / seed.bar_steps:.3g} bars of {seed.meter}; ask for more than "
                f"{len(seed) // seed.bar_steps} bars, or shorten the seed"
            )
        settings = dataclasses.replace(settings, steps=steps, full_length=True)
    key = canonical_key(settings.key or seed.key)
    start = change_mode(seed, parse_key(key)[1])  # the seed's tonic, in the result's mode
    model_seed = to_model_key(start)  # the smaller move to C major / A minor
    low, high = loaded.vocab.pitch_range
    for typed, moved in zip(seed.pitches(), model_seed.pitches(), strict=True):
        if not low <= moved <= high:
            lowest, highest = low + typed - moved, high + typed - moved  # the model's range, where the seed is
            raise UnknownSymbolError(
                f"the seed's note {typed} ({midi_name(typed)}) is outside what the model knows here: "
                f"{lowest} ({midi_name(lowest)}) to {highest} ({midi_name(highest)}); move the seed by an "
                "octave or pick notes in that range"
            )
    generator = Generator(step_model(loaded), loaded.vocab, loaded.config.to_go_bars)
    melodies = generator.generate(model_seed, settings, trace)
    return [from_model_key(melody, key) for melody in melodies]


_STEP_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # LoadedModel -> StepModel
_STEP_MODELS_LOCK = threading.Lock()


def step_model(loaded) -> StepModel:
    """The NumPy step model of a loaded model, built once (thread-safe) and cached."""
    with _STEP_MODELS_LOCK:
        net = _STEP_MODELS.get(loaded)
        if net is None:
            net = _STEP_MODELS[loaded] = StepModel(loaded.weights, loaded.config.layers, loaded.config.lookback)
        return net


@dataclasses.dataclass
class Generator:
    """Generation over one StepModel and vocabulary; holds no per-request state."""

    net: StepModel
    vocab: Vocabulary
    to_go_bars: int = 0  # the model can be told how many bars are left (0: it cannot)

    def generate(self, seed: Melody, settings: GenerationSettings, trace: list | None = None) -> list[Melody]:
        """Continue ``seed`` (in the model's key); ``trace`` as in `generate`."""
        batch, vocab = settings.variations, self.vocab
        rngs = variation_rngs(settings.random_seed, batch)
        if settings.bars and not settings.max_seq_len:  # a song of N bars: see melody.decoding
            form = check_form(settings.form, settings.bars)
            if form is None:
                generated = song_of_bars(self, seed, settings, rngs, trace)
                return [seed.with_steps(seed.steps + vocab.decode(row)) for row in generated]
            generated = song_in_form(self, seed, dataclasses.replace(settings, form=form), rngs, trace)
            total = len(seed) + settings.steps
            phrases = tuple(zip(phrase_starts(seed.pickup, seed.bar_steps, total, len(form)), form, strict=True))
            return [seed.with_steps(seed.steps + vocab.decode(row)).replace(phrases=phrases) for row in generated]
        end_id, hold_id = vocab.id(END), vocab.id(HOLD)
        history = np.tile(np.concatenate([[end_id], vocab.encode(seed.steps)]).astype(np.int32), (batch, 1))
        total = len(seed) + settings.steps
        positions = self.positions(seed, total, told=bool(settings.bars))  # of the step each input predicts
        reader = WindowedReader(self.net, settings.max_seq_len, batch, total, vocab.meter_id(seed.meter), positions)
        song = np.zeros((batch, total), dtype=np.int32)  # the melody's ids: the seed, then what is generated
        song[:, : len(seed)] = history[:, 1:]
        generated = song[:, len(seed) :]  # a view: each step generated is in the song too
        lookback = self.lookback_of(seed)
        for j in range(history.shape[1]):
            logits = reader.feed(j, history[:, j], lookback(song, j))
        finished = np.zeros(batch, dtype=bool)
        any_finished = False
        lengths = np.full(batch, settings.steps)
        noise = None  # drawn ahead, a stretch of steps at a time (`gumbel_rows`: the same draws)
        for t in range(settings.steps):
            index = len(seed) + t  # melody step being chosen
            # a melody cannot start by holding, nor end before it begins
            blocked = [hold_id, end_id] if index == 0 else [end_id] if settings.full_length else None
            if settings.temperature != 0 and t % NOISE_STRETCH == 0:
                noise = gumbel_rows(rngs, min(NOISE_STRETCH, settings.steps - t), logits.shape[1])
            row_noise = None if noise is None else noise[t % NOISE_STRETCH]
            ids = sample_noisy(logits, settings.temperature, row_noise, settings.top_k, blocked)
            if trace is not None:
                trace.append(log_softmax(logits)[np.arange(batch), ids])
            ended = ids == end_id
            if any_finished or ended.any():  # (skipped while no melody has ended: nothing would change)
                newly_done = ended & ~finished
                lengths[newly_done] = t
                finished |= newly_done
                any_finished = True
                ids = np.where(finished, end_id, ids)
            generated[:, t] = ids
            if t + 1 == settings.steps or (any_finished and finished.all()):
                break
            logits = reader.feed(index + 1, generated[:, t], lookback(song, index + 1))
        return [seed.with_steps(seed.steps + vocab.decode(generated[row, : lengths[row]])) for row in range(batch)]

    def positions(self, seed: Melody, total: int, told: bool) -> np.ndarray:
        """Position inputs (total + 1,) of a melody of ``total`` steps that starts like
        ``seed``; ``told``: the model is told where it ends (if it can be)."""
        return position_ids(seed, total + 1, total if told else None, self.to_go_bars)

    def lookback(self, seed: Melody, song: np.ndarray, first: int, count: int | None = None) -> np.ndarray | None:
        """The lookback inputs (3, rows, count) of the steps ``first`` .. ``first + count - 1``
        of songs that start like ``seed``, from their ids so far ``song`` (rows, >= the last
        of those steps; `encoding.lookback_ids`); ``count`` None: of step ``first`` alone,
        (3, rows). None for a model without lookback. Every path that feeds the network
        takes them from here."""
        return self.lookback_of(seed)(song, first, count)

    def lookback_of(self, seed: Melody):
        """`lookback` for songs that start like ``seed``, as a function (song, first, count=None)
        with the seed's bar, pickup and the end id read once (generation's loops call it every
        step)."""
        if not self.net.lookback:
            return lambda song, first, count=None: None
        bar, pickup, none_id = seed.bar_steps, seed.pickup, self.vocab.id(END)

        def lookback(song: np.ndarray, first: int, count: int | None = None) -> np.ndarray:
            steps = first if count is None else range(first, first + count)
            return lookback_ids(song, steps, bar, pickup, none_id)

        return lookback

    def start(self, seed: Melody, batch: int, positions: np.ndarray):
        """Logits (batch, vocab) for the first step after ``seed``, and the state there;
        ``positions`` as from `positions`."""
        ids = self.vocab.encode(seed.steps)
        inputs = np.tile(np.concatenate([[self.vocab.id(END)], ids]), (batch, 1))
        back = self.lookback(seed, np.tile(ids, (batch, 1)), 0, len(seed) + 1)
        return self._feed(inputs.astype(np.int32), 0, self.vocab.meter_id(seed.meter), positions, back)

    def _feed(self, inputs: np.ndarray, first_index: int, meter: int, positions: np.ndarray, lookback=None):
        """Run inputs (batch, n) from a fresh state; input j predicts step first_index + j
        (``lookback``: their `lookback` inputs, (3, batch, n))."""
        count = inputs.shape[1]
        pos = np.tile(positions[first_index : first_index + count], (inputs.shape[0], 1))
        meters = np.full(inputs.shape, meter, dtype=np.int32)
        return self.net.run(inputs, pos, meters, lookback=lookback)


class WindowedReader:
    """The network reading a song input by input, seeing only the last ``window`` inputs
    (the seed report's maximum sequence length; None or 0: all of them), exactly and in one
    batch.

    The seed report re-read the whole window from a fresh state at every step: W steps of
    work per step, one after another. Here a block of ``batch`` rows starts from a fresh
    state at every input that some later window begins with, and every live block reads
    each input together: the prediction after input j comes from the block that started at
    max(0, j + 1 - window), which is then dropped. The same numbers (up to float rounding
    in the batched products), in far fewer, larger products (~47 against ~200 µs a
    row-step for 2 x LSTM(256) on a 2-core AMD EPYC); and while the song is shorter than
    the window, the first block alone is the whole song's state, as without a window. The
    work is (steps - window) x window row-steps (`budget.window_row_steps`), which the
    studio bounds per click.
    """

    def __init__(self, net: StepModel, window: int | None, batch: int, total: int, meter: int, positions):
        self.net, self.window, self.batch = net, window or None, batch
        self.last_start = total - window if window else 0  # the latest input a window that is used starts at
        self.meter, self.positions = meter, positions
        self.starts: list[int] = []  # the input each live block started at, oldest first
        self.state = None
        self.meters = None  # the meter inputs of the rows read (the same at every input)

    def feed(self, j: int, symbols: np.ndarray, lookback=None) -> np.ndarray:
        """Read input ``j`` (ids (batch,); ``lookback``: its lookback inputs (3, batch), for a
        lookback model, taken from the whole song so far: a window does not hide what sounded
        one or two bars back); returns the logits (batch, vocab) for step j."""
        if j == 0 or j <= self.last_start:  # a later window starts here
            fresh = self.net.initial_state(self.batch)
            self.state = (
                fresh
                if self.state is None
                else [(np.concatenate([h, fh]), np.concatenate([c, fc])) for (h, c), (fh, fc) in zip(self.state, fresh)]
            )
            self.starts.append(j)
        blocks = len(self.starts)
        rows = blocks * self.batch
        if self.meters is None or len(self.meters) != rows:
            self.meters = np.full(rows, self.meter, dtype=np.int32)  # the same every step (read only)
        logits, self.state = self.net.step_logits(
            self.state,
            symbols if blocks == 1 else np.tile(symbols, blocks),
            np.full(rows, self.positions[j], dtype=np.int32),
            self.meters,
            lookback if lookback is None or blocks == 1 else np.tile(lookback, (1, blocks)),
        )
        if self.window and j + 1 >= self.window:  # the oldest block has read its window: done
            self.starts.pop(0)
            self.state = [(h[self.batch :], c[self.batch :]) for h, c in self.state]
        return logits[: self.batch]
