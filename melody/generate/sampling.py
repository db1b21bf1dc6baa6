"""Drawing the next symbol: temperature, top-k, Gumbel noise, one random generator per variation.

Variation i of a batch draws from its own generator (`variation_rngs`), so it equals the same
melody made alone."""

from __future__ import annotations

import numpy as np


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
    with np.errstate(over="ignore"):  # a tiny temperature sends the unlikely ones to -inf: never drawn
        logits /= temperature
        logits += noise
        return logits.argmax(axis=1)


def variation_rngs(random_seed: int | None, count: int) -> list[np.random.Generator]:
    """One independent Generator per variation, the same whatever ``count``: so variation
    i of a batch equals a single run with the same random seed, up to float rounding (a
    batched matrix product may differ in the last bits, which flips a draw only if two
    symbols' noisy scores lie within ~1e-6 of each other)."""
    children = np.random.SeedSequence(random_seed).spawn(count)
    return [np.random.default_rng(child) for child in children]


def resting_now(ids: np.ndarray, rest_id: int, hold_id: int) -> np.ndarray:
    """Per row of ``ids`` (rows, steps): True where a rest sounds after them (the last symbol
    that is not a hold is a rest)."""
    if ids.shape[1] == 0:
        return np.zeros(len(ids), dtype=bool)
    not_hold = ids != hold_id
    last = ids.shape[1] - 1 - np.argmax(not_hold[:, ::-1], axis=1)
    return not_hold.any(axis=1) & (ids[np.arange(len(ids)), last] == rest_id)


def as_written(ids: np.ndarray, resting: np.ndarray, rest_id: int, hold_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Drawn ``ids`` (rows,) as a `Melody` writes them, and whether a rest sounds after them: a
    rest drawn while a rest sounds is a hold (a melody's one spelling of a silence), so that the
    model reads on from the melody that is kept, and scoring that melody again (the surprise
    strip) gives each note the chance it was drawn with."""
    written = np.where(resting & (ids == rest_id), hold_id, ids)
    return written, (written == rest_id) | (resting & (written == hold_id))
