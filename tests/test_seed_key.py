"""The key of a seed (melody/generate/seed_key.py), its measurement (melody/train/key_report.py,
scripts/key_report.py) and its use in scripts/generate.py."""

from __future__ import annotations

import collections
import re

import numpy as np
import pytest
from conftest import SHIPPED_MODEL, run_script

from melody.core.melody import Melody
from melody.core.pitch import all_keys
from melody.generate.seed_key import FEATURES, KEYS, KeyChoice, find_seed_key, model_scores, relative_key
from melody.generate.surprise import step_probabilities
from melody.songs.corpus import CorpusResult, detect_key, read_source
from melody.songs.keys import to_model_key
from melody.songs.typed import read_typed_seed

SCALE_UP = Melody(tuple("67 _ 69 _ 71 _ 72 _ _ _".split()))  # G A B C: music21 said F major (issue 23)


def typed(text: str, meter: str = "4/4", pickup: int = 0) -> Melody:
    """A seed as the studio and generate.py read it (notes without '_' are quarter notes)."""
    return read_typed_seed(text, "english", meter=meter, pickup=pickup, tempo=100).melody


@pytest.fixture(scope="module")
def shipped():
    from melody.net.folder import load_model_folder

    return load_model_folder(SHIPPED_MODEL)


def test_the_relative_key_has_the_same_signature():
    assert [relative_key(k) for k in ("G major", "E minor", "C# minor", "Bb major", "F# major")] == [
        "E minor", "G major", "E major", "G minor", "Eb minor",
    ]  # fmt: skip
    assert all(relative_key(relative_key(key)) == key for key in all_keys())
    assert KEYS == tuple(all_keys())


def test_the_model_score_of_a_key_is_the_seed_scored_as_surprise_scores_it(tiny_lookback_model):
    # the 24 scores come from one batch; each is what the one scoring path gives the seed in that key
    seed = Melody(tuple("67 _ _ 69 71 _ 72 _ r _ 74 _ _ _ 72 _ 71 _".split()), meter="3/4", pickup=4)
    scores = model_scores(tiny_lookback_model, seed)
    vocab = tiny_lookback_model.vocab
    for key in ("G major", "E minor", "F major", "B minor"):
        probabilities = step_probabilities(tiny_lookback_model, seed.replace(key=key))  # (len + 1, vocab)
        targets = vocab.encode(to_model_key(seed.replace(key=key)).steps)
        expected = np.log(probabilities[np.arange(len(seed)), targets]).sum()
        assert scores[KEYS.index(key)] == pytest.approx(expected, abs=1e-4), key
    assert scores[KEYS.index("G major")] == scores[KEYS.index("E minor")]  # a key and its relative move alike


def test_keys_that_move_a_note_out_of_the_models_range_are_never_chosen(tiny_lookback_model):
    low, high = tiny_lookback_model.vocab.pitch_range
    seed = Melody((str(high), "_", str(high - 2), "_"))  # its top note: only keys that move it down fit
    scores = model_scores(tiny_lookback_model, seed)
    assert np.isinf(scores).any() and np.isfinite(scores).any()
    choice = find_seed_key(tiny_lookback_model, seed)
    assert np.isfinite(scores[KEYS.index(choice.key)])
    out_of_reach = Melody((str(high + 12), "_"))
    assert np.isinf(model_scores(tiny_lookback_model, out_of_reach)).all()
    assert find_seed_key(tiny_lookback_model, out_of_reach).key == detect_key(out_of_reach)  # the fallback


def test_a_choice_names_its_relative_and_a_runner_up(tiny_lookback_model):
    choice = find_seed_key(tiny_lookback_model, SCALE_UP)
    assert isinstance(choice, KeyChoice) and choice.key in KEYS
    assert choice.relative == relative_key(choice.key)
    assert choice.runner_up not in (choice.key, choice.relative)
    assert list(choice.shares) == list(KEYS) and sum(choice.shares.values()) == pytest.approx(1)
    assert choice.share == choice.shares[choice.key] == max(choice.shares.values())
    silent = find_seed_key(tiny_lookback_model, Melody(("r", "_"), key="D major"))
    assert (silent.key, silent.relative, silent.shares) == ("D major", "B minor", {})


def test_fit_weights_finds_the_cue_that_decides():
    from melody.train.key_report import accuracy, fit_weights

    rng = np.random.default_rng(0)
    features, labels = [], []
    for _ in range(60):
        rows = rng.normal(size=(24, len(FEATURES)))
        label = int(rng.integers(24))
        rows[:, FEATURES.index("last_tonic")] = 0
        rows[label, FEATURES.index("last_tonic")] = 1  # only the answer ends on its tonic
        rows[rng.integers(24), 0] = -np.inf  # a key out of the model's range
        features.append(rows)
        labels.append(label)
    weights = fit_weights(features, labels, l2=0.01)
    assert weights[FEATURES.index("last_tonic")] == max(weights) > 1
    assert accuracy(features, labels, weights)[0] > 0.9
    alone = fit_weights(features, labels, columns=["model"])
    assert np.count_nonzero(alone) == 1 and alone[0] != 0


def test_a_dataset_song_is_read_again_in_its_own_key(tiny_corpus):
    song = read_source(tiny_corpus.sources[0])
    assert to_model_key(song) == tiny_corpus.melodies[0]  # what training read, before it was moved


# --------------------------------------------------------------------------- the shipped model
@pytest.mark.shipped_model
def test_the_issues_seeds_get_the_keys_a_musician_hears(shipped):
    scale_up = find_seed_key(shipped, SCALE_UP)
    assert (scale_up.key, scale_up.relative) == ("G major", "E minor") and scale_up.runner_up == "C major"
    assert find_seed_key(shipped, typed("C4 D4 E4")).key == "C major"  # music21: A minor
    assert find_seed_key(shipped, typed("E4 D4 C4")).key == "C major"  # music21: A minor
    assert find_seed_key(shipped, typed("D4 F4 A4 G4 F4 E4 D4 _ _ _")).key == "D minor"
    assert find_seed_key(shipped, typed("A4 C5 E5 D5 C5 B4 A4 _ _ _")).key == "A minor"
    birthday = typed("67 _ _ 67 69 _ _ _ 67 _ _ _ 72 _ _ _ 71 _ _ _ _ _ _ _", "3/4", pickup=4)
    choice = find_seed_key(shipped, birthday)  # G G A G C B: G major or C major, both without the F# clash
    assert {choice.key, choice.runner_up} == {"G major", "C major"}


# openings (pickup and two bars) of test songs of the shipped split (music21's Essen files), in their
# own keys, which are also the keys music21 hears in the whole songs (scripts/key_report.py)
REAL_OPENINGS = (  # (source, own key, meter, pickup, steps, what music21's analysis of the opening says)
    ("ballad10.abc#101", "F major", "4/4", 4,
     "65 _ _ _ 72 _ _ _ 72 _ _ _ 74 _ _ _ 76 _ _ _ 77 _ _ _ _ _ _ _ 77 _ _ _ _ _ _ _", "Bb major"),
    ("ballad20.abc#36", "G major", "6/8", 2,
     "62 _ 71 _ _ _ 67 _ 67 _ _ 67 71 _ 69 _ _ 69 66 _ 66 _ _ _ 69 _", "E minor"),
    ("ballad20.abc#43", "G major", "4/4", 4,
     "67 _ _ _ 71 _ _ _ 69 _ _ _ 67 _ 67 _ 78 _ _ _ 79 _ 78 _ 76 _ _ _ 74 _ _ _ r _ _ _", "E minor"),
    ("ballad40.abc#142", "F major", "6/8", 2,
     "65 _ 72 _ _ _ 72 _ 72 _ _ _ 72 _ 74 _ _ _ 77 _ 76 _ _ _ 74 _", "C major"),
    ("ballad40.abc#220", "G major", "3/4", 2,
     "67 _ 67 _ 71 _ 74 _ _ _ 74 _ _ _ 76 _ 76 _ 76 _ _ _ r _ 72 _", "C major"),
    ("ballad50.abc#47", "C major", "6/8", 0,
     "72 _ 72 _ 72 _ 74 _ 72 _ 71 _ 72 _ 71 _ 69 _ 67 _ _ _ 64 _", "A minor"),
    ("ballad60.abc#81", "G major", "3/4", 2,
     "67 _ 67 _ 71 _ 71 _ _ _ 69 _ 67 _ 66 _ 69 _ 69 _ _ _ _ _ 69 _", "E minor"),
    ("altdeu20.abc#102", "F major", "4/4", 4,
     "65 _ _ _ 72 _ _ _ 72 _ 72 _ 74 _ _ _ 74 _ _ _ 72 _ _ _ 72 _ _ _ 69 _ _ _ 65 _ _ _", "F major"),
    ("ballad30.abc#25", "D major", "4/4", 4,
     "66 _ 67 _ 69 _ _ _ 69 _ 69 _ 69 _ _ _ 71 _ 73 _ 74 _ _ _ 73 _ 71 _ 69 _ _ _ 71 _ 73 _", "D major"),
    ("ballad80.abc#38", "Eb major", "6/8", 2,
     "58 _ 63 _ _ _ 67 _ 70 _ _ _ 63 _ 63 _ 62 _ _ _ r _ _ _ 58 _", "Eb major"),
)  # fmt: skip


@pytest.mark.shipped_model
def test_real_openings_get_their_songs_keys(shipped):
    # every one found; music21's analysis of the opening (the finder before issue 23) finds 3 of 10
    for source, key, meter, pickup, steps, music21_says in REAL_OPENINGS:
        seed = Melody(tuple(steps.split()), meter=meter, pickup=pickup)
        assert (find_seed_key(shipped, seed).key, detect_key(seed)) == (key, music21_says), source
    assert sum(key == music21_says for _, key, *_, music21_says in REAL_OPENINGS) == 3


@pytest.mark.subprocess
def test_generate_names_the_key_it_hears_in_a_typed_seed(tmp_path):
    done = run_script("generate.py", "--model", SHIPPED_MODEL, "--seed", "67 _ 69 _ 71 _ 72 _ _ _", "--steps", "16")
    assert done.returncode == 0, done.stderr
    *_, heard, summary = done.stdout.splitlines()
    assert heard == "seed key: heard in G major (or its relative E minor, or C major: --seed-key)"
    assert "(seed in G major, result in G major, 4/4)" in summary
    given = run_script("generate.py", "--seed", "67 _ 69 _ 71 _ 72 _ _ _", "--seed-key", "C major", "--steps", "16")
    assert "seed in C major" in given.stdout and "heard" not in given.stdout


@pytest.mark.subprocess
def test_key_report_runs_on_a_few_songs(tmp_path, tiny_corpus):
    from melody.train.dataset import write_dataset

    result = CorpusResult(tiny_corpus.melodies, tiny_corpus.sources, collections.Counter(), [])
    write_dataset(result, tmp_path / "data")
    done = run_script("key_report.py", "--data", tmp_path / "data", "--n", 5, "--fit", 5)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert re.match(r"key report: \d openings; own key [\d.]+% -> [\d.]+%, .* ms per seed \(", lines[-1]), lines[-1]
    assert any(line.startswith("WEIGHTS = np.array([") for line in lines)
    assert "usage:" in run_script("key_report.py", "--help").stdout
