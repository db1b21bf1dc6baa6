#!/usr/bin/env python3
"""Train the LSTM on a preprocessed dataset and write a model folder with its card.

Every step of every training song is a target (many-to-many). Each epoch is checkpointed;
``--resume`` carries on after an interruption. At the end the folder gets the model with
the best validation loss, its config and vocabulary, held-out figures next to a
Kneser-Ney 5-gram, ``card.json``, ``card.md`` and ``loss.png``.

Example:
    .venv/bin/python scripts/preprocess.py
    .venv/bin/python scripts/train.py --out models/essen-lstm --max-minutes 20
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib

import _common  # noqa: F401  (import path, quiet TensorFlow)

from melody.dataset import load_melodies, load_split
from melody.encoding import Vocabulary
from melody.model import ModelConfig
from melody.training import TrainConfig


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data", help="dataset folder from preprocess.py (default: data)")
    parser.add_argument("--out", default="models/essen-lstm", help="model folder to write (default: models/essen-lstm)")
    parser.add_argument(
        "--checkpoints", default=None, help="checkpoint folder (default: .cache/checkpoints/<model name>)"
    )
    parser.add_argument("--resume", action="store_true", help="carry on from the last checkpoint")
    defaults_train, defaults_model = TrainConfig(), ModelConfig(vocab_size=0)
    parser.add_argument("--epochs", type=int, default=defaults_train.epochs, help="most epochs (default: %(default)s)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=defaults_train.batch_size,
        help="parallel rows of songs per update (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=defaults_train.chunk,
        help="steps per update; the state carries on (default: %(default)s)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=defaults_train.patience,
        help="early-stopping patience in epochs (default: %(default)s)",
    )
    parser.add_argument(
        "--lr-patience",
        type=int,
        default=defaults_train.lr_patience,
        help="halve the learning rate after this many epochs without a better validation loss (default: %(default)s)",
    )
    parser.add_argument(
        "--max-minutes", type=float, default=0.0, help="stop after the epoch that passes this wall time (default: none)"
    )
    parser.add_argument("--units", type=int, default=defaults_model.units, help="LSTM units (default: %(default)s)")
    parser.add_argument(
        "--symbol-dim",
        type=int,
        default=defaults_model.symbol_dim,
        help="size of the learned symbol embedding; 0: one-hot input (default: %(default)s)",
    )
    parser.add_argument(
        "--layers", type=int, default=defaults_model.layers, help="stacked LSTM layers (default: %(default)s)"
    )
    parser.add_argument(
        "--dropout", type=float, default=defaults_model.dropout, help="dropout after each LSTM (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=defaults_model.learning_rate,
        help="Adam learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        default="default",
        help="tf.distribute strategy: one device, all local GPUs, or several machines via TF_CONFIG",
    )
    parser.add_argument("--seed", type=int, default=defaults_train.seed, help="random seed (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress bars")
    return parser.parse_args()


def main() -> None:
    from melody.training import train

    args = parse_args()
    out = pathlib.Path(args.out)
    checkpoints = pathlib.Path(args.checkpoints or f".cache/checkpoints/{out.name}")
    melodies = load_melodies(args.data)
    vocab = Vocabulary.load(args.data)
    splits = {name: load_split(args.data, name, melodies) for name in ("train", "validation", "test")}
    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        chunk=args.chunk,
        patience=args.patience,
        lr_patience=args.lr_patience,
        max_minutes=args.max_minutes,
        seed=args.seed,
        strategy=args.strategy,
    )
    model_config = ModelConfig(
        vocab_size=len(vocab),
        n_meters=len(vocab.meters),
        units=args.units,
        layers=args.layers,
        symbol_dim=args.symbol_dim,
        dropout=args.dropout,
        learning_rate=args.learning_rate,
    )
    outcome = train(
        splits["train"],
        splits["validation"],
        vocab,
        config,
        checkpoints,
        model_config,
        resume=args.resume,
        verbose=0 if args.quiet else 1,
    )
    from melody.card import finish_model_folder

    card = finish_model_folder(out, outcome, vocab, splits, args.data, dataclasses.asdict(config))
    test, ngram = card["test"]["model"], card["test"]["kn5"]
    print(
        f"trained {outcome.state['epoch']} epochs in {outcome.state['seconds'] / 60:.1f} min "
        f"(best epoch {outcome.state['best_epoch']}, {outcome.state['stop_reason']}); test "
        f"nll/step {test['nll_per_step']:.3f} vs KN-5 {ngram['nll_per_step']:.3f}, pitch bits/note "
        f"{test['pitch_bits_per_note']:.3f} vs {ngram['pitch_bits_per_note']:.3f}; wrote {out}/"
    )


if __name__ == "__main__":
    _common.run_main(main)
