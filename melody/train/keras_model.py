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
    x = layers.Concatenate(name="step_features")(
        [tables[INPUT_TABLES[name]](ids) for name, ids in inputs.items()]
    )  # (batch, steps, symbol_dim + position_dim + meter_dim [+ 2 symbol_dim + REPEAT_DIM])
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
