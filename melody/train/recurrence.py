"""The network of `melody.net.folder`, run for training on the Keras model's own variables.

Same arithmetic as the Keras layers (embeddings -> LSTM -> Dropout -> Dense), laid out for
a 2-core CPU, where an update is bound by the LSTM's many small per-step operations:

- the input projection of all steps is one matrix product (``x @ kernel``), outside the
  loop over time; only ``h @ recurrent_kernel`` stays inside it;
- the recurrence has a hand-written gradient (backpropagation through time with the gate
  activations kept from the forward pass), about half the operations of automatic
  differentiation, and the weight gradient is one product over the whole chunk;
- the rows are split into ``lanes`` that run their recurrences concurrently: TensorFlow's
  executor overlaps independent operations, so both cores stay busy;
- the LSTM's matrix products (per step, the input projection and the weight gradient) can
  run in bfloat16 on the CPU's AMX / AVX-512 BF16 units: the factors and each product's
  result are rounded to bfloat16 (about 3 significant digits; the sums inside a product run
  in float32), while the state, the gates, the output layer and every weight stay float32
  (mixed precision);
- a row's state is zeroed at the step where a new song starts (``keep`` = 0), so songs can
  follow each other inside a chunk with no padding between them.

The Keras model stays the one source of truth for the weights: this module reads them and
its gradients update them. ``tests/test_recurrence.py`` checks that, in float32, it gives
the Keras model's probabilities within 1e-5 and the gradients of automatic differentiation.

    >>> network = TrainingNetwork(model, config, matmul_dtype="bfloat16")        # doctest: +SKIP
    >>> logits, states = network([symbols, positions, meters], keep, states)    # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import pathlib

from melody.net.folder import INPUT_TABLES, ModelConfig, input_names


def bfloat16_matmul_is_fast() -> bool:
    """True on CPUs with bfloat16 matrix units (Intel AMX or AVX-512 BF16), where the
    products in bfloat16 are several times faster than in float32."""
    try:
        flags = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def lstm_sequence(xz, keep, h0, c0, recurrent_kernel, matmul_dtype):
    """One LSTM layer over a chunk, time-major, with Keras' gate order (i, f, c, o).

    xz: (steps, rows, 4 units) input pre-activations (``x @ kernel + bias``); keep:
    (steps, rows), 0.0 where the state is zeroed before the step; h0, c0: (rows, units).
    Returns the outputs (steps, rows, units) and the last h and c.
    """
    import tensorflow as tf

    steps, units = xz.shape[0], recurrent_kernel.shape[0]

    @tf.custom_gradient
    def run(xz, keep, h0, c0, recurrent_kernel):
        kernel = tf.cast(recurrent_kernel, matmul_dtype)
        xs, keeps = tf.unstack(xz), [k[:, None] for k in tf.unstack(keep)]
        h, c = h0, c0
        h_in, c_in, gates, outputs = [], [], [], []
        for t in range(steps):
            h, c = h * keeps[t], c * keeps[t]  # a new song starts from a zero state
            h_in.append(h)
            c_in.append(c)
            z = xs[t] + tf.cast(tf.matmul(tf.cast(h, matmul_dtype), kernel), tf.float32)
            i, f, g, o = tf.split(z, 4, axis=1)
            i, f, g, o = tf.sigmoid(i), tf.sigmoid(f), tf.tanh(g), tf.sigmoid(o)
            c = f * c + i * g
            tanh_c = tf.tanh(c)
            h = o * tanh_c
            gates.append((i, f, g, o, tanh_c))
            outputs.append(h)

        def gradient(d_outputs, d_h, d_c):
            kernel_t = tf.transpose(kernel)
            d_outputs = tf.unstack(d_outputs)
            d_z = [None] * steps
            for t in reversed(range(steps)):
                i, f, g, o, tanh_c = gates[t]
                d_h = d_h + d_outputs[t]
                d_c = d_c + d_h * o * (1.0 - tanh_c * tanh_c)
                d_z[t] = tf.concat(
                    [
                        d_c * g * i * (1.0 - i),
                        d_c * c_in[t] * f * (1.0 - f),
                        d_c * i * (1.0 - g * g),
                        d_h * tanh_c * o * (1.0 - o),
                    ],
                    axis=1,
                )
                d_c = d_c * f * keeps[t]
                d_h = tf.cast(tf.matmul(tf.cast(d_z[t], matmul_dtype), kernel_t), tf.float32) * keeps[t]
            d_z = tf.stack(d_z)  # (steps, rows, 4 units): also the gradient of xz
            d_kernel = tf.matmul(  # one product over the whole chunk
                tf.cast(tf.reshape(tf.stack(h_in), (-1, units)), matmul_dtype),
                tf.cast(tf.reshape(d_z, (-1, 4 * units)), matmul_dtype),
                transpose_a=True,
            )
            return d_z, None, d_h, d_c, tf.cast(d_kernel, tf.float32)

        return (tf.stack(outputs), h, c), gradient

    # a tensor, not the variable: its gradient flows back through the read
    return run(xz, keep, h0, c0, tf.convert_to_tensor(recurrent_kernel))


def lane_sizes(rows: int, lanes: int) -> list[int]:
    """Rows per lane, as even as can be (5 rows in 2 lanes: [3, 2]); never an empty lane."""
    lanes = max(1, min(lanes, rows))
    return [rows // lanes + (1 if lane < rows % lanes else 0) for lane in range(lanes)]


class TrainingNetwork:
    """`melody.net.folder`'s network on ``model``'s variables: time-major int inputs (steps,
    rows), one per `melody.net.folder.input_names` -> logits (steps, rows, vocab) and the new
    [h, c] per layer."""

    def __init__(self, model, config: ModelConfig, matmul_dtype: str = "float32", lanes: int = 2):
        self.config, self.matmul_dtype, self.lanes = config, matmul_dtype, max(1, lanes)
        self.embeddings = [model.get_layer(INPUT_TABLES[name]) for name in input_names(config)]
        self.cells = [model.get_layer(f"lstm_{index}").cell for index in range(config.layers)]
        self.dense = model.get_layer("next_symbol")

    def __call__(self, inputs, keep, states, training: bool = True):
        """``inputs``: the id tensors (steps, rows) in `input_names` order; ``keep`` (steps,
        rows) 0.0 where a row's state is zeroed; ``states``: [h, c] per layer, (rows, units)."""
        import tensorflow as tf

        x = tf.concat([tf.gather(e.embeddings, ids) for e, ids in zip(self.embeddings, inputs, strict=True)], -1)
        new_states = []
        for index, cell in enumerate(self.cells):
            xz = self._project(x, cell.kernel) + cell.bias  # every step at once
            h0, c0 = states[2 * index], states[2 * index + 1]
            sizes = lane_sizes(h0.shape[0], self.lanes)
            parts = [
                lstm_sequence(*args, cell.recurrent_kernel, self.matmul_dtype)
                for args in zip(*(tf.split(a, sizes, axis=axis) for a, axis in ((xz, 1), (keep, 1), (h0, 0), (c0, 0))))
            ]
            x = tf.concat([p[0] for p in parts], axis=1)
            new_states += [tf.concat([p[1] for p in parts], 0), tf.concat([p[2] for p in parts], 0)]
            if training and self.config.dropout:
                x = tf.nn.dropout(x, self.config.dropout)
        return tf.tensordot(x, self.dense.kernel, 1) + self.dense.bias, new_states

    def _project(self, x, kernel):
        """``x @ kernel`` over every step, in the product dtype, returned as float32."""
        import tensorflow as tf

        if self.matmul_dtype == "float32":
            return tf.tensordot(x, kernel, 1)
        product = tf.tensordot(tf.cast(x, self.matmul_dtype), tf.cast(kernel, self.matmul_dtype), 1)
        return tf.cast(product, tf.float32)


def onednn_is_on() -> bool:
    """TensorFlow's oneDNN kernels (its default on Linux x86) run bfloat16 products on the
    CPU's matrix units; without them a bfloat16 product is slower than a float32 one."""
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() not in ("0", "false")


@functools.cache
def default_matmul_dtype() -> str:
    """bfloat16 where the CPU has bfloat16 matrix units, oneDNN is on and no GPU is in use;
    else float32."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU") or not onednn_is_on():
        return "float32"
    return "bfloat16" if bfloat16_matmul_is_fast() else "float32"
