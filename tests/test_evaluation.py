import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import DATA, ROOT

from melody.net.vocabulary import Vocabulary
from melody.train.evaluation import score_model, score_ngram
from melody.train.ngram import KneserNey

KEYS = ("songs", "skipped", "steps", "nll_per_step", "nll_per_event", "pitch_bits_per_note", "accuracy")


def test_kneser_ney_distributions_sum_to_one_and_prefer_what_was_seen(tiny_corpus):
    vocab = Vocabulary.from_melodies(tiny_corpus.melodies)
    kn = KneserNey.fit([m.steps for m in tiny_corpus.melodies], vocab.symbols, order=5)
    for context in [(), ("/", "/", "/", "/"), tiny_corpus.melodies[0].steps[:4], ("90", "91", "92", "93")[:0]]:
        assert np.isclose(kn.distribution(context).sum(), 1.0)
    song = tiny_corpus.melodies[0].steps
    seen = kn.distribution(song[:4])[vocab.id(song[4])]
    assert seen > 1.0 / len(vocab)


def test_figures_are_consistent(tiny_model, tiny_corpus):
    figures = score_model(tiny_model, tiny_corpus.melodies[:6])
    assert figures["songs"] == 6 and figures["steps"] == sum(len(m) + 1 for m in tiny_corpus.melodies[:6])
    assert 0 < figures["nll_per_step"] < figures["nll_per_event"] + 5
    assert 0 <= figures["accuracy"] <= 1 and figures["pitch_bits_per_note"] > 0
    kn = KneserNey.fit([m.steps for m in tiny_corpus.melodies[6:]], tiny_model.vocab.symbols)
    assert set(score_ngram(kn, tiny_model.vocab, tiny_corpus.melodies[:6])) == set(figures)


@pytest.mark.subprocess
def test_evaluate_script_prints_the_json_contract(tiny_model_folder):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "evaluate.py"),
            "--model",
            str(tiny_model_folder),
            str(DATA),
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(key in result for key in KEYS)
    assert result["skipped"] >= 2  # the triplet song and the 5/8-note tune
