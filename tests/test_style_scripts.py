"""The command lines of the traditions (issue 25): generate.py --style writes songs of that
tradition that music21 reads back, evaluate.py --style scores songs with the style's model and
that tradition's KN-5, and a bad style is one line."""

import json
import os

import pytest
from conftest import run_script

from melody.songs.traditions import TRADITIONS

pytestmark = [pytest.mark.subprocess, pytest.mark.shipped_model]
ENV = {key: value for key, value in os.environ.items() if key != "FOLK_MODEL"}  # each style's own model


def _read_abc(path):
    from music21 import converter

    score = converter.parse(path)
    return score, score.flatten()


def test_a_chinese_song_of_16_bars_in_abc_with_its_drone(tmp_path):
    out = tmp_path / "x.abc"
    done = run_script("generate.py", "--style", "chinese", "--bars", "16", "--chords", "--random-seed", "3",
                      "--out", out, env=ENV)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "style chinese" in done.stdout.splitlines()[-1]
    _, flat = _read_abc(out)
    [signature] = {ts.ratioString for ts in flat.getElementsByClass("TimeSignature")}
    assert signature == TRADITIONS["chinese"].meter  # the tradition's usual meter
    assert flat.highestTime == pytest.approx(16 * 2, abs=0.01)  # 16 bars of 2/4
    assert {h.figure[-1] for h in flat.getElementsByClass("ChordSymbol")} == {"5"}  # open fifths
    assert "Q:1/4=80" in out.read_text()  # the tradition's tempo


def test_an_irish_jig_in_six_eight(tmp_path):
    out = tmp_path / "jig.abc"
    done = run_script("generate.py", "--style", "irish-british", "--meter", "6/8", "--bars", "16", "--random-seed",
                      "5", "--out", out, env=ENV)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, flat = _read_abc(out)
    assert {ts.ratioString for ts in flat.getElementsByClass("TimeSignature")} == {"6/8"}
    assert flat.highestTime == pytest.approx(16 * 3, abs=0.01)
    assert len(flat.notes) >= 16


def test_evaluate_scores_chinese_songs_with_the_chinese_style(tmp_path):
    from melody.studio.ready_seeds import ready_seeds

    for index, seed in enumerate(s for s in ready_seeds().values() if s.style == "chinese"):
        from melody.output import files

        files.write(seed.melody, tmp_path / f"song{index}.abc", 73, index, None)
    done = run_script("evaluate.py", "--style", "chinese", tmp_path, env=ENV)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["style"] == "chinese" and result["model"].endswith(TRADITIONS["chinese"].model)
    assert result["songs"] == 3 and 0 < result["nll_per_step"] < result["kn5"]["nll_per_step"] + 1
    bad = run_script("evaluate.py", "--style", "klingon", tmp_path, env=ENV)
    assert bad.returncode == 2 and "not a style; choose from german, chinese, irish-british" in bad.stderr
