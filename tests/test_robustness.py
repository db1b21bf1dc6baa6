"""Many users at once, killed jobs, and what an upload may and may not do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import ROOT, SHIPPED_MODEL


# ------------------------------------------------------------------------------ concurrency
@pytest.fixture(scope="module")
def shipped():
    from melody.net.folder import load_model_folder

    return load_model_folder(SHIPPED_MODEL)


def _request(loaded, random_seed: int):
    """What one studio click does: generate 256 steps, then MusicXML and the engraved score."""
    from melody.generate.generator import generate
    from melody.output import engrave
    from melody.songs.typed import parse_seed

    seed = parse_seed("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _", key="C major")
    [melody] = generate(loaded, seed, steps=256, temperature=0.9, random_seed=random_seed, full_length=True)
    musicxml = engrave.to_musicxml_bytes(melody)
    return melody, engrave.to_svg(melody, musicxml=musicxml)


@pytest.mark.shipped_model
def test_eight_threads_on_one_model_each_get_what_they_would_alone(shipped):
    alone, started = {}, time.perf_counter()
    for random_seed in range(8):
        alone[random_seed] = _request(shipped, random_seed)
    sequential = time.perf_counter() - started

    together, errors, barrier = {}, [], threading.Barrier(8)

    def worker(random_seed):
        try:
            barrier.wait()  # all eight start at once
            together[random_seed] = _request(shipped, random_seed)
        except Exception as error:  # noqa: BLE001  (collected and reported below)
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    concurrent = time.perf_counter() - started
    assert not errors and len(together) == 8
    for random_seed in range(8):
        assert together[random_seed][0] == alone[random_seed][0]  # the same melody
        assert together[random_seed][1] == alone[random_seed][1]  # the same engraved score
    assert len({m.steps for m, _ in together.values()}) == 8  # and eight different melodies
    print(f"8 requests: {sequential:.2f} s one after another, {concurrent:.2f} s in 8 threads")


# ----------------------------------------------------------------------------- killed jobs
def _script(name, *args):
    return [sys.executable, str(ROOT / "scripts" / name), *map(str, args)]


def _wait_for(condition, process, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the job ended before it could be killed"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.subprocess
def test_training_killed_with_sigkill_resumes_from_its_last_checkpoint(tiny_corpus, tmp_path):
    from melody.net.folder import load_model_folder
    from melody.train.dataset import write_dataset

    write_dataset(tiny_corpus, tmp_path / "data")
    state = tmp_path / "ckpt" / "last" / "state.json"
    args = ["--data", tmp_path / "data", "--out", tmp_path / "model", "--checkpoints", tmp_path / "ckpt"]
    args += ["--epochs", 12, "--units", 16, "--symbol-dim", 8, "--batch-size", 4, "--chunk", 16, "--patience", 20]
    job = subprocess.Popen(_script("train.py", *args, "--quiet"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: state.is_file() and json.loads(state.read_text())["epoch"] >= 2, job)
    job.send_signal(signal.SIGKILL)  # in epoch 3 (or while writing its checkpoint)
    job.wait()
    at_kill = json.loads(state.read_text())  # the checkpoint is whole: it was swapped in by a rename
    assert not (tmp_path / "model").exists()

    done = subprocess.run(_script("train.py", *args, "--resume", "--quiet"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    epochs = [h["epoch"] for h in card["history"]]
    assert epochs == list(range(1, 13))  # none lost, none repeated
    assert card["history"][: at_kill["epoch"]] == at_kill["history"]  # the first epochs are the killed run's
    load_model_folder(tmp_path / "model")  # a valid model folder


@pytest.mark.subprocess
def test_preprocessing_killed_keeps_the_old_dataset_and_resumes_from_its_cache(tmp_path):
    def write_songs(folder, count, notes):
        folder.mkdir()
        for index in range(count):  # one ABC tune per file (music21 takes ~50 ms each): the cache fills file by file
            tune = " ".join(notes[(index + k) % len(notes)] for k in range(32))
            (folder / f"song{index:02d}.abc").write_text(f"X:{index}\nT:Song {index}\nM:4/4\nL:1/8\nK:C\n{tune}|]\n")

    songs = tmp_path / "songs"
    write_songs(tmp_path / "old", 5, "CDEFGAB")
    write_songs(songs, 60, "cdefgab")
    out, cache = tmp_path / "data", tmp_path / "cache"
    first = subprocess.run(_script("preprocess.py", tmp_path / "old", "--out", out, "--cache", cache, "--workers", 1))
    assert first.returncode == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    args = [songs, "--out", out, "--cache", cache, "--workers", 1]
    entries = lambda: sorted(cache.glob("[!.]*.json"))  # finished entries; '.name.tmp' files are writes in flight
    cached_before = len(entries())
    job = subprocess.Popen(
        _script("preprocess.py", *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    _wait_for(lambda: len(entries()) >= cached_before + 10, job)
    os.killpg(job.pid, signal.SIGKILL)  # the script and its worker processes, as a closed terminal would
    job.wait()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous dataset, whole and unchanged
    cached_at_kill = len(entries()) - cached_before
    assert 10 <= cached_at_kill < 60
    for entry in entries():
        json.loads(entry.read_text())  # every cache entry is complete (written atomically)
    stamps = {entry: entry.stat().st_mtime_ns for entry in entries()}
    assert {p.name for p in cache.iterdir()} - {p.name for p in entries()} <= {
        p.name for p in cache.glob(".*.tmp")
    }  # at most the temporary file of the write the kill interrupted, which nothing reads

    again = subprocess.run(_script("preprocess.py", *args), capture_output=True, text=True)
    assert again.returncode == 0 and "kept 60" in again.stdout
    assert len(entries()) - cached_before == 60  # the rest were parsed and cached too
    assert all(entry.stat().st_mtime_ns == stamp for entry, stamp in stamps.items())  # the done ones reused
    assert not any(name.startswith(".") for name in os.listdir(tmp_path))  # no temporary leftovers


# --------------------------------------------------------------------------------- security
def test_uploads_are_size_limited_in_streamlit_and_in_the_parser():
    import tomllib

    from melody.songs.corpus import MAX_UPLOAD_BYTES
    from melody.songs.recording import MAX_RECORDING_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # Streamlit's one limit (MB) is the larger, a recording's; each reader checks its own again
    assert config["server"]["maxUploadSize"] * 2**20 == max(MAX_UPLOAD_BYTES, MAX_RECORDING_BYTES)


def test_an_upload_name_is_never_used_as_a_path(tmp_path, monkeypatch):
    import tempfile

    from melody.output.midi import to_midi_bytes
    from melody.songs.corpus import melody_from_upload
    from melody.songs.typed import parse_seed

    private = tmp_path / "private"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # where the parser's private folder goes
    target = tmp_path / "victim.mid"
    name = f"../../../../{target}"
    melody = melody_from_upload(name, to_midi_bytes(parse_seed("60 _ 62 _ 64 _ _ _", key="C major")))
    assert melody.pitches() == [60, 62, 64] and not target.exists()
    assert list(private.iterdir()) == []  # the private folder is gone afterwards


@pytest.mark.shipped_model
def test_models_load_in_safe_mode_so_a_lambda_layer_is_refused(tmp_path):
    import keras

    from melody.net.folder import ModelFolderError, load_model_folder, read_config
    from melody.train.keras_model import load_keras_model

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "mapping.json", "meters.json"):
        (folder / name).write_bytes((SHIPPED_MODEL / name).read_bytes())
    inputs = keras.Input((None,), dtype="int32")
    sneaky = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))  # arbitrary code in a model file
    sneaky.save(folder / "model.keras")
    with pytest.raises(ModelFolderError, match="has no layer"):  # serving reads arrays only, never code
        load_model_folder(folder)
    with pytest.raises(ModelFolderError, match="is corrupt"):  # training and evaluation load it in safe mode
        load_keras_model(folder, read_config(folder))


def test_nothing_a_user_supplies_is_unpickled():
    sources = [*ROOT.glob("melody/*.py"), ROOT / "app.py", ROOT / "studio.py", *ROOT.glob("pages/*.py")]
    for path in sources:
        text = path.read_text()
        assert "pickle" not in text and "marshal" not in text and "eval(" not in text, path


# ------------------------------------------------------------------------------- warm-up
def test_warm_up_freezes_once_and_a_failing_render_does_not_stop_the_server(tiny_model, monkeypatch, caplog):
    import gc

    from melody.output import files
    from melody.studio import warmup as serving

    monkeypatch.setattr(serving, "_frozen", False)
    frozen_before = gc.get_freeze_count()
    assert serving.warm_up(tiny_model) is True and gc.get_freeze_count() > frozen_before
    assert serving.warm_up(tiny_model) is False  # once per process

    def broken(*args, **kwargs):
        raise RuntimeError("verovio's fonts are missing")

    monkeypatch.setattr(files, "render_all", broken)
    assert serving.warm_up(tiny_model) is False  # logged, not raised
    assert "warm-up render failed" in caplog.text
    gc.unfreeze()  # leave the test process as it was
