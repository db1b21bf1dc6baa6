"""Serving never imports TensorFlow or Keras: the studio's pages and generate.py read the
weights with h5py (melody/net/weights.py) and generate in NumPy.

Each check runs in a fresh interpreter: this test process has imported Keras elsewhere."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SHIPPED_MODEL

from melody.net.folder import ModelFolderError, load_model_folder
from melody.net.weights import WeightsFileError, keras_path_name, read_layer_weights

pytestmark = pytest.mark.subprocess

HEAVY = ("tensorflow", "keras")

PAGES_SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
seen = {}
for page in ("app.py", "pages/1_How_it_works.py", "pages/2_The_model.py"):
    at = AppTest.from_file(page, default_timeout=120).run()
    assert not at.exception, (page, at.exception)
    if page == "app.py":
        at.slider(key="bars").set_value(4)
        at.button(key="generate").click().run()
        assert not at.exception and len(at.get("audio")) == 1, page
    seen[page] = [name for name in %r if name in sys.modules]
print(json.dumps(seen))
"""

GENERATE_SCRIPT = """
import json, runpy, sys
sys.path.insert(0, "scripts")
sys.argv = ["generate.py", "--bars", "4", "--variations", "2", "--out", sys.argv[1]]
try:
    runpy.run_path("scripts/generate.py", run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
print(json.dumps([name for name in %r if name in sys.modules]))
"""


def run_fresh(script: str, *args: str) -> object:
    env = {"FOLK_MODEL": str(SHIPPED_MODEL), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_page_serves_without_tensorflow_or_keras():
    seen = run_fresh(PAGES_SCRIPT % (HEAVY,))
    assert seen == {page: [] for page in ("app.py", "pages/1_How_it_works.py", "pages/2_The_model.py")}


def test_generate_script_runs_without_tensorflow_or_keras(tmp_path):
    out = tmp_path / "song.mid"
    assert run_fresh(GENERATE_SCRIPT % (HEAVY,), str(out)) == []
    assert out.stat().st_size > 50 and (tmp_path / "song-2.mid").stat().st_size > 50


def test_weights_read_without_keras_equal_keras_own():
    import keras

    loaded = load_model_folder(SHIPPED_MODEL)
    network = keras.saving.load_model(SHIPPED_MODEL / "model.keras", compile=False)
    for layer in network.layers:
        ours, theirs = loaded.weights[layer.name], layer.get_weights()
        assert len(ours) == len(theirs), layer.name
        for a, b in zip(ours, theirs, strict=True):
            assert a.dtype == np.float32 and np.array_equal(a, b), layer.name


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [("LSTM", "lstm"), ("InputLayer", "input_layer"), ("Dense", "dense"), ("GRUCell", "gru_cell")],
)
def test_keras_path_names(class_name, expected):
    assert keras_path_name(class_name) == expected


def test_a_model_file_that_is_not_an_archive_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WeightsFileError, match="not a readable model archive"):
        read_layer_weights(bad)


def test_a_model_folder_with_a_foreign_weights_file_is_refused(tmp_path):
    import shutil
    import zipfile

    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL, folder)
    with zipfile.ZipFile(folder / "model.keras", "w") as archive:  # an archive without the HDF5 weights
        archive.writestr("config.json", "{}")
    with pytest.raises(ModelFolderError, match="holds no model.weights.h5"):
        load_model_folder(folder)


def test_the_shipped_demo_songs_equal_a_fresh_reading_of_the_corpus():
    from melody.studio.ready_seeds import demo_songs, read_demo_songs_from_corpus

    demo_songs.cache_clear()
    assert list(demo_songs()) == read_demo_songs_from_corpus()  # else: scripts/ready_seeds.py
