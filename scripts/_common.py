"""Shared bits of the command lines: import path, quiet TensorFlow, clean error exits."""

from __future__ import annotations

import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` to stderr and exit non-zero (no traceback)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def run_main(main) -> None:
    """Run ``main()``, turning the project's own errors into one-line messages."""
    from melody.errors import USER_ERRORS

    try:
        main()
    except USER_ERRORS as error:
        fail(str(error))
    except (OSError, json.JSONDecodeError) as error:  # unreadable or unwritable files
        fail(f"{type(error).__name__}: {error}")
    except KeyboardInterrupt:
        fail("interrupted; outputs written so far are complete (files are written atomically)", 130)
