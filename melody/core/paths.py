"""Where the project's folders are: the one place that knows the repository's root."""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]  # melody/core/paths.py -> the repository
MODELS = ROOT / "models"  # trained models that ship
CORPORA = ROOT / "corpora"  # data that ships, each with its licence
ASSETS = ROOT / "assets"
