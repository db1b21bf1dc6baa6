"""Write the tiny models the tests load (tests/data/tiny-model, tests/data/tiny-lookback-model):
16-unit networks trained for one epoch on 27 songs of music21's erk5.abc (TensorFlow, about
a minute). Committed, so that most tests load a model in milliseconds without TensorFlow.
Run again after a change to the model folder's format:

    .venv/bin/python tests/data/make_tiny_models.py
"""

import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/: conftest's helpers

from conftest import DATA, TINY_MODELS, read_tiny_corpus, train_tiny_model  # noqa: E402


def main() -> None:
    corpus = read_tiny_corpus()
    for name, options in TINY_MODELS.items():
        with tempfile.TemporaryDirectory() as scratch:
            folder = train_tiny_model(corpus, pathlib.Path(scratch) / name, **options)
            shutil.rmtree(folder / "ckpt", ignore_errors=True)
            shutil.rmtree(DATA / name, ignore_errors=True)
            shutil.copytree(folder, DATA / name)
        print(f"wrote {DATA / name}")


if __name__ == "__main__":
    main()
