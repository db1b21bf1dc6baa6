"""Many-to-many training with the LSTM state carried from chunk to chunk.

Songs are laid back to back in 64 parallel rows (`melody.train.batching.make_streams`) and read
in chunks of 64 steps; every step is a target. The state at the end of a chunk starts the
next chunk of the same row, and is zeroed at the step where a new song starts (also inside
a chunk), so the model learns each song from its start with a fresh state, exactly as it is
scored and used. Backpropagation is truncated at chunk boundaries. The step runs the Keras
model's variables through `melody.train.recurrence.TrainingNetwork` (the same arithmetic, laid
out for speed; bfloat16 matrix products on CPUs with AMX, see ``TrainConfig.precision``).

Adam starts at the configured rate (1e-3) with gradients clipped to norm 1, and the rate
is halved after ``lr_patience`` epochs without a better validation loss. Each epoch ends
with the validation NLL per step (whole songs, fresh state) and a checkpoint (model,
optimizer, history, early-stopping counters), written by swapping a fully written folder
into place; ``resume=True`` carries on from it. The step runs inside a ``tf.distribute``
strategy: rows are split across replicas and each replica keeps the state of its own rows.

    >>> config = TrainConfig(epochs=30, patience=3)                                 # doctest: +SKIP
    >>> outcome = train(train_songs, val_songs, vocab, config, "checkpoints/run")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import shutil
import time

import numpy as np

from melody.core.errors import UserError
from melody.core.melody import Melody
from melody.core.storage import atomic_write_json, recover_folder, replace_folder, staging_folder
from melody.net.folder import LoadedModel, ModelConfig, input_names
from melody.net.vocabulary import Vocabulary
from melody.train.batching import make_streams
from melody.train.keras_model import build_model, build_training_model, copy_weights, warm_start

PRECISIONS = ("auto", "float32", "bfloat16")


class TrainingError(UserError, RuntimeError):
    """Training cannot go on as asked (e.g. resuming a checkpoint of another vocabulary)."""


@dataclasses.dataclass
class TrainConfig:
    """Training settings (command-line flags of scripts/train.py)."""

    epochs: int = 40  # upper bound; early stopping usually ends sooner
    batch_size: int = 64  # parallel rows (songs in flight) per update
    chunk: int = 64  # steps per update; the state carries over between chunks of a song
    patience: int = 6  # epochs without a better validation loss before stopping
    lr_patience: int = 2  # epochs without a better validation loss before the learning rate is halved
    max_minutes: float = 0.0  # stop after the epoch that passes this wall time (0: no limit)
    max_song_steps: int = 1024  # longer songs are cut (a handful in Essen)
    seed: int = 1  # song order and initialisation
    strategy: str = "default"  # default | mirrored (all local GPUs) | multiworker (TF_CONFIG)
    precision: str = "auto"  # the LSTM's matrix products: auto | float32 | bfloat16 (state, weights stay float32)
    lanes: int = 2  # groups of rows whose recurrences run concurrently (same arithmetic)
    told_share: float = 0.75  # songs told how far their end is, for a model with to_go_bars (the rest: untold)

    def check(self) -> None:
        """Raise TrainingError for settings that cannot work."""
        for name in ("epochs", "batch_size", "chunk", "patience", "lr_patience", "max_song_steps", "lanes"):
            if getattr(self, name) < 1:
                raise TrainingError(f"{name.replace('_', '-')} must be at least 1, not {getattr(self, name)}")
        if not 0 <= self.told_share <= 1:
            raise TrainingError(f"told-share must be from 0 to 1 (a share of the songs), not {self.told_share}")
        if self.max_minutes < 0:
            raise TrainingError(f"max-minutes must be 0 (no limit) or more, not {self.max_minutes}")
        if self.precision not in PRECISIONS:
            raise TrainingError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")

    def matmul_dtype(self) -> str:
        """The dtype of the LSTM's matrix products: ``precision``, or for ``auto`` bfloat16
        where the CPU has bfloat16 matrix units (and no GPU is used), else float32."""
        from melody.train.recurrence import default_matmul_dtype

        return default_matmul_dtype() if self.precision == "auto" else self.precision


@dataclasses.dataclass
class TrainOutcome:
    """What training produced: the model with the best validation weights, and its record."""

    keras_model: object  # the inference model (no state inputs)
    model_config: ModelConfig
    state: dict  # epoch, history, best_epoch, best_val_loss, seconds, stop_reason
    train_targets: int  # per epoch


def make_strategy(name: str):
    """The tf.distribute strategy: one device, all local GPUs, or several machines."""
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG
    if name != "default":
        raise TrainingError(f"unknown strategy {name!r}: use default, mirrored or multiworker")
    return tf.distribute.get_strategy()


class ChunkTrainer:
    """One optimisation step per chunk, run on every replica of ``strategy``, through
    `melody.train.recurrence.TrainingNetwork` on the model's variables."""

    def __init__(self, model, strategy, config: ModelConfig, matmul_dtype: str = "float32", lanes: int = 2):
        import tensorflow as tf

        from melody.train.recurrence import TrainingNetwork

        self.model, self.strategy, self.config = model, strategy, config
        self.replicas = strategy.num_replicas_in_sync
        if not model.optimizer.built:  # slots made here, in the strategy's scope, not inside a replica
            with strategy.scope():
                model.optimizer.build(model.trainable_variables)
        network = TrainingNetwork(model, config, matmul_dtype, lanes)
        self.input_names = input_names(config)

        def replica_step(inputs, targets, weights, keep, total, states):
            # (rows, steps) -> time-major (steps, rows)
            inputs = [tf.transpose(a) for a in inputs]
            targets, weights, keep = (tf.transpose(a) for a in (targets, weights, keep))
            with tf.GradientTape() as tape:
                logits, new_states = network(inputs, keep, states, training=True)
                nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
                loss = tf.reduce_sum(nll * weights) / total  # share of the global mean NLL per target
            gradients = tape.gradient(loss, model.trainable_variables)  # this replica's share
            gradients = [tf.convert_to_tensor(g) for g in gradients]  # embeddings give IndexedSlices
            # Sum the shares first, then clip each tensor to config.clipnorm (as Keras' clipnorm
            # does on one device), then hand each replica 1/N of it: the optimizer sums the
            # replicas again, so the update is the clipped total whatever the number of devices.
            gradients = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, gradients)
            if config.clipnorm:
                gradients = [tf.clip_by_norm(g, config.clipnorm) for g in gradients]
            gradients = [g / self.replicas for g in gradients]
            model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            return loss, new_states

        @tf.function
        def step(inputs, targets, weights, keep, total, states):
            losses, new_states = strategy.run(replica_step, args=(inputs, targets, weights, keep, total, states))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None), new_states

        self._step = step

    def _split(self, array: np.ndarray):
        """Rows of ``array`` shared out to the replicas (contiguous blocks)."""
        parts = np.array_split(array, self.replicas)
        return self.strategy.experimental_distribute_values_from_function(
            lambda ctx: parts[ctx.replica_id_in_sync_group]
        )

    def epoch(self, streams, progress=None, chunks: range | None = None) -> float:
        """One pass over the streams (or over ``chunks`` of them, e.g. for timing); returns
        the mean NLL per target (nats)."""
        rows = streams.symbols.shape[1]
        zeros = np.zeros((rows, self.config.units), np.float32)
        states = [self._split(zeros) for _ in range(2 * self.config.layers)]
        total_loss, total_targets = 0.0, 0
        chunks = chunks if chunks is not None else range(len(streams))
        for k in progress(chunks) if progress else chunks:
            count = float(streams.weights[k].sum())
            if count == 0:
                continue
            inputs = [self._split(getattr(streams, name)[k]) for name in self.input_names]
            loss, states = self._step(
                inputs,
                self._split(streams.targets[k]),
                self._split(streams.weights[k]),
                self._split(1.0 - streams.resets[k]),  # 0 where a row's state is zeroed
                np.float32(count),
                states,
            )
            total_loss += float(loss) * count
            total_targets += count
        return total_loss / max(total_targets, 1)


def validation_loss(train_model, inference_model, config: ModelConfig, vocab: Vocabulary, songs: list[Melody]) -> dict:
    """NLL per step of whole validation songs (fresh state each), with the current weights."""
    from melody.net.folder import LoadedModel
    from melody.train.evaluation import score_model

    copy_weights(train_model, inference_model)
    return score_model(LoadedModel(pathlib.Path("."), inference_model, config, vocab, {}), songs)


def save_checkpoint(folder: pathlib.Path, model, state: dict, best: bool) -> None:
    """Swap in ``folder/last`` (model + optimizer + state); keep the best weights beside it."""
    staging = staging_folder(folder / "last")
    model.save(staging / "model.keras")
    previous_best = folder / "last" / "best.weights.h5"
    if best:
        model.save_weights(staging / "best.weights.h5")
    elif previous_best.exists():
        (staging / "best.weights.h5").write_bytes(previous_best.read_bytes())
    atomic_write_json(staging / "state.json", state)
    replace_folder(staging, folder / "last")


def _record_epoch(state: dict, config: TrainConfig, train_loss: float, figures: dict, seconds: float) -> bool:
    """Add an epoch to ``state``; returns whether it is the best so far."""
    val_loss = figures["nll_per_step"]
    epoch = state["epoch"] + 1
    state["history"].append(
        {
            "epoch": epoch,
            "loss": train_loss,
            "val_loss": val_loss,
            "val_accuracy": figures["accuracy"],
            "learning_rate": state["learning_rate"],
        }
    )
    state["epoch"], state["seconds"] = epoch, seconds
    improved = val_loss < state["best_val_loss"] - 1e-4
    if improved:
        state["best_val_loss"], state["best_epoch"], state["wait"] = val_loss, epoch, 0
    else:
        state["wait"] += 1
    if state["wait"] and state["wait"] % config.lr_patience == 0:
        state["learning_rate"] = state["learning_rate"] * 0.5
    state["stop_reason"] = None
    if state["wait"] >= config.patience:
        state["stop_reason"] = f"no better validation loss for {config.patience} epochs"
    elif config.max_minutes and seconds >= config.max_minutes * 60:
        state["stop_reason"] = f"time limit of {config.max_minutes:g} min reached"
    elif epoch >= config.epochs:
        state["stop_reason"] = "all epochs done"
    return improved


def train(
    train_songs: list[Melody],
    val_songs: list[Melody],
    vocab: Vocabulary,
    config: TrainConfig,
    checkpoint_dir: str | pathlib.Path,
    model_config: ModelConfig | None = None,
    resume: bool = False,
    verbose: int = 1,
    start_from: LoadedModel | None = None,
) -> TrainOutcome:
    """Train (or resume) a model; returns it with the best validation weights loaded.
    ``start_from``: a trained model whose weights a fresh run starts from (`warm_start`)."""
    import keras
    from tqdm import tqdm

    config.check()
    folder, last = pathlib.Path(checkpoint_dir), pathlib.Path(checkpoint_dir) / "last"
    keras.utils.set_random_seed(config.seed)
    state = {"epoch": 0, "history": [], "best_val_loss": float("inf"), "best_epoch": 0, "wait": 0, "seconds": 0.0}
    strategy = make_strategy(config.strategy)
    recover_folder(last)
    if not resume and last.exists():
        shutil.rmtree(last)  # a fresh run must not pick up another run's best weights
    with strategy.scope():
        if resume and (last / "state.json").is_file():
            state = json.loads((last / "state.json").read_text())
            model_config = ModelConfig(**state["model_config"])
            if (model_config.vocab_size, model_config.n_meters) != (len(vocab), len(vocab.meters)):
                raise TrainingError(
                    f"the checkpoint in {last} was trained on another vocabulary "
                    f"({model_config.vocab_size} symbols, {model_config.n_meters} meters; the data has "
                    f"{len(vocab)} and {len(vocab.meters)}): train afresh without --resume"
                )
            model = keras.saving.load_model(last / "model.keras", safe_mode=True)
        else:
            model_config = model_config or ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters))
            model = build_training_model(model_config)
            if start_from is not None:
                state["started_from"] = {"model": start_from.name, "layers": warm_start(model, start_from, vocab)}
            state["model_config"] = dataclasses.asdict(model_config)
            state["learning_rate"] = model_config.learning_rate
        state["matmul_dtype"] = config.matmul_dtype()
        trainer = ChunkTrainer(model, strategy, model_config, state["matmul_dtype"], config.lanes)
    inference = build_model(model_config)
    started, seconds_before = time.perf_counter(), state["seconds"]
    train_targets = 0
    while state["epoch"] < config.epochs and state["wait"] < config.patience and not _over_time(state, config):
        streams = make_streams(
            train_songs,
            vocab,
            config.batch_size,
            config.chunk,
            seed=config.seed * 1000 + state["epoch"],
            max_steps=config.max_song_steps,
            to_go_bars=model_config.to_go_bars,
            told_share=config.told_share,
        )
        train_targets = streams.n_targets
        bar = (lambda it: tqdm(it, desc=f"epoch {state['epoch'] + 1}", unit="chunk", leave=False)) if verbose else None
        model.optimizer.learning_rate.assign(state["learning_rate"])
        train_loss = trainer.epoch(streams, bar)
        figures = validation_loss(model, inference, model_config, vocab, val_songs)
        improved = _record_epoch(state, config, train_loss, figures, seconds_before + time.perf_counter() - started)
        save_checkpoint(folder, model, state, best=improved)
        if verbose:
            print(
                f"epoch {state['epoch']}: loss {train_loss:.4f}, validation NLL/step {figures['nll_per_step']:.4f}"
                f"{' (best)' if improved else ''}, {state['seconds'] / 60:.1f} min"
            )
    if (last / "best.weights.h5").is_file():
        model.load_weights(last / "best.weights.h5")
    copy_weights(model, inference)
    if not train_targets:
        train_targets = make_streams(
            train_songs, vocab, config.batch_size, config.chunk, max_steps=config.max_song_steps
        ).n_targets
    return TrainOutcome(inference, model_config, state, train_targets)


def _over_time(state: dict, config: TrainConfig) -> bool:
    """True once the accumulated training time has passed ``config.max_minutes``."""
    return bool(config.max_minutes) and state["seconds"] >= config.max_minutes * 60
