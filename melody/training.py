"""Many-to-many training: every step of every song is a target, from the song's start.

Songs are sorted by length and cut into batches of ``batch_size`` songs, each padded to
its longest song (padding carries zero weight), so almost no step is wasted. After every
epoch the state is checkpointed (model with optimizer, history, early-stopping counters)
by swapping a fully written folder into place; ``resume=True`` carries on from there.

    >>> config = TrainConfig(epochs=30, patience=3)                    # doctest: +SKIP
    >>> outcome = train(train_songs, val_songs, vocab, config, "checkpoints/run")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import time

import numpy as np

from .encoding import Vocabulary, song_arrays
from .melody import Melody
from .model import ModelConfig, build_model
from .storage import atomic_write_json, replace_folder, staging_folder

PAD_TO = 16  # batch lengths are rounded up to a multiple of this (fewer graph shapes)


@dataclasses.dataclass
class TrainConfig:
    """Training settings (command-line flags of scripts/train.py)."""

    epochs: int = 40  # upper bound; early stopping usually ends sooner
    batch_size: int = 64  # songs per batch
    patience: int = 3  # epochs without a better validation loss before stopping
    max_minutes: float = 0.0  # stop after the epoch that passes this wall time (0: no limit)
    max_song_steps: int = 1024  # longer songs are cut (a handful in Essen)
    seed: int = 1  # shuffling and initialisation
    strategy: str = "default"  # default | mirrored (all local GPUs) | multiworker (TF_CONFIG)


@dataclasses.dataclass
class Batch:
    """Padded inputs (batch, steps), int32, and per-step loss weights, float32."""

    symbols: np.ndarray
    positions: np.ndarray
    meters: np.ndarray
    targets: np.ndarray
    weights: np.ndarray

    @property
    def inputs(self) -> dict[str, np.ndarray]:
        return {"symbols": self.symbols, "positions": self.positions, "meters": self.meters}

    @property
    def n_targets(self) -> int:
        return int((self.weights > 0).sum())


def make_batches(melodies: list[Melody], vocab: Vocabulary, batch_size: int, max_steps: int = 1024) -> list[Batch]:
    """Songs sorted by length, in batches padded to a multiple of PAD_TO.

    Weights are 1 on real targets, scaled so that the batch's mean loss is the mean
    negative log-likelihood per real target (padding weighs 0).
    """
    arrays = [song_arrays(m.with_steps(m.steps[:max_steps]), vocab) for m in melodies]
    arrays.sort(key=lambda a: len(a.targets))
    batches = []
    for begin in range(0, len(arrays), batch_size):
        group = arrays[begin : begin + batch_size]
        length = -(-max(len(a.targets) for a in group) // PAD_TO) * PAD_TO
        fields = {
            name: np.zeros((len(group), length), np.int32) for name in ("symbols", "positions", "meters", "targets")
        }
        mask = np.zeros((len(group), length), np.float32)
        for row, song in enumerate(group):
            n = len(song.targets)
            for name in fields:
                fields[name][row, :n] = getattr(song, name)
            mask[row, :n] = 1.0
        batches.append(Batch(**fields, weights=mask * (mask.size / mask.sum())))
    return batches


def make_strategy(name: str):
    """The tf.distribute strategy: one device, all local GPUs, or several machines."""
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG
    if name != "default":
        raise ValueError(f"unknown strategy {name!r}: use default, mirrored or multiworker")
    return tf.distribute.get_strategy()


def to_dataset(batches: list[Batch], shuffle_seed: int | None):
    """A tf.data pipeline over the batches, in a new random order each epoch."""
    import tensorflow as tf

    def generate():
        order = np.arange(len(batches))
        if shuffle_seed is not None:
            generate.epoch += 1
            np.random.default_rng([shuffle_seed, generate.epoch]).shuffle(order)
        for i in order:
            b = batches[i]
            yield b.inputs, b.targets, b.weights

    generate.epoch = 0
    spec = tf.TensorSpec((None, None), tf.int32)
    signature = (
        {"symbols": spec, "positions": spec, "meters": spec},
        spec,
        tf.TensorSpec((None, None), tf.float32),
    )
    return tf.data.Dataset.from_generator(generate, output_signature=signature).repeat().prefetch(2)


def _checkpoint_callback(folder: pathlib.Path, state: dict, config: TrainConfig, started: float):
    """A Keras callback that checkpoints each epoch and applies early stopping and the time limit."""
    import keras

    class Checkpoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            state["history"].append({"epoch": epoch + 1, **logs})
            state["epoch"] = epoch + 1
            state["seconds"] = state["seconds_before"] + time.perf_counter() - started
            improved = logs["val_loss"] < state["best_val_loss"] - 1e-4
            if improved:
                state["best_val_loss"], state["best_epoch"], state["wait"] = logs["val_loss"], epoch + 1, 0
            else:
                state["wait"] += 1
            stop_reason = None
            if state["wait"] >= config.patience:
                stop_reason = f"no better validation loss for {config.patience} epochs"
            elif config.max_minutes and state["seconds"] >= config.max_minutes * 60:
                stop_reason = f"time limit of {config.max_minutes:g} min reached"
            state["stop_reason"] = stop_reason or ("epochs done" if epoch + 1 >= config.epochs else None)
            save_checkpoint(folder, self.model, state, best=improved)
            if stop_reason:
                self.model.stop_training = True

    return Checkpoint()


def save_checkpoint(folder: pathlib.Path, model, state: dict, best: bool) -> None:
    """Swap in ``folder/last`` (model + optimizer + state); copy weights to best if ``best``."""
    staging = staging_folder(folder / "last")
    model.save(staging / "model.keras")
    if best:
        model.save_weights(staging / "best.weights.h5")
    elif (folder / "last" / "best.weights.h5").exists():
        (staging / "best.weights.h5").write_bytes((folder / "last" / "best.weights.h5").read_bytes())
    atomic_write_json(staging / "state.json", state)
    replace_folder(staging, folder / "last")


@dataclasses.dataclass
class TrainOutcome:
    """What training produced: the model with the best validation weights, and its record."""

    keras_model: object
    model_config: ModelConfig
    state: dict  # epoch, history, best_epoch, best_val_loss, seconds, stop_reason
    train_targets: int


def train(
    train_songs: list[Melody],
    val_songs: list[Melody],
    vocab: Vocabulary,
    config: TrainConfig,
    checkpoint_dir: str | pathlib.Path,
    model_config: ModelConfig | None = None,
    resume: bool = False,
    verbose: int = 1,
) -> TrainOutcome:
    """Train (or resume) a model; returns it with the best validation weights loaded."""
    import keras

    folder = pathlib.Path(checkpoint_dir)
    model_config = model_config or ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters))
    keras.utils.set_random_seed(config.seed)
    train_batches = make_batches(train_songs, vocab, config.batch_size, config.max_song_steps)
    val_batches = make_batches(val_songs, vocab, config.batch_size, config.max_song_steps)
    last = folder / "last"
    state = {"epoch": 0, "history": [], "best_val_loss": float("inf"), "best_epoch": 0, "wait": 0, "seconds": 0.0}
    strategy = make_strategy(config.strategy)
    with strategy.scope():
        if resume and (last / "state.json").is_file():
            state = json.loads((last / "state.json").read_text())
            model_config = ModelConfig(**state["model_config"])
            model = keras.saving.load_model(last / "model.keras", safe_mode=True)
        else:
            model = build_model(model_config)
            state["model_config"] = dataclasses.asdict(model_config)
    state["seconds_before"] = state.get("seconds", 0.0)
    if state["epoch"] < config.epochs and state["wait"] < config.patience:  # not done, not stopped early
        model.fit(
            to_dataset(train_batches, config.seed),
            validation_data=to_dataset(val_batches, None),
            epochs=config.epochs,
            initial_epoch=state["epoch"],
            steps_per_epoch=len(train_batches),
            validation_steps=len(val_batches),
            shuffle=False,
            callbacks=[_checkpoint_callback(folder, state, config, time.perf_counter())],
            verbose=verbose,
        )
    if (last / "best.weights.h5").is_file():
        model.load_weights(last / "best.weights.h5")
    return TrainOutcome(model, model_config, state, sum(b.n_targets for b in train_batches))
