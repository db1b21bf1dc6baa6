"""A trained melody model's folder: its config, vocabulary, card and weights, read without Keras.

Inputs per step (all int, shape (batch, steps)): the symbol id, the bar position of the
next step, and the song's meter id; a lookback model (``lookback`` = 1, Magenta's Lookback
RNN) also reads the symbols one and two bars before the next step (through the same symbol
embedding) and whether the last bar repeated the one before (`encoding.lookback_ids`).
Each is embedded; the concatenation feeds ``layers`` x LSTM(units) -> Dropout, then
Dense(vocabulary) with softmax.

(The Keras network itself is built in `melody.train.keras_model`.) A model folder holds
everything needed to use it (nanoGPT-style):
``model.keras``, ``config.json``, ``mapping.json``, ``meters.json``, ``card.json``,
``card.md`` and ``loss.png``.

    >>> loaded = load_model_folder("models/essen-lstm")       # doctest: +SKIP
    >>> loaded.vocab.pitch_range                                # doctest: +SKIP
    (55, 88)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import threading

from melody.core.errors import UserError
from melody.core.paths import MODELS
from melody.core.storage import recover_folder
from melody.net.vocabulary import LOOKBACK_FIELDS, MAX_POSITIONS, Vocabulary, position_count

FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
REPEAT_DIM = 4  # embedding of the lookback model's "the last bar repeated the one before" flag
INPUT_TABLES = {  # model input -> the embedding layer that reads it (the lookback symbols share the symbols')
    "symbols": "symbol_embedding",
    "positions": "position_embedding",
    "meters": "meter_embedding",
    "lookback_1": "symbol_embedding",
    "lookback_2": "symbol_embedding",
    "repeated": "repeat_embedding",
    "styles": "style_embedding",
}
TRAIN_HINT = "train one with: .venv/bin/python scripts/preprocess.py && .venv/bin/python scripts/train.py"


class ModelFolderError(UserError, RuntimeError):
    """A model folder is missing, incomplete, corrupt or of another format version."""


@dataclasses.dataclass
class ModelConfig:
    """Constructor arguments of the network (saved as config.json)."""

    vocab_size: int
    n_meters: int = 1
    n_positions: int = MAX_POSITIONS  # rows of the position table (see encoding.position_count)
    to_go_bars: int = 0  # told how many bars are left, up to this many (0: not told; see encoding.position_ids)
    symbol_dim: int = 64  # learned embedding of the symbol; 0: one-hot (the seed report's input)
    position_dim: int = 16  # embedding of the next step's bar position; 0: not told (meter-blind)
    meter_dim: int = 8  # embedding of the meter; 0: not told
    lookback: int = 0  # 1: also told the symbols 1 and 2 bars back and if the last bar repeated (0: not)
    n_styles: int = 0  # traditions a style model is told about (rows of its style table; 0: one tradition)
    style_dim: int = 0  # embedding of the song's tradition, read at every step (0: not told)
    units: int = 256  # LSTM units per layer
    layers: int = 1  # stacked LSTM layers
    dropout: float = 0.2  # after each LSTM layer
    learning_rate: float = 1e-3  # Adam's starting rate (training halves it on plateaus)
    clipnorm: float = 1.0  # gradients rescaled to at most this norm (steadier LSTM training)

    def __post_init__(self) -> None:
        if self.to_go_bars and self.n_positions == MAX_POSITIONS:  # the table grows with what the model is told
            self.n_positions = position_count(self.to_go_bars)


def input_names(config: ModelConfig) -> tuple[str, ...]:
    """The model's inputs in order (each (batch, steps) int32; see `INPUT_TABLES`)."""
    return (
        "symbols",
        "positions",
        "meters",
        *(LOOKBACK_FIELDS if config.lookback else ()),
        *(("styles",) if config.style_dim else ()),
    )


class LoadedModel:
    """A model folder in memory: config, vocabulary, card and every layer's weights as NumPy
    arrays (``weights``: layer name -> arrays, as Keras' ``get_weights``). Serving reads
    only these; the Keras model (`melody.train.keras_model.keras_of`) is built on first use,
    for training and batch evaluation, so that the studio and ``generate.py`` never import
    TensorFlow.

    Made from a folder (`load_model_folder`) or from a Keras model in memory (training,
    tests): ``LoadedModel(folder_or_None, keras_model, config, vocab, card)``."""

    def __init__(self, folder, keras_model, config: ModelConfig, vocab: Vocabulary, card: dict, weights=None):
        if keras_model is None and weights is None:
            raise ValueError("a LoadedModel needs a Keras model or the weights read from its folder")
        self.folder = None if folder is None else pathlib.Path(folder)
        self.config, self.vocab, self.card = config, vocab, card
        self._keras_model, self._weights = keras_model, weights
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.folder.name if self.folder else "in memory"

    @property
    def weights(self) -> dict:
        """Layer name -> list of float32 arrays (from the folder's archive, or the Keras model)."""
        if self._weights is None:
            self._weights = {layer.name: layer.get_weights() for layer in self._keras_model.layers}
        return self._weights

    def keras(self, build):
        """The Keras model, made once by ``build(folder, config)`` when there is none yet
        (thread-safe); `melody.train.keras_model.keras_of` passes the builder, so this stage
        never imports Keras."""
        with self._lock:
            if self._keras_model is None:
                self._keras_model = build(self.folder, self.config)
            return self._keras_model

    def with_config(self, config: ModelConfig) -> LoadedModel:
        """The same weights under another config (e.g. a told model run untold, in tests)."""
        return LoadedModel(self.folder, self._keras_model, config, self.vocab, self.card, self._weights)


def _json_kind(value) -> str:
    """How JSON would name ``value``'s type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _whole(minimum: int):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum, f"a whole number >= {minimum}"


def _real(check, expected: str, none: bool = False):
    def ok(value) -> bool:
        if value is None:
            return none
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and check(value)

    return ok, expected


CONFIG_SCHEMA = {  # config.json field -> (test of a value, what is expected); only vocab_size is required
    "vocab_size": _whole(4),  # '/', '_', 'r' and at least one pitch
    "n_meters": _whole(1),
    "n_positions": _whole(MAX_POSITIONS),  # the sampler asks for bar positions up to MAX_POSITIONS - 1
    "to_go_bars": _whole(0),
    "symbol_dim": _whole(0),
    "position_dim": _whole(0),
    "meter_dim": _whole(0),
    "lookback": (lambda v: v in (0, 1) and not isinstance(v, bool), "0 or 1"),
    "n_styles": _whole(0),
    "style_dim": _whole(0),
    "units": _whole(1),
    "layers": _whole(1),
    "dropout": _real(lambda v: 0 <= v < 1, "a number from 0 up to (not including) 1"),
    "learning_rate": _real(lambda v: v > 0, "a number > 0"),
    "clipnorm": _real(lambda v: v >= 0, "a number >= 0 (0: no clipping)", none=True),
}


def read_config(folder: pathlib.Path) -> ModelConfig:
    """config.json of a model folder, checked against `CONFIG_SCHEMA` (unknown fields are ignored)."""
    path = folder / "config.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: not JSON, or not UTF-8
        raise ModelFolderError(f"{path} cannot be read ({error}); {TRAIN_HINT}") from error
    if not isinstance(raw, dict):
        raise ModelFolderError(
            f'{path}: expected a JSON object of model settings, e.g. {{"format_version": {FORMAT_VERSION}, '
            f'"vocab_size": 45, ...}}; found {_json_kind(raw)}; {TRAIN_HINT}'
        )
    version = raw.pop("format_version", None)
    if version != FORMAT_VERSION:
        raise ModelFolderError(
            f"{folder} is model format {version}, this code reads format {FORMAT_VERSION}; {TRAIN_HINT}"
        )
    if "vocab_size" not in raw:
        raise ModelFolderError(f"{path}: vocab_size is missing, expected the number of symbols; {TRAIN_HINT}")
    for name, (ok, expected) in CONFIG_SCHEMA.items():
        if name in raw and not ok(raw[name]):
            raise ModelFolderError(f"{path}: {name} is {raw[name]!r}, expected {expected}; {TRAIN_HINT}")
    config = ModelConfig(**{name: raw[name] for name in CONFIG_SCHEMA if name in raw})
    if config.n_positions < position_count(config.to_go_bars):
        raise ModelFolderError(
            f"{path}: n_positions is {config.n_positions}, but to_go_bars {config.to_go_bars} needs "
            f"{position_count(config.to_go_bars)} rows; {TRAIN_HINT}"
        )
    if bool(config.style_dim) != bool(config.n_styles):
        raise ModelFolderError(
            f"{path}: style_dim is {config.style_dim} and n_styles {config.n_styles}; a style model has both, "
            f"a model of one tradition neither; {TRAIN_HINT}"
        )
    return config


def check_model_folder(folder: str | pathlib.Path) -> tuple[ModelConfig, Vocabulary]:
    """The config and vocabulary of a model folder, checked without loading the network:
    config.json against `CONFIG_SCHEMA`, mapping.json and meters.json as `Vocabulary.load`
    reads them, and the three against each other. Raises ModelFolderError."""
    folder = pathlib.Path(folder)
    recover_folder(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"no model folder at {folder}; {TRAIN_HINT}")
    missing = [n for n in (MODEL_FILE, "config.json", "mapping.json") if not (folder / n).is_file()]
    if missing:
        raise ModelFolderError(f"{folder} lacks {', '.join(missing)}; {TRAIN_HINT}")
    config = read_config(folder)
    try:
        vocab = Vocabulary.load(folder)
    except OSError as error:
        raise ModelFolderError(f"{error.filename or folder} cannot be read ({error}); {TRAIN_HINT}") from error
    except ValueError as error:  # the message names the file, what it found and what is expected
        raise ModelFolderError(f"{error}; {TRAIN_HINT}") from error
    if len(vocab) != config.vocab_size:
        raise ModelFolderError(
            f"{folder / 'mapping.json'} has {len(vocab)} symbols, config.json vocab_size says {config.vocab_size}; "
            f"{TRAIN_HINT}"
        )
    if len(vocab.meters) > config.n_meters:
        raise ModelFolderError(
            f"{folder / 'meters.json'} lists {len(vocab.meters)} meters, more than config.json n_meters "
            f"({config.n_meters}, the rows of the meter table); {TRAIN_HINT}"
        )
    if len(vocab.styles) != config.n_styles:
        raise ModelFolderError(
            f"{folder / 'styles.json'} lists {len(vocab.styles)} styles, config.json n_styles says "
            f"{config.n_styles}; {TRAIN_HINT}"
        )
    if config.n_styles and len(vocab.meters) != config.n_meters:  # `Vocabulary.context_id` counts its meters
        raise ModelFolderError(
            f"{folder / 'meters.json'} lists {len(vocab.meters)} meters; a style model's config.json n_meters "
            f"must match ({config.n_meters}); {TRAIN_HINT}"
        )
    return config, vocab


def check_model_weights(folder: pathlib.Path, weights: dict, config: ModelConfig) -> None:
    """A model's layer weights (layer name -> arrays, `LoadedModel.weights`) against
    config.json: every layer the sampler reads (`melody.net.step.StepModel`) is there, with
    the shapes the config and vocabulary say. Raises ModelFolderError; reads only shapes."""
    path = folder / MODEL_FILE

    def shapes(name: str, count: int, said: str) -> list[tuple[int, ...]]:
        if name not in weights:
            raise ModelFolderError(f"{path} has no layer {name!r}, but config.json {said}; {TRAIN_HINT}")
        found = [tuple(int(d) for d in w.shape) for w in weights[name]]
        if len(found) != count or any(not s for s in found):
            raise ModelFolderError(
                f"{path}: layer {name!r} holds weights {found}, expected {count} arrays; {TRAIN_HINT}"
            )
        return found

    def expect(name: str, what: str, found: int, expected: int, said: str) -> None:
        if found != expected:
            raise ModelFolderError(f"{path}: layer {name!r} has {found} {what}, but config.json {said}; {TRAIN_HINT}")

    c = config
    widths = 0
    tables = [  # (layer, rows, what config.json says of them, columns, what config.json says of them)
        ("symbol_embedding", c.vocab_size, f"vocab_size is {c.vocab_size}", c.symbol_dim or c.vocab_size,
         f"symbol_dim is {c.symbol_dim}" + ("" if c.symbol_dim else f" (one-hot: {c.vocab_size} columns)")),
        ("position_embedding", c.n_positions, f"n_positions is {c.n_positions}", c.position_dim or 1,
         f"position_dim is {c.position_dim}" + ("" if c.position_dim else " (not told: 1 column)")),
        ("meter_embedding", c.n_meters, f"n_meters is {c.n_meters}", c.meter_dim or 1,
         f"meter_dim is {c.meter_dim}" + ("" if c.meter_dim else " (not told: 1 column)")),
    ]  # fmt: skip
    if c.lookback:
        tables.append(("repeat_embedding", 2, "lookback is 1", REPEAT_DIM, "lookback is 1"))
    if c.style_dim:
        tables.append(("style_embedding", c.n_styles, f"n_styles is {c.n_styles}", c.style_dim, "style_dim says"))
    for name, rows, rows_said, columns, columns_said in tables:
        [shape] = shapes(name, 1, "needs it")
        expect(name, "dimensions", len(shape), 2, "describes an embedding table")
        expect(name, "rows", shape[0], rows, rows_said)
        expect(name, "columns", shape[1], columns, columns_said)
        widths += shape[1]
    if c.lookback:  # the symbols one and two bars back, through the symbol embedding
        widths += 2 * (c.symbol_dim or c.vocab_size)
    units = c.units
    for index in range(c.layers):
        name = f"lstm_{index}"
        kernel, recurrent, bias = shapes(name, 3, f"layers is {c.layers}")
        expect(name, "units", recurrent[0], units, f"units is {units}")
        inputs = widths if index == 0 else units
        if (kernel, recurrent, bias) != ((inputs, 4 * units), (units, 4 * units), (4 * units,)):
            raise ModelFolderError(
                f"{path}: layer {name!r} has weights of shapes {kernel}, {recurrent}, {bias}, expected "
                f"{(inputs, 4 * units)}, {(units, 4 * units)}, {(4 * units,)}; {TRAIN_HINT}"
            )
    if f"lstm_{c.layers}" in weights:
        raise ModelFolderError(
            f"{path} has a layer 'lstm_{c.layers}', more LSTM layers than config.json layers ({c.layers}); {TRAIN_HINT}"
        )
    kernel, bias = shapes("next_symbol", 2, "needs it")
    expect("next_symbol", "outputs", kernel[-1], c.vocab_size, f"vocab_size is {c.vocab_size}")
    if (kernel, bias) != ((units, c.vocab_size), (c.vocab_size,)):
        raise ModelFolderError(
            f"{path}: layer 'next_symbol' has weights of shapes {kernel}, {bias}, expected "
            f"{(units, c.vocab_size)}, {(c.vocab_size,)}; {TRAIN_HINT}"
        )


def load_model_folder(folder: str | pathlib.Path) -> LoadedModel:
    """Load a model folder; raises ModelFolderError with a way forward if it is unusable.

    The JSON files are checked first (`check_model_folder`), then the layer weights, read
    from the ``.keras`` archive with h5py (`melody.net.weights`, no Keras), against them
    (`check_model_weights`), so that a loaded model always fits `melody.generate.generator` and
    `melody.train.evaluation`."""
    from melody.net.weights import WeightsFileError, read_layer_weights

    folder = pathlib.Path(folder)
    config, vocab = check_model_folder(folder)
    try:
        weights = read_layer_weights(folder / MODEL_FILE)
    except WeightsFileError as error:
        raise ModelFolderError(f"{error}; {TRAIN_HINT}") from error
    check_model_weights(folder, weights, config)
    try:
        card = json.loads((folder / "card.json").read_text()) if (folder / "card.json").is_file() else {}
    except (OSError, json.JSONDecodeError):
        card = {}  # the card is for people; a broken one does not stop the model
    return LoadedModel(folder, None, config, vocab, card, weights)


def default_model_folder() -> pathlib.Path:
    """The shipped model: ``$FOLK_MODEL`` or the first folder under ``models/``."""
    if os.environ.get("FOLK_MODEL"):
        return pathlib.Path(os.environ["FOLK_MODEL"])
    root = MODELS
    folders = sorted(p for p in root.glob("*") if (p / MODEL_FILE).is_file()) if root.is_dir() else []
    return folders[0] if folders else root / "essen-lstm"
