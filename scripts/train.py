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

import _common  # import path, quiet TensorFlow

from melody.net.folder import ModelConfig, load_model_folder
from melody.net.vocabulary import Vocabulary
from melody.train.dataset import load_melodies, load_split
from melody.train.training import PRECISIONS, TrainConfig

TRAIN_FLAGS = {  # TrainConfig fields set from the command line
    "epochs": "most epochs",
    "batch_size": "parallel rows of songs per update",
    "chunk": "steps per update; the LSTM state carries on between chunks of a song",
    "patience": "stop after this many epochs without a better validation loss",
    "lr_patience": "halve the learning rate after this many epochs without a better validation loss",
    "max_minutes": "stop after the epoch that passes this wall time (0: no limit)",
    "seed": "random seed",
    "lanes": "groups of rows whose LSTM recurrences run concurrently (same result, faster on 2+ cores)",
    "told_share": "share of songs told how far their end is, with --to-go-bars (the rest untold)",
}
MODEL_FLAGS = {  # ModelConfig fields set from the command line
    "units": "LSTM units",
    "layers": "stacked LSTM layers",
    "symbol_dim": "size of the learned symbol embedding; 0: one-hot input",
    "position_dim": "size of the bar-position embedding; 0: the model is not told where the bar is",
    "meter_dim": "size of the meter embedding; 0: the model is not told the meter",
    "to_go_bars": "tell the model how many bars are left before the end, up to this many; 0: not told",
    "style_dim": "size of the style (tradition) embedding, for data of several traditions",
    "lookback": "1: also tell the model the symbols 1 and 2 bars back and whether the last bar repeated; 0: not",
    "dropout": "dropout after each LSTM",
    "learning_rate": "Adam's starting learning rate",
    "clipnorm": "clip gradients to this norm (0: no clipping)",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data", help="dataset folder from preprocess.py (default: data)")
    parser.add_argument("--out", default="models/essen-lstm", help="model folder to write (default: %(default)s)")
    parser.add_argument("--checkpoints", help="checkpoint folder (default: .cache/checkpoints/<model name>)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="carry on from the last checkpoint (its model settings win over the flags)",
    )
    for flags, defaults in ((TRAIN_FLAGS, TrainConfig()), (MODEL_FLAGS, ModelConfig(vocab_size=0))):
        for name, text in flags.items():
            default = getattr(defaults, name)
            option = "--" + name.replace("_", "-")
            parser.add_argument(option, type=type(default), default=default, help=f"{text} (default: %(default)s)")
    parser.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        default="default",
        help="tf.distribute strategy: one device, all local GPUs, or several machines via TF_CONFIG",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="dtype of the LSTM's matrix products in training; state and weights stay float32 "
        "(auto: bfloat16 on CPUs with AMX / AVX-512 BF16 and no GPU, else float32)",
    )
    parser.add_argument(
        "--start-from",
        metavar="MODEL_DIR",
        help="start from a trained model's weights (e.g. a style model from models/essen-lstm): shared symbols, "
        "meters and layers keep what it learned; new inputs start at zero",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress bars")
    return parser.parse_args()


def main() -> None:
    from melody.train.training import train

    args = parse_args()
    _common.start_tensorflow(onednn=True)  # bfloat16 products on the CPU's matrix units
    out = pathlib.Path(args.out)
    checkpoints = pathlib.Path(args.checkpoints or f".cache/checkpoints/{out.name}")
    melodies = load_melodies(args.data)
    vocab = Vocabulary.load(args.data)
    splits = {name: load_split(args.data, name, melodies) for name in ("train", "validation", "test")}
    config = TrainConfig(
        strategy=args.strategy, precision=args.precision, **{name: getattr(args, name) for name in TRAIN_FLAGS}
    )
    model_config = ModelConfig(
        vocab_size=len(vocab),
        n_meters=len(vocab.meters),
        n_styles=len(vocab.styles),
        **{name: getattr(args, name) for name in MODEL_FLAGS},
    )
    if vocab.styles and not model_config.style_dim:
        _common.fail(
            f"{args.data} holds songs of {len(vocab.styles)} styles: give --style-dim (e.g. 8) to tell the model"
        )
    start = load_model_folder(args.start_from) if args.start_from else None
    outcome = train(
        splits["train"],
        splits["validation"],
        vocab,
        config,
        checkpoints,
        model_config,
        resume=args.resume,
        verbose=0 if args.quiet else 1,
        start_from=start,
    )
    from melody.train.card import finish_model_folder

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
