"""The trained network in NumPy, advanced one 16th-note step at a time (no Keras, no TensorFlow).

`StepModel` is built once per loaded model (`step_model`, cached, thread-safe) from the weights
read without Keras (`melody.net.weights`); read-only afterwards, so threads can share it."""

from __future__ import annotations

import threading
import weakref

import numpy as np


class StepModel:
    """The trained network as NumPy arrays, advanced one 16th-note step at a time.

    Embeddings are folded into the first LSTM kernel: each input contributes one row of
    a (rows, 4 * units) table, so the first layer is three lookups and one matmul. A lookback
    model (``lookback``) adds two tables for the symbols one and two bars back (the symbol
    embedding times their kernel rows) and folds its repeat flag into the meter table
    (rows ``meter * 2 + flag``): five lookups and one matmul. A style model folds the tradition
    into the meter table too: its rows are per style and meter, and the "meter" ids the steps
    take are `Vocabulary.context_id` (style * meters + meter). A higher
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
        m = a + b + meter_table.shape[1]
        meters = meter_table @ w0[a + b : m] + b0  # (meters, 4 units), bias folded in
        if not self.lookback:
            self.meter_rows = meters
        else:  # kernel rows: symbol, position, meter, symbol 1 bar back, 2 bars back, repeat flag
            (repeat_table,) = get("repeat_embedding")
            flags = repeat_table @ w0[m + 2 * a : m + 2 * a + repeat_table.shape[1]]  # (2, 4 units)
            self.meter_rows = (meters[:, None] + flags[None]).reshape(-1, meters.shape[1])  # (meters * 2, 4 units)
            self.back_rows = (symbol_table @ w0[m : m + a], symbol_table @ w0[m + a : m + 2 * a])  # (vocab, 4 units)
        if "style_embedding" in weights:  # a style model: its last kernel rows; one row per style and meter
            (style_table,) = get("style_embedding")
            styles = style_table @ w0[w0.shape[0] - style_table.shape[1] :]  # (styles, 4 units)
            self.meter_rows = (styles[:, None] + self.meter_rows[None]).reshape(-1, meters.shape[1])
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


_STEP_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # LoadedModel -> StepModel


_STEP_MODELS_LOCK = threading.Lock()


def step_model(loaded) -> StepModel:
    """The NumPy step model of a loaded model, built once (thread-safe) and cached."""
    with _STEP_MODELS_LOCK:
        net = _STEP_MODELS.get(loaded)
        if net is None:
            net = _STEP_MODELS[loaded] = StepModel(loaded.weights, loaded.config.layers, loaded.config.lookback)
        return net
