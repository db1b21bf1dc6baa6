"""Songs in a form: phrases named by letters (AABA, AABB, ABAB, ABAC), a letter that returns
sung again.

A real folk song states a phrase and comes back to it, so a class can sing it back after
one hearing. ``generate(..., bars=16, form="AABA")`` splits the song into equal phrases
(16 bars of AABA: four phrases of 4 bars, aligned to the barlines after the pickup; the last
phrase completes the pickup, as the song's last bar does) and decodes them in order, the
network's state carried through the whole song:

- **A letter that returns** is sung again as a variation of its first phrase: at each step
  the symbol the first phrase had at the same place in its bar gets a prior of
  `return_strength` nats (in the tempered distribution: p(v)^(1/T) e^(strength)), which the
  network may leave where it is sure of something else. The prior weakens as "How
  adventurous" rises (6.5 nats at 0, 5.3 at the studio's 0.8, down to 3.5 at 2), so a
  bolder song varies its returns more.
- **A new letter contrasts**: `CANDIDATES` continuations are drawn for it from the same
  state, and the one that keeps the fewest of the earlier phrases' notes (same place, same
  pitch; `note_overlap`) is kept.
- **A phrase before a return ends on a half cadence**, as real songs' do: among its
  candidates, one whose last note is in the dominant triad (degrees 5, 7 and 2) is preferred.
- **The song ends on its own cadence**: the last two bars are drawn given that the song ends
  there, on the tonic (`decoding.sung_ending`), the return's prior holding the bar before
  the final one (for half of the candidates its first half only, so that a phrase whose
  own notes lead elsewhere can still come home); the final bar is the cadence's own.

"free" (or None) is the model's own form (`decoding.song_of_bars`). At temperature 0 a form
is sung at `MIN_TEMPERATURE`: the likeliest song has no contrasts to choose between.

    >>> check_form("aaba", 16), phrase_starts(pickup=4, bar=16, total=256, count=4)
    ('AABA', [0, 68, 132, 196])
"""

from __future__ import annotations

import re

import numpy as np

from melody.core.melody import Melody
from melody.generate.bars import (
    ending_start,
    final_bar_start,
    model_tonic,
    pitch_classes,
    sample_steps,
    sung_ending,
)
from melody.songs.phrases import phrase_form

FORMS = ("free", "AABA", "AABB", "ABAB", "ABAC")  # the studio's choices; any 2-8 letters are allowed
CANDIDATES = 8  # continuations drawn per variation for a phrase that has choices to make
MIN_TEMPERATURE = 0.3  # a form at temperature 0 is sung at this temperature
DOMINANT_DEGREES = (7, 11, 2)  # semitones above the tonic: the dominant triad (5th, 7th and 2nd degrees)


class FormError(ValueError):
    """A form that cannot be sung: not letters, or a length it cannot divide."""


def check_form(form: str | None, bars: int | None) -> str | None:
    """The form as capital letters (None for "free"), checked against the song's ``bars``."""
    if form is None or str(form).strip().lower() in ("", "free"):
        return None
    letters = str(form).strip().upper()
    if not re.fullmatch(r"[A-Z]{2,8}", letters) or letters[0] != "A":
        raise FormError(
            f"form {str(form)[:20]!r} is not a form; use 2 to 8 letters starting with A, e.g. AABA, AABB, ABAB or "
            "ABAC, or 'free' for the model's own"
        )
    if bars is None:
        raise FormError(f"a form ({letters}) needs a length in bars (--bars), to split it into phrases")
    if bars % len(letters):
        fits = [n for n in range(4, 65) if n % len(letters) == 0]
        near = sorted(fits, key=lambda n: abs(n - bars))[:2]
        raise FormError(
            f"{bars} bars cannot be split into {len(letters)} equal phrases of {letters}; "
            f"choose {' or '.join(str(n) for n in sorted(near))} bars, or another form"
        )
    return letters


def phrase_bars(pickup: int, bar: int, total: int, count: int) -> int:
    """Bars in each of ``count`` equal phrases of a song of ``total`` steps (16ths)."""
    return ((total - pickup) // bar + (1 if pickup else 0)) // count


def phrase_starts(pickup: int, bar: int, total: int, count: int) -> list[int]:
    """First step of each of ``count`` equal phrases of a song of ``total`` steps (the first
    includes the pickup; the others start on barlines)."""
    per = phrase_bars(pickup, bar, total, count)
    return [0] + [pickup + k * per * bar for k in range(1, count)]


def return_strength(temperature: float) -> float:
    """Nats of prior for the earlier phrase's symbol in a returning phrase (see above)."""
    return float(np.clip(6.5 - 1.5 * temperature, 2.0, 6.5))


def sources(pickup: int, bar: int, total: int, form: str) -> np.ndarray:
    """For each step of the song, the step it returns to (the same place after the barline
    in the first phrase of its letter), or -1 (a phrase of a new letter). (total,) int64."""
    starts, per = phrase_starts(pickup, bar, total, len(form)), phrase_bars(pickup, bar, total, len(form))
    bounds, source, first = [*starts, total], np.full(total, -1, dtype=np.int64), {}
    for k, letter in enumerate(form):
        if letter in first:
            steps = np.arange(bounds[k], bounds[k + 1])
            source[steps] = steps - (k - first[letter]) * per * bar
        else:
            first[letter] = k
    return source


def song_in_form(generator, seed: Melody, settings, rngs, trace: list | None = None) -> np.ndarray:
    """Ids (variations, settings.steps) of songs in ``settings.form`` that end exactly
    ``settings.steps`` after ``seed`` (in the model's key), phrase by phrase; see the
    module's docstring."""

    form, vocab, batch, keep = settings.form, generator.vocab, settings.variations, trace is not None
    temperature = max(settings.temperature, MIN_TEMPERATURE)
    total, bar = len(seed) + settings.steps, seed.bar_steps
    starts, source = phrase_starts(seed.pickup, bar, total, len(form)), sources(seed.pickup, bar, total, form)
    per = phrase_bars(seed.pickup, bar, total, len(form))
    bounds, strength = [*starts, total], return_strength(temperature)
    tonic = model_tonic(seed.key)
    positions = generator.positions(seed, total, told=True)
    logits, state = generator.start(seed, batch, positions)
    song = np.tile(vocab.encode(seed.steps).astype(np.int32), (batch, 1))  # grows phrase by phrase
    ending = max(ending_start(seed, total), len(seed))
    drawn_trace: list = []
    for k, letter in enumerate(form):
        begin, end = max(bounds[k], song.shape[1]), min(bounds[k + 1], ending)
        if end <= begin:
            continue
        guide = _guide(song, source, begin, end)
        if letter in form[:k] or k + 1 == len(form):  # a return (or the last phrase, whose end comes below)
            ids, logits, state, part = sample_steps(
                generator, seed, positions, song, logits, state, temperature, settings.top_k, rngs, end - begin,
                guard=False, keep=keep, guide=guide, strength=strength,
            )  # fmt: skip
        else:
            after = form[k + 1] if k + 1 < len(form) else None
            wanted = (
                DOMINANT_DEGREES if after and after in form[:k] and after != letter
                else (0,) if letter == form[-1] else None
            )  # fmt: skip
            ids, logits, state, part = _choose(
                generator, seed, positions, song, logits, state, temperature, settings.top_k, rngs, end - begin,
                keep, shifts=[(k - j) * per * bar for j in range(k)], wanted=wanted, tonic=tonic,
            )  # fmt: skip
        song = np.concatenate([song, ids], axis=1)
        drawn_trace.extend(part)
    guide = _guide(song, source, song.shape[1], total)
    guide[:, final_bar_start(seed, total) - song.shape[1] :] = -1  # the final bar is the cadence's own
    tail, tail_trace = sung_ending(
        generator, seed, positions, song, logits, state, temperature, settings.top_k, rngs, total, keep,
        guide=guide, strength=strength, release=total - final_bar_start(seed, total) + bar // 2,
    )  # fmt: skip
    if keep:
        trace.extend(drawn_trace)
        trace.extend(tail_trace)
    return np.concatenate([song, tail], axis=1)[:, len(seed) :]


def _guide(song: np.ndarray, source: np.ndarray, begin: int, end: int) -> np.ndarray:
    """The ids (rows, end - begin) that steps begin..end-1 return to (-1: none)."""
    wanted = source[begin:end]
    guide = np.full((song.shape[0], end - begin), -1, dtype=np.int64)
    known = (wanted >= 0) & (wanted < song.shape[1])
    guide[:, known] = song[:, wanted[known]]
    return guide


def _choose(generator, seed, positions, song, logits, state, temperature, top_k, rngs, count, keep, shifts, wanted,
            tonic):  # fmt: skip
    """``count`` steps for each variation, chosen among `CANDIDATES` drawn from the same
    state: one whose last note is ``wanted`` (degrees above the tonic, None: any) first, then
    the one that keeps the fewest notes of the earlier phrases (each ``shifts`` steps back)."""

    batch, begin = len(rngs), song.shape[1]
    rows = np.repeat(np.arange(batch), CANDIDATES)
    ids, logits_k, state_k, part = sample_steps(
        generator, seed, positions, song[rows], logits[rows], [(h[rows], c[rows]) for h, c in state], temperature,
        top_k, [rngs[r] for r in rows], count, guard=temperature <= 0.5, keep=keep,
    )  # fmt: skip
    whole = np.concatenate([song[rows], ids], axis=1)
    classes = pitch_classes(generator.vocab)
    notes = classes[ids] >= 0  # (candidates, count): a note starts here
    kept = np.zeros(len(rows))
    for shift in shifts:  # contrast: the largest share of notes kept from any earlier phrase
        at = np.arange(begin, begin + count) - shift
        same = (whole[:, np.clip(at, 0, None)] == ids) & notes & (at >= 0)
        kept = np.maximum(kept, same.sum(axis=1) / np.maximum(notes.sum(axis=1), 1))
    scores = -kept
    if wanted is not None:  # the cadence first
        last = np.array([row[note][-1] if note.any() else -1 for row, note in zip(ids, notes, strict=True)])
        degrees = np.where(last >= 0, (classes[np.maximum(last, 0)] - tonic) % 12, -1)
        scores = scores + 10.0 * np.isin(degrees, wanted)
    best = scores.reshape(batch, CANDIDATES).argmax(axis=1)
    chosen = np.arange(batch) * CANDIDATES + best
    return (ids[chosen], logits_k[chosen], [(h[chosen], c[chosen]) for h, c in state_k],
            [step[chosen] for step in part])  # fmt: skip


def marked(melody: Melody, phrase_bars: int) -> Melody:
    """``melody`` with its phrases of ``phrase_bars`` bars lettered by what comes back
    (`phrases.phrase_form`, a held note agreeing only with the same pitch held), e.g. a real
    song shown with its form."""

    letters = phrase_form(melody, phrase_bars, held_pitch=True)
    bars = (len(melody) - melody.pickup) // melody.bar_steps + (1 if melody.pickup else 0)
    starts = [0] + [melody.pickup + k * phrase_bars * melody.bar_steps for k in range(1, len(letters))]
    if not letters or bars < phrase_bars or not all("A" <= c <= "Z" for c in letters):
        return melody
    return melody.replace(phrases=tuple(zip(starts, letters, strict=True)))
