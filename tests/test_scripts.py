"""The command lines: help, the generate contract, and clear errors with non-zero exits."""

import pathlib
import subprocess
import sys

import pytest
from conftest import ROOT, SHIPPED_MODEL, run_script

from melody.songs.corpus import melody_from_midi

pytestmark = pytest.mark.subprocess

SCRIPTS = ROOT / "scripts"


run = run_script


@pytest.mark.subprocess
@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if not p.name.startswith("_")))
def test_every_script_has_help(script):
    done = run(script, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout and "Example" in done.stdout


def test_generate_writes_midi_and_musicxml(tmp_path):
    out = tmp_path / "tune.mid"
    done = run(
        "generate.py",
        "--model",
        SHIPPED_MODEL,
        "--seed",
        "67 _ 67 _ G4 _ _ 65 64 _ 64 _ 64 _ _",
        "--steps",
        "64",
        "--temperature",
        "0.8",
        "--random-seed",
        "3",
        "--variations",
        "2",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("67 _ 67 _ 67 _ _ 65") and "generated 2 melody" in lines[-1]
    assert melody_from_midi(out.read_bytes(), strict=False).steps == tuple(lines[0].split())
    assert (tmp_path / "tune-2.mid").is_file()
    xml = tmp_path / "tune.musicxml"
    assert (
        run("generate.py", "--model", SHIPPED_MODEL, "--steps", "32", "--random-seed", "1", "--out", xml).returncode
        == 0
    )
    assert b"<score-partwise" in xml.read_bytes()


def test_generate_takes_a_meter_and_any_key(tmp_path):
    from music21 import converter

    xml = tmp_path / "waltz.musicxml"
    waltz = ["--seed", "67 _ _ _ 72 _ _ _ 76 _ _ _", "--meter", "3/4", "--key", "D minor", "--steps", "48"]
    done = run("generate.py", "--model", SHIPPED_MODEL, *waltz, "--random-seed", "3", "--out", xml)
    assert done.returncode == 0 and "seed in C major, result in D minor, 3/4" in done.stdout
    assert done.stdout.split()[:9] == ["69", "_", "_", "_", "74", "_", "_", "_", "77"]  # A D F: the seed in D minor
    score = converter.parse(xml)
    assert str(score.flatten().keySignature.asKey("minor")) == "d minor"
    assert score.flatten().timeSignature.ratioString == "3/4"


def test_generate_with_chords_writes_them_where_people_read_and_hear_them(tmp_path):
    from melody.songs.reading import melody_from_score

    out = tmp_path / "song.musicxml"
    common = ["--model", SHIPPED_MODEL, "--bars", "8", "--meter", "6/8", "--random-seed", "4", "--chords"]
    done = run("generate.py", *common, "--key", "G major", "--out", out)
    assert done.returncode == 0 and ", with chords" in done.stdout, done.stderr
    steps, chords = done.stdout.splitlines()[:2]
    assert chords.startswith("chords: ") and chords.count("|") == 7 and chords.split()[-1] == "G"  # 8 bars, the tonic
    from music21 import converter

    back = melody_from_score(converter.parse(out.read_bytes(), format="musicxml"), strict=False, trust_file_mode=True)
    assert back.steps == tuple(steps.split()) and back.chords and back.chords[-1].root == 7  # the melody, its chords
    midi = tmp_path / "song.mid"
    assert run("generate.py", *common, "--key", "G major", "--out", midi).returncode == 0
    assert melody_from_midi(midi.read_bytes(), strict=False).chords == back.chords  # the same chords in MIDI


def test_harmonize_writes_one_musicxml_per_tune_named_after_it(tmp_path):
    from conftest import DATA
    from music21 import converter

    junk = tmp_path / "in" / "junk.abc"
    junk.parent.mkdir()
    junk.write_bytes(b"X:1\nK:C\n\x00\x01 not notes\n")
    out = tmp_path / "out"
    songs = (DATA / "two_tunes.abc", DATA / "major_g.krn", DATA / "triplets.krn", junk)
    done = run("harmonize.py", *songs, "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "major_g.musicxml",
        "triplets.musicxml",  # its triplet rounded to 16ths, as the chord model's training data is
        "two_tunes-1.musicxml",
        "two_tunes-2.musicxml",
    ]
    assert "skipped" in done.stdout and "junk.abc" in done.stdout  # named, with the reason
    tmp_path = out
    score = converter.parse(tmp_path / "major_g.musicxml")
    assert len(score.parts) == 2 and score.flatten().getElementsByClass("ChordSymbol")  # accompaniment and symbols
    bad = run("harmonize.py", DATA / "no-such-file.abc", "--out", tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# bad arguments and model folders: see the catalogue in test_bad_inputs.py


def test_preprocess_counts_skips_and_writes_the_dataset(tmp_path):
    from conftest import DATA

    from melody.output.midi import to_midi_bytes
    from melody.songs.typed import parse_seed

    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "third.mid").write_bytes(to_midi_bytes(parse_seed("60 _ 62 _ 64 _ _ _ 65 _ 67 _ _ _ _ _", key="C major")))
    args = [DATA, extra, "--out", tmp_path / "data", "--cache", tmp_path / "cache", "--workers", "1"]
    done = run("preprocess.py", *args, "--verbose")
    assert done.returncode == 0, done.stderr
    assert "kept 3" in done.stdout and "triplets.krn: bad_duration" in done.stdout
    for name in ("melodies.jsonl", "mapping.json", "split.json", "dataset.txt", "summary.json", "songs/00000.txt"):
        assert (tmp_path / "data" / name).is_file()
    assert len(list((tmp_path / "cache").iterdir())) == 4  # one cache entry per song file
    again = run("preprocess.py", *args)
    assert again.returncode == 0 and "kept 3" in again.stdout  # second run from the cache


def test_preprocess_with_too_few_songs_says_so(tmp_path):
    from conftest import DATA

    done = run("preprocess.py", DATA, "--out", tmp_path / "data", "--no-cache", "--workers", "1")
    assert done.returncode != 0 and "at least 3" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_benchmark_quick_prints_the_json_contract():
    import json

    done = run("benchmark.py", "--quick", "--model", SHIPPED_MODEL, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    keys = (
        "generate_ms_1000_steps",
        "seed_style_ms_per_step",
        "generate_speedup",
        "variations16_ms_256_steps",
        "studio_click_server_ms_256_steps",
        "harmonize_ms_256_steps",
        "train_targets_per_s",
        "seed_style_train_targets_per_s",
        "train_speedup",
        "generate_py_s",
        "generate_py_peak_mb",
    )
    assert all(result[key] > 0 for key in keys)
    if pathlib.Path("/usr/bin/chromium").exists():  # the cold studio, timed in the browser
        assert result["studio_start_s"] > 0 and result["studio_rss_mb_after_5_clicks"] > 50
    assert "cores" in result["machine"] and "AMX" in result["machine"]  # names the CPU
    assert result["generate_speedup"] > 10 and result["train_speedup"] > 5  # far ahead of the seed's way
    assert result["harmonize_ms_256_steps"] < 50  # chords add at most 50 ms to a click (issue 16)
    # a bfloat16 trainer is also timed with float32 products, for machines without AMX
    assert ("train_speedup_float32" in result) == (result["train_matmul_dtype"] == "bfloat16")


def test_train_with_onednn_on_still_fails_in_one_line(tiny_corpus, tmp_path):
    """train.py turns oneDNN on (bfloat16 matrix units); TensorFlow's start-up notices,
    printed to stderr whatever the log level, are kept off the terminal. The refused
    setting is checked after TensorFlow has loaded."""
    import os

    from melody.train.dataset import write_dataset

    write_dataset(tiny_corpus, tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    command = [sys.executable, str(SCRIPTS / "train.py"), "--data", str(tmp_path / "data"), "--chunk", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 2 and "chunk must be at least 1" in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr  # one line, no oneDNN notice
