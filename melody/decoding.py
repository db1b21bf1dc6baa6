"""Songs of a given number of bars: the length is the listener's, the ending the model's.

`generate(..., bars=N)` (see `melody.sampler`) asks for a song of exactly N bars after the
seed's pickup: its last bar completes the pickup, as Essen songs are written, so the song
lasts N bars of 16ths and ends on its final barline. This module decodes such songs:

- The end symbol is never drawn inside the song, and the song always ends at the final
  barline (the model is not asked whether to stop: the listener said when).
- **The ending is sampled given that the song ends there.** For the last bar, each
  variation draws ``ENDING_CANDIDATES`` continuations from the model and keeps one with
  probability proportional to the model's probability of the end symbol right after it
  (raised to 1 / temperature). That is sampling the last bar from p(bar | song so far,
  the song ends at this barline), approximated by importance resampling: the model has
  learned what comes before a song's end (a cadence to the tonic, a long last note), so
  the kept bar sounds like an ending rather than a cut.
- **Temperature 0 is a beam search** for the likeliest whole song of N bars, its closing
  end symbol included, instead of greedy steps that loop; variations are the next-best
  beams, so they differ. The likeliest song may still loop a bar (a held-out test song
  repeats 0.5-1.7% of its bars, the beam 5-15%), so each bar that repeats the one before
  it exactly costs its beam ``REPEAT_PENALTY`` nats: repeats stay possible, loops do not win.

    >>> [song] = generate(loaded, seed, bars=8, temperature=0.8, random_seed=3)   # doctest: +SKIP
    >>> len(song) == 8 * song.bar_steps                                               # doctest: +SKIP
    True
"""

from __future__ import annotations

import numpy as np

from .melody import END, HOLD, Melody

ENDING_CANDIDATES = 32  # continuations drawn per variation for its last bar
BEAM_WIDTH = 8  # beams kept at temperature 0 (at least the number of variations)
REPEAT_PENALTY = 1.0  # nats a beam loses for a bar that repeats the bar before it exactly (temperature 0)


def song_length(seed: Melody, bars: int) -> int:
    """Steps of a song of ``bars`` bars that starts like ``seed`` (with its pickup): the last
    bar completes the pickup, so the song lasts exactly ``bars`` bars of 16ths."""
    return bars * seed.bar_steps


def final_bar_start(seed: Melody, total: int) -> int:
    """Index of the first step of the last bar of a song of ``total`` steps like ``seed``."""
    return total - (seed.bar_steps - seed.pickup if seed.pickup else seed.bar_steps)


def song_of_bars(generator, seed: Melody, settings, rngs, trace: list | None = None) -> np.ndarray:
    """Ids (variations, settings.steps) of songs that end exactly ``settings.steps`` after
    ``seed`` (in the model's key), on a barline; see the module's docstring."""
    if settings.temperature == 0:
        return beam_search(generator, seed, settings.steps, settings.variations, trace)
    vocab, batch = generator.vocab, settings.variations
    total = len(seed) + settings.steps
    ending = min(total - final_bar_start(seed, total), settings.steps)  # the seed may reach into the last bar
    positions = generator.positions(seed, total, told=True)
    logits, state = generator.start(seed, batch, positions)
    body, logits, state, body_trace = _sample(
        generator, seed, positions, logits, state, settings, rngs, settings.steps - ending, keep=trace is not None
    )
    # each variation draws ENDING_CANDIDATES last bars from its own state, then keeps one
    rows = np.repeat(np.arange(batch), ENDING_CANDIDATES)  # (batch * K,) the variation of each candidate
    state = [(h[rows], c[rows]) for h, c in state]
    candidate_rngs = [rngs[row] for row in rows]
    first = len(seed) + settings.steps - ending
    tail, logits, _, tail_trace = _sample(
        generator, seed, positions, logits[rows], state, settings, candidate_rngs, ending, first, trace is not None
    )
    end_logp = log_softmax(logits)[:, vocab.id(END)].reshape(batch, ENDING_CANDIDATES)  # log p(end | candidate)
    weights = np.exp((end_logp - end_logp.max(axis=1, keepdims=True)) / settings.temperature)
    chosen = [
        row * ENDING_CANDIDATES + rngs[row].choice(ENDING_CANDIDATES, p=w / w.sum()) for row, w in enumerate(weights)
    ]
    if trace is not None:
        trace.extend(body_trace)
        trace.extend(step[chosen] for step in tail_trace)
    return np.concatenate([body, tail[chosen]], axis=1)


def _sample(generator, seed: Melody, positions, logits, state, settings, rngs, count: int, first=None, keep=False):
    """``count`` steps sampled from ``logits``/``state`` (one row per rng), the end symbol
    never drawn; returns (ids (rows, count), logits, state, per-step log p of the draws,
    kept only with ``keep``: the generation hot path skips them)."""
    from .sampler import sample_logits

    vocab, rows = generator.vocab, len(rngs)
    first = len(seed) if first is None else first  # melody index of the first step drawn
    meters = np.full(rows, vocab.meter_id(seed.meter), dtype=np.int32)
    ids, drawn = np.zeros((rows, count), dtype=np.int32), []
    for t in range(count):
        index = first + t
        blocked = [vocab.id(END), vocab.id(HOLD)] if index == 0 else [vocab.id(END)]
        ids[:, t] = sample_logits(logits, settings.temperature, rngs, settings.top_k, blocked)
        if keep:
            drawn.append(log_softmax(logits)[np.arange(rows), ids[:, t]])
        logits, state = generator.net.step_logits(state, ids[:, t], np.full(rows, positions[index + 1]), meters)
    return ids, logits, state, drawn


def beam_search(generator, seed: Melody, steps: int, variations: int, trace: list | None = None) -> np.ndarray:
    """The likeliest continuations of ``seed`` by ``steps`` steps followed by the end symbol
    (log p summed over every step and the end, less ``REPEAT_PENALTY`` per bar that repeats
    the bar before), best first: ids (variations, steps)."""
    vocab = generator.vocab
    width = max(BEAM_WIDTH, variations)
    end_id, hold_id = vocab.id(END), vocab.id(HOLD)
    positions = generator.positions(seed, len(seed) + steps, told=True)
    logits, state = generator.start(seed, 1, positions)
    scores = np.zeros(1)  # log p of each beam so far
    history = np.zeros((1, 0), dtype=np.int32)
    paths = np.zeros((1, 0))  # log p of each step of each beam, for the trace
    seed_ids, bar = vocab.encode(seed.steps), seed.bar_steps
    for t in range(steps):
        index = len(seed) + t
        logp = log_softmax(logits)  # (beams, vocab)
        logp[:, end_id] = -np.inf
        if index == 0:
            logp[:, hold_id] = -np.inf
        flat = (scores[:, None] + logp).ravel()
        best = np.argsort(-flat, kind="stable")[:width]
        best = best[np.isfinite(flat[best])]
        parents, ids = np.divmod(best, logp.shape[1])
        scores = flat[best]
        history = np.concatenate([history[parents], ids[:, None]], axis=1)
        done = index + 1 - seed.pickup  # steps after the pickup, this one included
        if REPEAT_PENALTY and done % bar == 0 and done >= 2 * bar:  # a bar has just been completed
            song = np.concatenate([np.tile(seed_ids, (len(ids), 1)), history], axis=1)
            repeated = (song[:, index + 1 - bar : index + 1] == song[:, index + 1 - 2 * bar : index + 1 - bar]).all(1)
            scores = scores - REPEAT_PENALTY * repeated
        paths = np.concatenate([paths[parents], logp[parents, ids][:, None]], axis=1)
        state = [(h[parents], c[parents]) for h, c in state]
        meters = np.full(len(ids), vocab.meter_id(seed.meter), dtype=np.int32)
        logits, state = generator.net.step_logits(
            state, ids.astype(np.int32), np.full(len(ids), positions[index + 1]), meters
        )
    scores = scores + log_softmax(logits)[:, end_id]  # the song ends here
    order = np.argsort(-scores, kind="stable")
    order = np.resize(order, variations)  # fewer distinct beams than variations: the best repeat
    if trace is not None:
        trace.extend(paths[order].T)
    return history[order]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Natural log-probabilities of logits (rows, vocab), float64."""
    shifted = np.asarray(logits, dtype=np.float64) - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
