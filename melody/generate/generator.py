"""Generation: a seed continued by the network, one step at a time with its state carried.

The step runs in NumPy from the trained weights (`StepModel`, built once per loaded model,
read-only afterwards, so threads can share it; the weights come from the model file
without Keras, see `melody.net.weights`). A whole melody costs about
one Keras ``predict`` call of the seed's way; variations are rows of one batch.

    >>> loaded = load_model_folder("models/essen-lstm")          # doctest: +SKIP
    >>> seed = parse_seed("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _")  # doctest: +SKIP
    >>> [m] = generate(loaded, seed, steps=64, temperature=0.8, random_seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

from melody.core.errors import MelodyError, UserError
from melody.core.melody import END, HOLD, REST, Melody
from melody.core.pitch import note_name
from melody.generate.bars import log_softmax, song_length, song_of_bars
from melody.generate.forms import FormError, check_form, phrase_starts, song_in_form
from melody.generate.sampling import as_written, gumbel_rows, resting_now, sample_noisy, variation_rngs
from melody.net.step import StepModel, step_model
from melody.net.vocabulary import UnknownSymbolError, Vocabulary, lookback_ids, position_ids
from melody.songs.keys import canonical_key, from_model_key, in_key, to_model_key

MAX_STEPS = 4096  # longest generation asked for at once (about 64 bars of 4/4 x 4)
BARS_RANGE = (4, 64)  # songs of this many bars (`GenerationSettings.bars`)
NOISE_STRETCH = 64  # steps of Gumbel noise drawn at once (`gumbel_rows`), at most 64 x 64 x vocab floats


class GenerationError(UserError, ValueError):
    """Generation settings that cannot work (steps, temperature, top-k, window)."""


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


def generate(
    loaded, seed: Melody, settings: GenerationSettings | None = None, trace: list | None = None, **options
) -> list[Melody]:
    """Continue ``seed`` with the model; returns one Melody (seed + new steps) per variation.

    ``loaded`` is a `melody.net.folder.LoadedModel`; options are `GenerationSettings` fields.
    Each variation stops at the end-of-song symbol or after ``settings.steps`` steps.
    The seed may be in any key (``seed.key``); it is moved to the model's C major / A
    minor for generation and the results come back in ``settings.key`` or the seed's key
    (a key of the other mode changes the result's mode: `melody.songs.keys.in_key`, the move the
    studio makes when its key changes), so a key never changes which tune is made.
    ``trace``, if a list, receives one (variations,) array per new step: the natural log
    of the model's own probability (temperature 1) of the symbol drawn there.
    """
    settings = dataclasses.replace(settings or GenerationSettings(), **options)
    settings.check()
    model_seed = check_seed(loaded, seed, settings.bars)
    if settings.bars:
        settings = dataclasses.replace(settings, steps=song_length(seed, settings.bars) - len(seed), full_length=True)
    generator = Generator(step_model(loaded), loaded.vocab, loaded.config.to_go_bars)
    melodies = generator.generate(model_seed, settings, trace)
    # made in the seed's key, then moved (and its mode changed) to the key asked for: a key
    # changes where the tune sits, never which tune it is (the studio re-keys a result the same way)
    return [in_key(from_model_key(melody, seed.key), settings.key or seed.key) for melody in melodies]


def check_seed(loaded, seed: Melody, bars: int | None = None, naming: str = "english") -> Melody:
    """``seed`` in the model's key, or the GenerationError that says why it cannot be
    continued: a note outside the model's range (where the seed is), or a seed that already
    lasts ``bars`` bars. Notes are named as ``naming`` writes them (the studio checks as people
    type, in their note names; `generate` checks the same way before any work)."""
    if bars:
        if song_length(seed, bars) - len(seed) < 1:
            raise GenerationError(
                f"the seed already lasts {len(seed) / seed.bar_steps:.3g} bars of {seed.meter}; ask for more than "
                f"{len(seed) // seed.bar_steps} bars, or shorten the seed"
            )
    model_seed = to_model_key(seed)  # the smaller move to C major / A minor
    low, high = loaded.vocab.pitch_range
    for typed, moved in zip(seed.pitches(), model_seed.pitches(), strict=True):
        if not low <= moved <= high:
            lowest, highest = low + typed - moved, high + typed - moved  # the model's range, where the seed is

            def name(pitch: int) -> str:
                return f"{pitch} ({note_name(pitch, seed.key, naming)})"

            raise UnknownSymbolError(
                f"the seed's note {name(typed)} is outside what the model knows here: {name(lowest)} to "
                f"{name(highest)}; move the seed by an octave or pick notes in that range"
            )
    return model_seed


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
        end_id, hold_id, rest_id = vocab.id(END), vocab.id(HOLD), vocab.id(REST)
        history = np.tile(np.concatenate([[end_id], vocab.encode(seed.steps)]).astype(np.int32), (batch, 1))
        resting = resting_now(history[:, 1:], rest_id, hold_id)
        total = len(seed) + settings.steps
        positions = self.positions(seed, total, told=bool(settings.bars))  # of the step each input predicts
        reader = WindowedReader(
            self.net, settings.max_seq_len, batch, total, vocab.context_id(seed.meter, seed.style), positions
        )
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
            ids, resting = as_written(ids, resting, rest_id, hold_id)
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
        return self._feed(inputs.astype(np.int32), 0, self.vocab.context_id(seed.meter, seed.style), positions, back)

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
