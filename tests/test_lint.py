"""The code stays lint-clean (ruff, configured in pyproject.toml)."""

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.subprocess
def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
