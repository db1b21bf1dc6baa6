#!/usr/bin/env python3
"""Models side by side per tradition: each model's held-out figures on the test songs of each
tradition (a dataset of `preprocess.py --style ...`), next to the KN-5 of that tradition's
training songs (issue 25: one model told the style against one model per tradition).

With --card MODEL_DIR the table goes into that model's card (card.json "traditions", and
card.md), with the model that serves each tradition (`melody/songs/traditions.py`).

Prints the table, then one JSON line.

Example:
    .venv/bin/python scripts/traditions_models.py models/traditions-lstm models/essen-lstm \\
        exp/chinese-lstm exp/irish-lstm --data data-traditions --card models/traditions-lstm
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time

import _common


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="model folders to compare")
    parser.add_argument("--data", default="data-traditions", help="dataset of the traditions (default: %(default)s)")
    parser.add_argument("--card", help="put the table into this model folder's card")
    return parser.parse_args()


def main() -> None:
    from melody.net.folder import load_model_folder
    from melody.songs.traditions import TRADITIONS
    from melody.train.card import add_meter_report
    from melody.train.traditions_eval import table_markdown, tradition_table

    args = parse_args()
    _common.start_tensorflow()
    started = time.perf_counter()
    models = {pathlib.Path(folder).name: load_model_folder(folder) for folder in args.models}
    table = tradition_table(models, args.data, progress=lambda line: print(f"scoring {line}", flush=True))
    chosen = {style: TRADITIONS[style].model for style in table if style in TRADITIONS}
    print(table_markdown(table, chosen))
    if args.card:
        add_meter_report(args.card, {"table": table, "serves": chosen}, name="traditions")
    seconds = time.perf_counter() - started
    print(json.dumps({"traditions": table, "serves": chosen, "seconds": round(seconds, 1)}))
    where = f"; wrote the table into {args.card}/card.md" if args.card else ""
    print(f"scored {len(models)} models on {len(table)} traditions in {seconds:.0f} s{where}")


if __name__ == "__main__":
    _common.run_main(main)
