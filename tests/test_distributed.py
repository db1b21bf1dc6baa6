"""Training inside tf.distribute.MirroredStrategy, on two logical CPU devices.

The strategy flag must work without a GPU: TensorFlow splits the CPU into two logical
devices, the rows are shared out to two replicas, and each keeps its own LSTM state.
Runs in a subprocess, since devices must be set before TensorFlow starts.
"""

import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

SCRIPT = textwrap.dedent(
    """
    import sys, tempfile
    sys.path.insert(0, {root!r})
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from melody.songs.corpus import load_corpus
    from melody.net.vocabulary import Vocabulary
    from melody.net.folder import ModelConfig
    from melody.train.training import TrainConfig, train
    from music21 import corpus
    erk5 = [str(p) for p in corpus.getComposer("essenFolksong") if str(p).endswith("erk5.abc")]
    songs = load_corpus(erk5, workers=1).melodies
    vocab = Vocabulary.from_melodies(songs)
    config = ModelConfig(vocab_size=len(vocab), n_meters=len(vocab.meters), units=8, symbol_dim=4, dropout=0.0)
    runs = {{}}
    for strategy in ("mirrored", "default"):  # 5 rows: 3 + 2 per replica, lanes inside each
        settings = TrainConfig(epochs=2, batch_size=5, chunk=16, strategy=strategy, patience=5, precision="float32")
        runs[strategy] = train(songs[:16], songs[16:], vocab, settings, tempfile.mkdtemp(), config, verbose=0)
    print("replicas", tf.distribute.MirroredStrategy().num_replicas_in_sync)
    print("losses", [h["loss"] for h in runs["mirrored"].state["history"]])
    weights = [r.keras_model.get_weights() for r in runs.values()]
    print("largest weight difference", max(abs(a - b).max() for a, b in zip(*weights)))
    """
)


def test_mirrored_strategy_trains_on_two_replicas():
    code = SCRIPT.format(root=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "replicas 2" in done.stdout
    losses = eval(done.stdout.split("losses", 1)[1].split("\n", 1)[0].strip())
    assert len(losses) == 2 and losses[1] < losses[0]
    # without dropout, two replicas train exactly what one device trains
    assert float(done.stdout.split("largest weight difference", 1)[1]) < 1e-5
