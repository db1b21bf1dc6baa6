"""Importing a third-party module with what it prints at import time kept off the terminal."""

from __future__ import annotations

import contextlib
import io
import sys


def quiet_import(name: str):
    """Import ``name`` with stdout silenced: pyfluidsynth (imported by pretty_midi too) prints
    where it found libfluidsynth when the environment sets CI, which would land in the output
    of generate.py. Import pretty_midi and fluidsynth through this."""
    import importlib

    if name not in sys.modules:
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    return sys.modules[name]
