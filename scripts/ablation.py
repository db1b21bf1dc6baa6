#!/usr/bin/env python3
"""Compare model variants on the same data and budget: validation NLL per step and speed.

Each variant trains for the same number of epochs from the same seed on the same songs;
the table shows validation NLL/step (each song from a fresh state, as evaluate.py scores)
and training targets per second. Used to choose the input encoding (embedding vs one-hot).

Example:
    .venv/bin/python scripts/ablation.py --epochs 3 --songs 1500 embedding=64 one-hot=0
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import _common  # import path, quiet TensorFlow


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="+", help="NAME=SYMBOL_DIM pairs; SYMBOL_DIM 0 is one-hot input")
    parser.add_argument("--data", default="data", help="dataset folder (default: data)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per variant (default: %(default)s)")
    parser.add_argument("--songs", type=int, default=0, help="use only the first N training songs (default: all)")
    parser.add_argument("--batch-size", type=int, default=64, help="parallel rows per update (default: %(default)s)")
    return parser.parse_args()


def main() -> None:
    from melody.net.folder import LoadedModel, ModelConfig
    from melody.net.vocabulary import Vocabulary
    from melody.train.dataset import load_melodies, load_split
    from melody.train.evaluation import score_model
    from melody.train.training import TrainConfig, train

    args = parse_args()
    _common.start_tensorflow(onednn=True)  # bfloat16 products on the CPU's matrix units
    melodies = load_melodies(args.data)
    vocab = Vocabulary.load(args.data)
    train_songs = load_split(args.data, "train", melodies)[: args.songs or None]
    val_songs = load_split(args.data, "validation", melodies)
    rows = []
    for variant in args.variants:
        name, _, dim = variant.partition("=")
        config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), symbol_dim=int(dim or 64), dropout=0.2)
        settings = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, patience=args.epochs + 1)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            outcome = train(train_songs, val_songs, vocab, settings, folder, config, verbose=0)
        seconds = time.perf_counter() - started
        figures = score_model(LoadedModel(None, outcome.keras_model, config, vocab, {}), val_songs)
        rows.append(
            {
                "variant": name,
                "symbol_dim": config.symbol_dim,
                "parameters": int(outcome.keras_model.count_params()),
                "val_nll_per_step": round(figures["nll_per_step"], 4),
                "val_pitch_bits_per_note": round(figures["pitch_bits_per_note"], 4),
                "train_targets_per_s": round(outcome.train_targets * args.epochs / seconds),
            }
        )
        row = rows[-1]
        print(
            f"{name:<12} val NLL/step {row['val_nll_per_step']:.4f}  pitch bits {row['val_pitch_bits_per_note']:.4f}  "
            f"{row['train_targets_per_s']:,} targets/s  {row['parameters']:,} parameters"
        )
    print(json.dumps({"epochs": args.epochs, "train_songs": len(train_songs), "rows": rows}))


if __name__ == "__main__":
    _common.run_main(main)
