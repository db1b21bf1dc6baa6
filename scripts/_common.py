"""Shared bits of the command lines: import path, quiet TensorFlow (for the scripts that train or
evaluate; serving never imports it), clean error exits."""

from __future__ import annotations

import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# NumPy's BLAS on one thread (set before NumPy loads): generation multiplies one or a few rows
# by each weight matrix per step, where a second thread costs more than it gives (a song of
# 16 bars: 110 -> 89 ms wall and 219 -> 89 ms CPU on a 2-core AMD EPYC). TensorFlow does not use it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# oneDNN off by default (quiet start-up; float32 results the same); the training scripts turn
# it on with start_tensorflow(onednn=True), for the bfloat16 matrix units (melody/train/recurrence.py)
ONEDNN_SET_BY_USER = "TF_ENABLE_ONEDNN_OPTS" in os.environ
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def start_tensorflow(onednn: bool = False) -> None:
    """Import TensorFlow now, with ``onednn`` turning its oneDNN kernels on (unless the user
    set TF_ENABLE_ONEDNN_OPTS), and its start-up notices (printed to stderr before its
    logging is set up, whatever TF_CPP_MIN_LOG_LEVEL says) kept off the terminal. Python
    errors still surface (they are raised after stderr is restored); native messages printed
    while it loads are hidden too: ``.venv/bin/python -c "import tensorflow"`` shows them."""
    if onednn and not ONEDNN_SET_BY_USER and "tensorflow" not in sys.modules:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def bar(desc: str, unit: str):
    """A progress callable for the package's loops (``progress=``): a tqdm bar over the items
    that is gone once they are done."""
    from tqdm import tqdm

    return lambda items: tqdm(items, desc=desc, unit=unit, leave=False)


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` to stderr and exit non-zero (no traceback)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def run_main(main) -> None:
    """Run ``main()``, turning the project's own errors into one-line messages."""
    from melody.core.errors import UserError

    try:
        main()
    except UserError as error:
        fail(str(error))
    except (OSError, json.JSONDecodeError) as error:  # unreadable or unwritable files
        fail(f"{type(error).__name__}: {error}")
    except ModuleNotFoundError as error:
        if error.name not in ("tensorflow", "keras"):
            raise
        fail(
            f"this command needs {error.name}, which `make app` does not install (serving runs without it); "
            "install the training stack with: make train-venv"
        )
    except KeyboardInterrupt:
        fail("interrupted; outputs written so far are complete (files are written atomically)", 130)
