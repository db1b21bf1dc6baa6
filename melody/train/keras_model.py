"""The melody network in Keras (the only stage that imports Keras and TensorFlow): build it for
training or step-by-step use, copy weights between the two, save and load its `.keras` file.

Serving never comes here: `melody.net.folder` reads the same weights without Keras."""

from __future__ import annotations

import os

from melody.net.folder import (
    FORMAT_VERSION,
    INPUT_TABLES,
    MODEL_FILE,
    REPEAT_DIM,
    TRAIN_HINT,
    LoadedModel,
    ModelConfig,
    ModelFolderError,
    check_model_weights,
    input_names,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import dataclasses
import os
import pathlib

from melody.net.vocabulary import Vocabulary


def symbol_layer(config: ModelConfig):
    """A learned embedding, or (symbol_dim 0) a fixed identity table, i.e. one-hot input."""
    from keras import layers

    if config.symbol_dim:
        return layers.Embedding(config.vocab_size, config.symbol_dim, name="symbol_embedding")
    return layers.Embedding(
        config.vocab_size,
        config.vocab_size,
        embeddings_initializer="identity",
        trainable=False,
        name="symbol_embedding",
    )


def context_layer(count: int, dim: int, name: str):
    """A learned embedding of a bar position or meter, or (dim 0) a fixed zero: the
    network is not told (same inputs and layer names, so every path runs unchanged)."""
    from keras import layers

    if dim:
        return layers.Embedding(count, dim, name=name)
    return layers.Embedding(count, 1, embeddings_initializer="zeros", trainable=False, name=name)


def _network(config: ModelConfig, with_state: bool):
    """Inputs and outputs of the network; ``with_state`` adds (h, c) per layer in and out."""
    import keras
    from keras import layers

    inputs = {name: keras.Input((None,), dtype="int32", name=name) for name in input_names(config)}
    tables = {
        "symbol_embedding": symbol_layer(config),
        "position_embedding": context_layer(config.n_positions, config.position_dim, "position_embedding"),
        "meter_embedding": context_layer(config.n_meters, config.meter_dim, "meter_embedding"),
    }
    if config.lookback:
        tables["repeat_embedding"] = context_layer(2, REPEAT_DIM, "repeat_embedding")
    if config.style_dim:
        tables["style_embedding"] = layers.Embedding(config.n_styles, config.style_dim, name="style_embedding")
    x = layers.Concatenate(name="step_features")(
        [tables[INPUT_TABLES[name]](ids) for name, ids in inputs.items()]
    )  # (batch, steps, symbol_dim + position_dim + meter_dim [+ 2 symbol_dim + REPEAT_DIM] [+ style_dim])
    state_in, state_out = [], []
    for index in range(config.layers):
        lstm = layers.LSTM(config.units, return_sequences=True, return_state=with_state, name=f"lstm_{index}")
        if with_state:
            h0 = keras.Input((config.units,), name=f"h_{index}")
            c0 = keras.Input((config.units,), name=f"c_{index}")
            x, h, c = lstm(x, initial_state=[h0, c0])  # x: (batch, steps, units); h, c: (batch, units)
            state_in += [h0, c0]
            state_out += [h, c]
        else:
            x = lstm(x)  # (batch, steps, units)
        x = layers.Dropout(config.dropout, name=f"dropout_{index}")(x)
    probabilities = layers.Dense(config.vocab_size, activation="softmax", name="next_symbol")(x)
    return [*inputs.values(), *state_in], [probabilities, *state_out]


def build_model(config: ModelConfig):
    """The Keras model: inputs (`input_names`) -> probabilities (batch, steps, vocab)."""
    import keras

    inputs, outputs = _network(config, with_state=False)
    return keras.Model(inputs, outputs[0], name="melody_lstm")


def build_training_model(config: ModelConfig):
    """The same network with the LSTM state as extra inputs and outputs, compiled with
    Adam so that a checkpoint holds the optimizer too. Layer names match `build_model`.
    Gradients are clipped by the training step (after summing over devices), not here."""
    import keras

    inputs, outputs = _network(config, with_state=True)
    model = keras.Model(inputs, outputs, name="melody_lstm_training")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    return model


def copy_weights(source, target) -> None:
    """Copy every layer's weights from ``source`` to the layer of the same name in ``target``."""
    for layer in target.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())


def warm_start(model, start: LoadedModel, vocab: Vocabulary) -> list[str]:
    """Start ``model`` (built for ``vocab``) from a trained model's weights (e.g. a style model
    from the German model): symbols and meters the two share take their trained rows (by name,
    so a vocabulary that grew keeps its old ids' meaning); a symbol the start did not know keeps
    its fresh embedding and a low output bias; input rows of the first LSTM that the start did not
    have (a style embedding appended) start at zero, so the network begins as the start did.
    Returns the layers copied."""
    import numpy as np

    old_vocab, copied = start.vocab, []
    symbol_pairs = [
        (vocab.symbols.index(s), old_vocab.symbols.index(s)) for s in vocab.symbols if s in old_vocab.symbols
    ]
    meter_pairs = [(vocab.meters.index(m), old_vocab.meters.index(m)) for m in vocab.meters if m in old_vocab.meters]
    for layer in model.layers:
        if not layer.weights or layer.name not in start.weights:
            continue
        new, old = layer.get_weights(), start.weights[layer.name]
        if layer.name == "symbol_embedding":
            for to, fro in symbol_pairs:
                new[0][to] = old[0][fro]
        elif layer.name == "meter_embedding":
            for to, fro in meter_pairs:
                new[0][to] = old[0][fro]
        elif layer.name == "next_symbol":
            new[1][:] = old[1].min()  # a symbol the start never predicted begins unlikely
            for to, fro in symbol_pairs:
                new[0][:, to], new[1][to] = old[0][:, fro], old[1][fro]
        elif layer.name == "lstm_0" and new[0].shape[0] > old[0].shape[0]:
            new[0][:] = 0.0
            new[0][: old[0].shape[0]], new[1], new[2] = old
        elif all(np.shape(a) == np.shape(b) for a, b in zip(new, old, strict=True)):
            new = [np.asarray(a) for a in old]
        else:
            continue
        layer.set_weights(new)
        copied.append(layer.name)
    return copied


def save_model_folder(folder: str | pathlib.Path, keras_model, config: ModelConfig, vocab: Vocabulary) -> None:
    """Write model.keras, config.json, mapping.json and meters.json into ``folder``."""
    from melody.core.storage import atomic_write_json

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{MODEL_FILE}.tmp.keras"
    keras_model.save(temporary)
    os.replace(temporary, folder / MODEL_FILE)
    atomic_write_json(folder / "config.json", {"format_version": FORMAT_VERSION, **dataclasses.asdict(config)})
    vocab.save(folder)


def load_keras_model(folder: pathlib.Path, config: ModelConfig):
    """The Keras model of a checked model folder (imports Keras: for training and evaluation)."""
    import keras

    try:
        keras_model = keras.saving.load_model(folder / MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises several types for truncated or foreign files
        raise ModelFolderError(f"{folder / MODEL_FILE} is corrupt ({type(error).__name__}); {TRAIN_HINT}") from error
    check_model_weights(folder, {layer.name: layer.weights for layer in keras_model.layers}, config)
    return keras_model


def keras_of(loaded: LoadedModel):
    """The Keras model of a loaded model, built from its folder on first use (imports Keras and
    TensorFlow the first time: seconds) and kept with it."""
    return loaded.keras(load_keras_model)
