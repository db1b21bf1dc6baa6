"""Loudness of a mono signal (ITU-R BS.1770-4 / EBU R128) and normalisation to a target.

Pure NumPy: the K-weighting filter (a high shelf, then a high pass, each a biquad) runs
as the recursion, vectorised over columns of the signal (`filtered`). Blocks are
400 ms with 75 % overlap; the absolute gate is -70 LUFS and the relative gate 10 LU
below the loudness of the blocks above it.

    >>> rate = 48000
    >>> t = np.arange(10 * rate) / rate
    >>> round(integrated_lufs(0.1 * np.sin(2 * np.pi * 997 * t), rate), 1)  # -20 dBFS peak
    -23.0
"""

from __future__ import annotations

import math

import numpy as np

TARGET_LUFS = -16.0  # loudness of speech and music played to a room (e.g. AES streaming advice)
PEAK_CEILING_DBFS = -1.0  # the highest sample after normalisation
BLOCK_S, HOP_S = 0.4, 0.1  # gating blocks of 400 ms, one every 100 ms (75 % overlap)
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0

# The analogue prototypes of BS.1770's two stages (as derived by libebur128 / pyloudnorm):
# at 48 kHz the bilinear transform gives exactly the coefficients published in BS.1770.
_SHELF_HZ, _SHELF_GAIN_DB, _SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
_SHELF_VB_EXPONENT = 0.4996667741545416
_HIGH_PASS_HZ, _HIGH_PASS_Q = 38.13547087602444, 0.5003270373238773


def k_weighting(rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two biquads ``((b, a) shelf, (b, a) high pass)`` of K-weighting at ``rate`` Hz,
    each ``b`` and ``a`` of shape (3,) with ``a[0] == 1``."""
    k = math.tan(math.pi * _SHELF_HZ / rate)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXPONENT
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf_b = np.array([vh + vb * k / _SHELF_Q + k * k, 2.0 * (k * k - vh), vh - vb * k / _SHELF_Q + k * k]) / a0
    shelf_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _SHELF_Q + k * k) / a0])
    k = math.tan(math.pi * _HIGH_PASS_HZ / rate)
    a0 = 1.0 + k / _HIGH_PASS_Q + k * k
    pass_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HIGH_PASS_Q + k * k) / a0])
    return (shelf_b, shelf_a), (np.array([1.0, -2.0, 1.0]), pass_a)


def cascade(sections) -> tuple[np.ndarray, np.ndarray]:
    """Biquads ``(b, a)`` one after another as one filter ``(b, a)`` (polynomials in z^-1)."""
    b, a = np.ones(1), np.ones(1)
    for section_b, section_a in sections:
        b, a = np.convolve(b, section_b), np.convolve(a, section_a)
    return b, a


def _from_rest(audio: np.ndarray, b: np.ndarray, a: np.ndarray, rows: int) -> tuple[np.ndarray, ...]:
    """``audio`` (shape (samples,)) through the filter ``(b, a)`` from rest, as the
    direct-form recursion (to about 1e-7 of the peak: the fourth-order form of K-weighting
    loses a few of float64's digits, far below what a loudness in dB shows), vectorised:
    the feed-forward part runs on the whole signal, which is then laid out in columns of
    ``rows`` samples (sample ``c * rows + r`` at ``[r, c]``); the recursion runs down the
    rows for all columns at once from a zero state, and each column's true starting state
    (the last outputs of the column before) is then carried across. Returns ``(zero,
    free, starts)``, shapes (rows, columns), (rows, order) and (columns, order): the
    filtered signal is ``zero + free @ starts.T``. (Each big array is made once: page
    faults are a real cost at this size.)"""
    order, n = len(a) - 1, len(audio)
    columns = -(-n // rows)
    padded = np.convolve(audio, b)[: columns * rows]
    if len(padded) < columns * rows:
        padded = np.concatenate([padded, np.zeros(columns * rows - len(padded))])
    laid = np.zeros((order + rows, columns))  # the first rows hold the state: zero
    laid[order:] = padded.reshape(columns, rows).T
    free = np.zeros((order + rows, order))  # the response to each start state y[-1 - k] = 1
    free[order - 1 - np.arange(order), np.arange(order)] = 1.0
    feedback = -a[:0:-1]  # (order,): a[order] .. a[1], oldest output first
    for grid in (laid, free):
        for row in range(order, order + rows):
            grid[row] += feedback @ grid[row - order : row]
    ends = laid[-1 : -order - 1 : -1]  # (order, columns): y[-1], y[-2], ... at each column's end
    carry = free[-1 : -order - 1 : -1]  # (order, order): end states from each start state
    starts = np.zeros((columns, order))
    for column in range(1, columns):
        starts[column] = ends[:, column - 1] + carry @ starts[column - 1]
    return laid[order:], free[order:], starts


def filtered(audio: np.ndarray, sections, rows: int = 1024) -> np.ndarray:
    """``audio`` (shape (samples,)) through the biquads ``sections`` from rest, in time
    order (`_from_rest` with columns of ``rows`` samples)."""
    audio = np.asarray(audio, dtype=np.float64)
    if not len(audio):
        return audio
    zero, free, starts = _from_rest(audio, *cascade(sections), max(1, min(rows, len(audio))))
    return (zero + np.einsum("rk,ck->rc", free, starts)).T.reshape(-1)[: len(audio)]


def k_weighted(audio: np.ndarray, rate: int) -> np.ndarray:
    """``audio`` (shape (samples,)) through the K-weighting filter, from rest."""
    return filtered(audio, k_weighting(rate))


def _rows(hop: int) -> int:
    """Column length for `block_powers`: ``hop`` divided by the smallest whole number that
    brings it to 1024 samples or fewer (so each 100 ms segment is whole columns), else ``hop``."""
    return next((hop // parts for parts in range(1, 17) if hop % parts == 0 and hop // parts <= 1024), hop)


def block_powers(audio: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal in each 400 ms block (100 ms apart), shape
    (blocks,); a signal shorter than one block is one block of its own length."""
    audio = np.asarray(audio, dtype=np.float64)
    hop = int(round(HOP_S * rate))
    per_block = int(round(BLOCK_S / HOP_S))
    segments = len(audio) // hop
    if segments < per_block:
        return np.array([np.mean(k_weighted(audio, rate) ** 2)]) if len(audio) else np.zeros(0)
    zero, free, starts = _from_rest(audio[: segments * hop], *cascade(k_weighting(rate)), _rows(hop))
    # The energy of each column of zero + free @ starts.T, without making that array:
    # sum(zero^2) + 2 starts . (free^T zero) + starts (free^T free) starts^T.
    # (np.einsum, not @: OpenBLAS threads a matrix product this size, slowly on a busy machine)
    cross, gram = np.einsum("rk,rc->kc", free, zero), np.einsum("rk,rl->kl", free, free)
    energy = np.einsum("rc,rc->c", zero, zero) + 2.0 * np.einsum("ck,kc->c", starts, cross)
    energy += np.einsum("ck,kl,cl->c", starts, gram, starts)  # (columns,)
    energy = energy.reshape(segments, -1).sum(axis=1)  # (segments,): whole 100 ms segments
    summed = np.convolve(energy, np.ones(per_block), mode="valid")  # (segments - 3,)
    return summed / (per_block * hop)


def _lufs(power) -> float:
    return -0.691 + 10.0 * math.log10(power) if power > 0 else -math.inf


def integrated_lufs(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness of mono ``audio`` (floats, full scale 1.0) in LUFS, gated as in
    BS.1770-4; ``-inf`` for silence (or anything quieter than the -70 LUFS gate)."""
    powers = block_powers(audio, rate)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10.0 * np.log10(powers)
    kept = powers[loudness > ABSOLUTE_GATE_LUFS]
    if not kept.size:
        return -math.inf
    relative_gate = _lufs(kept.mean()) + RELATIVE_GATE_LU
    kept = powers[(loudness > ABSOLUTE_GATE_LUFS) & (loudness > relative_gate)]
    return _lufs(kept.mean())


def peak_dbfs(audio: np.ndarray) -> float:
    """The highest sample's level in dB of full scale (1.0); ``-inf`` for silence."""
    peak = max(float(np.max(audio)), -float(np.min(audio))) if len(audio) else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def normalisation_gain_db(
    audio: np.ndarray, rate: int, target_lufs: float = TARGET_LUFS, ceiling_dbfs: float = PEAK_CEILING_DBFS
) -> float:
    """The gain in dB that brings ``audio`` to ``target_lufs`` integrated, lowered where
    that would lift the highest sample over ``ceiling_dbfs``: then the peak is at the
    ceiling and the loudness below the target (no limiter or compressor changes the
    sound). The ceiling is on samples, not BS.1770's 4x oversampled true peak, whose extra
    is a fraction of a dB for these instruments; 0 dB for silence."""
    loudness, peak = integrated_lufs(audio, rate), peak_dbfs(audio)
    if not math.isfinite(loudness) or not math.isfinite(peak):
        return 0.0
    return min(target_lufs - loudness, ceiling_dbfs - peak)


def normalised(
    audio: np.ndarray, rate: int, target_lufs: float = TARGET_LUFS, ceiling_dbfs: float = PEAK_CEILING_DBFS
) -> np.ndarray:
    """``audio`` times `normalisation_gain_db` (see there: the peak ceiling wins)."""
    return audio * 10.0 ** (normalisation_gain_db(audio, rate, target_lufs, ceiling_dbfs) / 20.0)
