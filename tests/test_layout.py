"""The house rules of `melody/` (README "Layout"): stages import only down the flow, nothing in
the package imports Streamlit, and only the training stage imports TensorFlow or Keras."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

# the flow, lowest first; a stage may import its own modules and any stage before it
STAGES = ("core", "songs", "net", "generate", "chords", "output")
TOP = ("train", "studio")  # both sit on all of the above; neither imports the other
PACKAGE = ROOT / "melody"


def _rank(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def _imports(path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, function-local ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "melody":  # from melody import core, songs ...
                found += [(node.lineno, f"melody.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module if node.level == 0 else f".{node.module}"))
    return found


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_sits_in_a_stage():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside a stage: {loose}"
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert stages == set(STAGES + TOP)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_point_down_the_flow(path):
    stage = path.relative_to(PACKAGE).parts[0]
    wrong = []
    for line, module in _imports(path):
        parts = module.split(".")
        if module.startswith("."):
            wrong.append(f"line {line}: relative import {module} (write melody.<stage>.<module>)")
        elif parts[0] == "melody" and len(parts) > 1:
            target = parts[1]
            if stage in TOP and target in TOP and target != stage:
                wrong.append(f"line {line}: {stage} imports {module} ({stage} and {target} are siblings)")
            elif _rank(target) > _rank(stage) and target != stage:
                wrong.append(f"line {line}: {stage} imports {module}, a later stage")
        elif parts[0] == "streamlit":
            wrong.append(f"line {line}: imports Streamlit (the package is UI-free)")
        elif parts[0] in ("tensorflow", "keras") and stage != "train":
            wrong.append(f"line {line}: imports {parts[0]} outside melody/train")
        elif parts[0] in ("devtools", "scripts", "tests", "app", "studio"):
            wrong.append(f"line {line}: imports {module}, outside the package")
    assert not wrong, "\n".join(wrong)
