"""Training the chord model (Keras): the network, padded beat batches, and the fit with early stopping.

The studio serves the same network in NumPy (`melody.chords.model.HarmonyModel`)."""

from __future__ import annotations

import numpy as np

from melody.chords.model import N_CLASSES, N_FEATURES, HarmonyConfig, beat_features, beat_labels
from melody.core.melody import Melody


def build_network(config: HarmonyConfig):
    """The Keras network: features (batch, beats, N_FEATURES) and a mask (batch, beats) ->
    chord probabilities (batch, beats, 48). The mask is an input (not a Masking layer) so
    the saved model holds only layers whose weights `melody.net.weights` can read."""
    import keras

    features = keras.Input((None, N_FEATURES), name="features")
    mask = keras.Input((None,), dtype="bool", name="mask")
    x = keras.layers.Dense(config.input_units, activation="tanh", name="melody_in")(features)
    x = keras.layers.Bidirectional(keras.layers.LSTM(config.units, return_sequences=True), name="context")(x, mask=mask)
    x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    chords = keras.layers.Dense(N_CLASSES, activation="softmax", name="chord")(x)
    return keras.Model([features, mask], chords, name="harmony")


def batch_arrays(melodies: list[Melody]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded features (tunes, beats, N_FEATURES), mask (tunes, beats) and labels (tunes,
    beats), label 0 with mask False where a tune is shorter or has no human chord."""
    rows = [beat_features(m) for m in melodies]
    longest = max(len(starts) for _, starts in rows)
    x = np.zeros((len(rows), longest, N_FEATURES), np.float32)
    mask, labels = np.zeros((len(rows), longest), bool), np.full((len(rows), longest), -1)
    for i, ((features, starts), melody) in enumerate(zip(rows, melodies)):
        x[i, : len(starts)], mask[i, : len(starts)] = features, True
        labels[i, : len(starts)] = beat_labels(melody, starts)
    return x, mask, labels


def train_network(train: list[Melody], validation: list[Melody], config: HarmonyConfig, on_epoch=None):
    """Train the network (Adam, cross-entropy on beats with a human chord, early stopping
    on validation loss, best weights kept); returns (keras model, per-epoch history).
    ``on_epoch(epoch, logs)`` is called after each epoch (e.g. to move a progress bar)."""
    import keras

    keras.utils.set_random_seed(16)
    model = build_network(config)
    model.compile(keras.optimizers.Adam(config.learning_rate, clipnorm=1.0), "sparse_categorical_crossentropy")
    (x, mask, y), (vx, vmask, vy) = batch_arrays(train), batch_arrays(validation)
    callbacks = [keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)]
    if on_epoch:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=on_epoch))
    history = model.fit(
        [x, mask], np.maximum(y, 0), sample_weight=(y >= 0).astype(np.float32), batch_size=config.batch_size,
        epochs=config.epochs, validation_data=([vx, vmask], np.maximum(vy, 0), (vy >= 0).astype(np.float32)),
        callbacks=callbacks, verbose=0,
    )  # fmt: skip
    epochs = [dict(zip(history.history, values)) for values in zip(*history.history.values())]
    return model, epochs
