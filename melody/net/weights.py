"""The weights of a saved Keras model, read without Keras or TensorFlow.

A ``.keras`` file is a zip archive: ``config.json`` (the network), ``metadata.json`` and
``model.weights.h5`` (HDF5). In the HDF5 file a layer's arrays sit under a path Keras
derives from the layer's class, not its name: the layers of a functional model, in the
order of the config, are called after their class in snake case, numbered from the second
of a class on (``embedding``, ``embedding_1``, ...), and their arrays are ``vars/0``,
``vars/1``... (an LSTM's under ``cell/vars``). `read_layer_weights` undoes that naming, so
the studio and ``generate.py`` get every layer's arrays by the names the project gives
them (``symbol_embedding``, ``lstm_0``, ``next_symbol``...) with NumPy and h5py alone:
importing TensorFlow costs seconds and ~700 MB, generating needs neither.

The ``.keras`` file stays the one source of truth (training and ``--resume`` load it with
Keras); ``tests/test_shipped_model.py`` holds these arrays equal to Keras' own.

    >>> weights = read_layer_weights("models/essen-lstm/model.keras")   # doctest: +SKIP
    >>> [w.shape for w in weights["lstm_0"]]                            # doctest: +SKIP
    [(88, 1024), (256, 1024), (1024,)]
"""

from __future__ import annotations

import io
import json
import pathlib
import re
import zipfile

import numpy as np

MAX_ARCHIVE_BYTES = 256 * 2**20  # a model file larger than this is refused before it is opened
MAX_MEMBER_BYTES = {"config.json": 4 * 2**20, "model.weights.h5": 1024 * 2**20}  # unpacked sizes
_VAR = re.compile(r"(?:^|/)vars/(\d+)$")


class WeightsFileError(ValueError):
    """A ``.keras`` file that cannot be read as a model archive (truncated, foreign, too big)."""


def keras_path_name(class_name: str) -> str:
    """Keras' snake-case name of a layer class, as the weights file uses it: 'LSTM' -> 'lstm',
    'InputLayer' -> 'input_layer'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", class_name).lower()


def read_layer_weights(path: str | pathlib.Path) -> dict[str, list[np.ndarray]]:
    """Every layer's arrays of the ``.keras`` file at ``path``, by layer name, in Keras'
    order (as ``layer.get_weights()``); layers without weights map to an empty list.
    Sizes are checked before anything is unpacked. Raises WeightsFileError."""
    path = pathlib.Path(path)
    size = path.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        raise WeightsFileError(f"{path} is {size / 2**20:.0f} MB, more than a model file may be here "
                               f"({MAX_ARCHIVE_BYTES / 2**20:.0f} MB)")  # fmt: skip
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            for name, limit in MAX_MEMBER_BYTES.items():
                if name not in members:
                    raise WeightsFileError(f"{path} holds no {name}: not a Keras 3 model file")
                if members[name].file_size > limit:
                    raise WeightsFileError(f"{path}: {name} unpacks to {members[name].file_size} bytes, over {limit}")
            config = json.loads(archive.read("config.json"))
            data = archive.read("model.weights.h5")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, KeyError) as error:
        if isinstance(error, WeightsFileError):
            raise
        raise WeightsFileError(f"{path} is corrupt: not a readable model archive ({type(error).__name__})") from error
    return _weights_by_layer_name(path, config, data)


def _weights_by_layer_name(path: pathlib.Path, config, data: bytes) -> dict[str, list[np.ndarray]]:
    import h5py

    try:
        layers = [(layer["class_name"], layer["config"]["name"]) for layer in config["config"]["layers"]]
    except (KeyError, TypeError) as error:
        raise WeightsFileError(f"{path}: config.json lists no layers ({error!r}): not a functional model") from error
    seen: dict[str, int] = {}
    out: dict[str, list[np.ndarray]] = {}
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            groups = h5.get("layers")
            if not isinstance(groups, h5py.Group):
                raise WeightsFileError(f"{path}: model.weights.h5 has no 'layers' group")
            for class_name, name in layers:
                base = keras_path_name(class_name)
                count = seen.get(base, 0)
                seen[base] = count + 1
                stored = base if count == 0 else f"{base}_{count}"
                group = groups.get(stored)
                if not isinstance(group, h5py.Group):
                    raise WeightsFileError(f"{path}: layer {name!r} ({class_name}) has no weights group {stored!r}")
                out[name] = _arrays(group)
            extra = set(groups) - {keras_path_name(c) for c, _ in layers} - _numbered(seen)
            if extra:
                raise WeightsFileError(f"{path}: weights of layers the config does not list: {sorted(extra)}")
    except OSError as error:  # h5py's error for a corrupt HDF5 file
        raise WeightsFileError(f"{path} is corrupt: its model.weights.h5 cannot be read ({error})") from error
    return out


def _numbered(seen: dict[str, int]) -> set[str]:
    return {f"{base}_{n}" for base, count in seen.items() for n in range(1, count)}


def _arrays(group) -> list[np.ndarray]:
    """The ``vars/<n>`` datasets anywhere under a layer's group, in order of n."""
    found = []

    def visit(name, item):
        match = _VAR.search(name)
        if match and hasattr(item, "shape"):
            found.append((int(match.group(1)), name, np.asarray(item[()], dtype=np.float32)))

    group.visititems(visit)
    return [array for _, _, array in sorted(found)]
