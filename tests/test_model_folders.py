"""Broken model folders: each is refused when it is loaded, with a ModelFolderError that names
the file, the field, what was found and what was expected, and says how to train a new model
(so no broken folder reaches the sampler as a TypeError, IndexError or the like).

Every case copies the shipped folder, breaks one thing and loads it. Every case id here is
listed, with its message, in docs/bad-inputs.md.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT, SHIPPED_MODEL

from melody.net.folder import TRAIN_HINT, ModelFolderError, check_model_folder, load_model_folder

MODEL_FILES = ("model.keras", "config.json", "mapping.json", "meters.json")


def _model_copy(tmp_path, change):
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    for name in MODEL_FILES:
        (folder / name).write_bytes((SHIPPED_MODEL / name).read_bytes())
    change(folder)
    return folder


def _write(name, value):
    """Replace a JSON file of the folder with ``value``."""
    return lambda folder: (folder / name).write_text(json.dumps(value))


def _edit(name, edit):
    """Change a JSON file of the folder in place: ``edit(value)`` changes it or returns the new value."""

    def change(folder):
        value = json.loads((folder / name).read_text())
        changed = edit(value)
        (folder / name).write_text(json.dumps(value if changed is None else changed))

    return change


def _config(**fields):
    return _edit("config.json", lambda config: config.update(fields))


def _rename(old, new):
    """mapping.json with symbol ``old`` renamed ``new`` (same id)."""
    return _edit("mapping.json", lambda mapping: {new if s == old else s: i for s, i in mapping.items()})


def _both(*changes):
    return lambda folder: [change(folder) for change in changes]


def _network(folder, layers=2, outputs=45):
    """Save a network like the shipped one (45 symbols, 13 meters, 256 units) but with
    ``layers`` LSTM layers and ``outputs`` output symbols as the folder's model.keras."""
    import keras

    inputs = [keras.Input((None,), dtype="int32", name=n) for n in ("symbols", "positions", "meters")]
    tables = [("symbol_embedding", 45, 64), ("position_embedding", 864, 16), ("meter_embedding", 13, 8)]
    embedded = [keras.layers.Embedding(rows, dim, name=name)(x) for x, (name, rows, dim) in zip(inputs, tables)]
    x = keras.layers.Concatenate(name="step_features")(embedded)
    for index in range(layers):
        x = keras.layers.LSTM(256, return_sequences=True, name=f"lstm_{index}")(x)
    x = keras.layers.Dense(outputs, activation="softmax", name="next_symbol")(x)
    keras.Model(inputs, x).save(folder / "model.keras")
    _config(lookback=0)(folder)  # a network without the lookback inputs (the shipped one has them)


MODEL_FOLDER_CASES = {  # id -> (change to a copy of the shipped folder, message fragment)
    # config.json: the schema
    "model-config-list": (_write("config.json", [1, 2]), "config.json: expected a JSON object of model settings"),
    "model-config-null": (_write("config.json", None), "found null"),
    "model-config-no-vocab-size": (
        _edit("config.json", lambda config: {k: v for k, v in config.items() if k != "vocab_size"}),
        "config.json: vocab_size is missing",
    ),
    "model-config-layers-0": (_config(layers=0), "config.json: layers is 0, expected a whole number >= 1"),
    "model-config-units-string": (_config(units="256"), "config.json: units is '256', expected a whole number >= 1"),
    "model-config-negative-dim": (
        _config(symbol_dim=-8),
        "config.json: symbol_dim is -8, expected a whole number >= 0",
    ),
    "model-config-dropout-2": (_config(dropout=2), "config.json: dropout is 2, expected a number from 0 up to"),
    "model-config-few-positions": (_config(n_positions=16), "n_positions is 16, expected a whole number >= 48"),
    "model-config-to-go-without-rows": (
        _config(to_go_bars=16, n_positions=100),
        "n_positions is 100, but to_go_bars 16 needs 864 rows",
    ),
    "model-config-vocab-size-mismatch": (
        _config(vocab_size=46),
        "mapping.json has 45 symbols, config.json vocab_size says 46",
    ),
    # config.json against the network's weights
    "model-config-layers-2": (_config(layers=3), "model.keras has no layer 'lstm_2', but config.json layers is 3"),
    "model-config-units-wrong": (_config(units=128), "layer 'lstm_0' has 256 units, but config.json units is 128"),
    "model-config-symbol-dim-wrong": (
        _config(symbol_dim=32),
        "layer 'symbol_embedding' has 64 columns, but config.json symbol_dim is 32",
    ),
    "model-config-positions-wrong": (
        _config(n_positions=900),
        "layer 'position_embedding' has 864 rows, but config.json n_positions is 900",
    ),
    "model-config-meters-wrong": (
        _config(n_meters=20),
        "layer 'meter_embedding' has 13 rows, but config.json n_meters is 20",
    ),
    "model-extra-symbol": (
        _both(_edit("mapping.json", lambda mapping: mapping.update({"90": 45})), _config(vocab_size=46)),
        "layer 'symbol_embedding' has 45 rows, but config.json vocab_size is 46",
    ),
    "model-extra-lstm-layer": (
        lambda folder: _network(folder, layers=3),
        "has a layer 'lstm_2', more LSTM layers than config.json layers (2)",
    ),
    "model-output-width": (
        lambda folder: _network(folder, outputs=44),
        "layer 'next_symbol' has 44 outputs, but config.json vocab_size is 45",
    ),
    # mapping.json
    "model-mapping-list": (_write("mapping.json", ["/", "_", "r", "60"]), "mapping.json: expected a JSON object"),
    "model-mapping-no-pitches": (
        _write("mapping.json", {"/": 0, "_": 1, "r": 2}),
        "mapping.json: has no pitch symbols",
    ),
    "model-mapping-id-beyond-output": (
        _write("mapping.json", {"/": 0, "_": 1, "r": 2, "60": 99}),
        "mapping.json: the id of '60' is 99, expected ids 0..3 (4 symbols), each once",
    ),
    "model-mapping-duplicate-ids": (
        _edit("mapping.json", lambda mapping: mapping.update({"89": 43})),
        "mapping.json: id 43 is given to both '88' and '89'",
    ),
    "model-mapping-string-id": (
        _edit("mapping.json", lambda mapping: mapping.update({"60": "15"})),
        "mapping.json: the id of '60' is '15', expected a whole number",
    ),
    "model-mapping-note-name": (_rename("60", "C4"), "symbol 'C4' is neither a MIDI number 0-127"),
    "model-mapping-pitch-128": (_rename("89", "128"), "symbol '128' is neither a MIDI number 0-127"),
    "model-mapping-no-end": (
        _edit("mapping.json", lambda mapping: {s: i for s, i in mapping.items() if s != "/"}),
        "mapping.json: lacks the symbol(s) '/' (end)",
    ),
    "model-mapping-no-rest": (
        _edit("mapping.json", lambda mapping: {"/": 0, "_": 1, **{str(p): p - 46 for p in range(48, 91)}}),
        "mapping.json: lacks the symbol(s) 'r' (rest)",
    ),
    # meters.json
    "model-meters-object": (
        _write("meters.json", {"other": 0, "4/4": 1}),
        "meters.json: expected a JSON list of meters",
    ),
    "model-meters-no-other": (_edit("meters.json", lambda meters: meters[1:]), "found a list starting with '2/2'"),
    "model-meters-not-a-meter": (
        _edit("meters.json", lambda meters: meters.__setitem__(5, "waltz")),
        "meters.json: entry 6, 'waltz', is not a meter",
    ),
    "model-meters-too-many": (
        _edit("meters.json", lambda meters: meters.append("5/4")),
        "meters.json lists 14 meters, more than config.json n_meters (13",
    ),
}

CLI_CASES = ("model-config-null", "model-config-layers-2", "model-mapping-id-beyond-output", "model-meters-too-many")


@pytest.mark.subprocess
@pytest.mark.shipped_model
@pytest.mark.parametrize("case", sorted(MODEL_FOLDER_CASES))
def test_a_broken_model_folder_is_refused_with_what_is_wrong(case, tmp_path):
    change, fragment = MODEL_FOLDER_CASES[case]
    folder = _model_copy(tmp_path, change)
    with pytest.raises(ModelFolderError) as caught:
        load_model_folder(folder)
    message = str(caught.value)
    assert fragment in message and message.endswith(TRAIN_HINT), message
    assert str(folder) in message and "\n" not in message
    if case in CLI_CASES:  # the command line says the same, in one line
        command = [sys.executable, str(ROOT / "scripts" / "generate.py"), "--model", str(folder), "--steps", "8"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().count("\n") == 0 and fragment in done.stderr, done.stderr


@pytest.mark.shipped_model
def test_the_json_checks_need_no_network(tmp_path):
    """check_model_folder (scripts/evaluate.py's fail-fast check) finds the JSON problems alone."""
    for case in ("model-config-null", "model-mapping-no-pitches", "model-meters-not-a-meter"):
        change, fragment = MODEL_FOLDER_CASES[case]
        with pytest.raises(ModelFolderError, match=re.escape(fragment)):
            check_model_folder(_model_copy(tmp_path / case, change))


@pytest.mark.shipped_model
def test_the_shipped_models_pass_the_checks():
    for name in ("essen-lstm", "essen-lstm-meter-blind"):
        config, vocab = check_model_folder(ROOT / "models" / name)
        assert len(vocab) == config.vocab_size == 45 and vocab.meters[0] == "other"
    loaded = load_model_folder(ROOT / "models" / "essen-lstm-meter-blind")
    assert loaded.config.position_dim == 0 and loaded.vocab.pitch_range == (48, 89)


@pytest.mark.shipped_model
def test_what_the_format_allows_still_loads(tmp_path):
    """ids in any order in the file, a folder without meters.json, extra config fields."""

    def change(folder):
        _edit("mapping.json", lambda mapping: dict(reversed(list(mapping.items()))))(folder)
        (folder / "meters.json").unlink()
        _config(comment="trained on Essen", clipnorm=None)(folder)

    config, vocab = check_model_folder(_model_copy(tmp_path, change))
    assert vocab.symbols[:4] == ("/", "_", "r", "48") and vocab.meters == ("other",) and config.clipnorm is None


def test_tiny_models_are_what_the_maker_writes(tiny_corpus):
    """The committed tiny models (tests/data, loaded by most tests without TensorFlow) hold the
    config and vocabulary that tests/data/make_tiny_models.py gives them today from the tiny
    corpus, and every layer the config asks for; after a change to either, run the maker."""
    from conftest import DATA, TINY_MODELS

    from melody.net.folder import ModelConfig, check_model_folder, load_model_folder
    from melody.net.vocabulary import Vocabulary

    vocab = Vocabulary.from_melodies(tiny_corpus.melodies)
    for name, options in TINY_MODELS.items():
        config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), **options)
        assert check_model_folder(DATA / name) == (config, vocab), f"run tests/data/make_tiny_models.py ({name})"
        assert load_model_folder(DATA / name).weights  # the weights match the config (checked when read)
