"""A model told the tradition (`Melody.style`): the vocabulary's styles, the split per
tradition, the style input from training (Keras) to serving (NumPy), the warm start from a
model of one tradition, and triplets rounded for the traditions that have them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import Lazy

from melody.core.errors import MelodyError
from melody.core.melody import Melody
from melody.net.folder import load_model_folder
from melody.net.step import step_model
from melody.net.vocabulary import UnknownStyleError, Vocabulary, song_arrays
from melody.songs.corpus import Task, parse_task_result
from melody.train.dataset import split_by_style, split_ids

keras = Lazy("keras")

STYLES = ("german", "chinese")


def _styled(corpus):
    """The tiny corpus, its songs marked alternately German and Chinese."""
    return [m.replace(style=STYLES[i % 2]) for i, m in enumerate(corpus.melodies)]


def test_a_vocabulary_knows_the_styles_of_songs_of_several_traditions_only(tiny_corpus):
    styled = Vocabulary.from_melodies(_styled(tiny_corpus))
    assert styled.styles == STYLES
    assert Vocabulary.from_melodies(m.replace(style="chinese") for m in tiny_corpus.melodies).styles == ()
    meters = len(styled.meters)
    assert styled.context_id("3/4", "chinese") == meters + styled.meter_id("3/4")
    assert styled.context_id("3/4", "") == styled.meter_id("3/4")  # not said: the first style
    with pytest.raises(UnknownStyleError, match="german, chinese, not 'irish-british'"):
        styled.style_id("irish-british")
    assert Vocabulary(styled.symbols, styled.meters).context_id("3/4", "chinese") == styled.meter_id("3/4")


def test_styles_json_is_written_and_read_back_and_checked(tmp_path, tiny_corpus):
    vocab = Vocabulary.from_melodies(_styled(tiny_corpus))
    vocab.save(tmp_path)
    assert Vocabulary.load(tmp_path) == vocab
    (tmp_path / "styles.json").write_text('["german", "german"]')
    with pytest.raises(ValueError, match="distinct style ids"):
        Vocabulary.load(tmp_path)


def test_a_style_that_is_not_an_id_is_refused():
    with pytest.raises(MelodyError, match="not a tradition's id"):
        Melody(("60",), style="<b>German</b>")
    assert Melody(("60",), style="irish-british").style == "irish-british"


def test_each_tradition_is_split_as_if_alone():
    melodies = [Melody(("60",), style="german")] * 40 + [Melody(("60",), style="chinese")] * 20
    split = split_by_style(melodies)
    alone = split_ids(40)
    for name in ("train", "validation", "test"):
        assert [i for i in split[name] if i < 40] == alone[name]
        assert [i - 40 for i in split[name] if i >= 40] == split_ids(20)[name]
    assert split_by_style(melodies[:40]) == alone  # one tradition: the split as before


@pytest.fixture(scope="module")
def style_model(tiny_corpus, tmp_path_factory):
    """A 16-unit style model started from the committed tiny model and trained one epoch on the
    tiny corpus marked with two styles."""
    from melody.train.keras_model import save_model_folder
    from melody.train.training import TrainConfig, train

    start = load_model_folder("tests/data/tiny-model")
    melodies = _styled(tiny_corpus)
    vocab = dataclasses.replace(start.vocab, styles=STYLES)
    config = dataclasses.replace(start.config, n_styles=2, style_dim=4)
    folder = tmp_path_factory.mktemp("style-model")
    outcome = train(
        melodies[:20], melodies[20:], vocab, TrainConfig(epochs=1, batch_size=8), folder / "ckpt", config,
        verbose=0, start_from=start,
    )  # fmt: skip
    save_model_folder(folder, outcome.keras_model, config, vocab)
    return load_model_folder(folder), outcome


def test_a_warm_start_begins_where_the_start_model_was(tiny_corpus):
    """Before any training, a style model started from a model of one tradition gives every
    style exactly the start model's probabilities: the style's kernel rows start at zero."""
    from melody.train.keras_model import build_model, keras_of, warm_start

    start = load_model_folder("tests/data/tiny-model")
    vocab = dataclasses.replace(start.vocab, styles=STYLES)
    model = build_model(dataclasses.replace(start.config, n_styles=2, style_dim=4))
    assert "lstm_0" in warm_start(model, start, vocab)
    song = tiny_corpus.melodies[0]
    before = keras_of(start).predict({k: v[None] for k, v in _inputs(song, start.vocab, False).items()}, verbose=0)
    for style in STYLES:
        after = model.predict(
            {k: v[None] for k, v in _inputs(song.replace(style=style), vocab, True).items()}, verbose=0
        )
        np.testing.assert_allclose(after, before, atol=1e-6)


def _inputs(melody, vocab, styled):
    arrays = song_arrays(melody, vocab)
    names = ("symbols", "positions", "meters", *(("styles",) if styled else ()))
    return {name: getattr(arrays, name) for name in names}


def test_the_numpy_step_model_reads_the_style_as_keras_does(style_model, tiny_corpus):
    loaded, outcome = style_model
    assert loaded.config.n_styles == 2 and loaded.vocab.styles == STYLES
    assert outcome.state["started_from"]["model"] == "tiny-model"
    net = step_model(loaded)
    song = tiny_corpus.melodies[3]
    last = {}
    for style in STYLES:
        arrays = song_arrays(song.replace(style=style), loaded.vocab)
        keras_p = outcome.keras_model.predict(
            {k: v[None] for k, v in _inputs(song.replace(style=style), loaded.vocab, True).items()}, verbose=0
        )[0]
        state, rows = net.initial_state(1), []
        for t in range(len(arrays.symbols)):
            p, state = net.step(
                state, arrays.symbols[t : t + 1], arrays.positions[t : t + 1], arrays.contexts[t : t + 1]
            )
            rows.append(p[0])
        np.testing.assert_allclose(np.stack(rows), keras_p, atol=2e-5)
        last[style] = keras_p
    assert np.abs(last["german"] - last["chinese"]).max() > 1e-4  # the style changes what it expects


def test_a_folder_whose_styles_do_not_match_its_config_is_refused(style_model, tmp_path):
    import shutil

    from melody.net.folder import ModelFolderError

    loaded, _ = style_model
    shutil.copytree(loaded.folder, tmp_path / "m")
    (tmp_path / "m" / "styles.json").write_text('["german", "chinese", "irish-british"]')
    with pytest.raises(ModelFolderError, match="lists 3 styles, config.json n_styles says 2"):
        load_model_folder(tmp_path / "m")


TRIPLET_TUNE = "X:1\nT:Triplet\nM:6/8\nL:1/8\nK:G\nGAB (3cBA G|GAB c2d|e2d BAG|A3 G3|]\n"


@pytest.mark.parametrize("round_triplets", [False, True])
def test_a_tune_with_a_triplet_is_kept_with_it_rounded_where_the_tradition_asks(round_triplets):
    task = Task("t.abc#1", "t.abc", "abc", TRIPLET_TUNE)
    result = parse_task_result(task, round_triplets=round_triplets, style="irish-british")
    if not round_triplets:
        assert result["skip"] == "bad_duration"
        return
    melody = Melody(**{**result["melody"], "steps": tuple(result["melody"]["steps"])})
    assert melody.style == "irish-british" and melody.key == "C major"
    assert melody.meter == "6/8" and len(melody) == 4 * 12 and len(melody.pitches()) == 19  # 3 notes in 4 steps


def test_a_chinese_song_gets_an_open_fifth_on_its_final_each_bar_and_files_keep_it(tmp_path):
    """The drone (`melody.chords.drone`): no third, so nothing the pentatonic tune lacks; written
    as a power chord in MusicXML and "G5" in ABC, and read back as the same open fifth."""
    from music21 import converter

    from melody.chords import model as harmony
    from melody.core.pitch import OPEN_FIFTH
    from melody.output import files
    from melody.songs.corpus import melody_from_song_file
    from melody.studio.ready_seeds import ready_seeds

    song = next(s for s in ready_seeds().values() if s.style == "chinese").melody  # Molihua's opening, ends on A
    heard = harmony.harmonize(song)
    assert song.pitches()[-1] % 12 == 9 and {(c.root, c.quality) for c in heard.chords} == {(9, OPEN_FIFTH)}
    assert [c.start for c in heard.chords] == list(range(0, len(song), song.bar_steps))
    assert harmony.harmonize(song.replace(style="")).chords[0].quality != OPEN_FIFTH  # no style: triads
    for suffix in (".musicxml", ".abc"):
        path = tmp_path / f"drone{suffix}"
        files.write(heard, path, 73, 1, None)
        figures = {h.figure for h in converter.parse(path).recurse().getElementsByClass("ChordSymbol")}
        assert figures == {"A5" if suffix == ".abc" else "Apower"}
        assert {(c.root, c.quality) for c in melody_from_song_file(path).chords} == {(9, OPEN_FIFTH)}


def test_the_per_tradition_table_scores_each_model_on_each_traditions_test_songs(style_model, tiny_corpus, tmp_path):
    from melody.songs.corpus import CorpusResult
    from melody.train.card import card_markdown, traditions_markdown
    from melody.train.dataset import load_split, write_dataset
    from melody.train.traditions_eval import tradition_table

    melodies = _styled(tiny_corpus)
    write_dataset(CorpusResult(melodies, [f"song{i}" for i in range(len(melodies))], {}, []), tmp_path / "data")
    loaded, _ = style_model
    one = load_model_folder("tests/data/tiny-model")
    table = tradition_table({"style": loaded, "one": one}, tmp_path / "data")
    assert list(table) == list(STYLES)
    tests = load_split(tmp_path / "data", "test")
    for style in STYLES:
        row = table[style]
        assert row["songs"] == sum(m.style == style for m in tests) > 0
        assert set(row["models"]) == {"style", "one"} and row["kn5"]["songs"] == row["songs"]
        assert row["models"]["style"]["nll_per_step"] != row["models"]["one"]["nll_per_step"]
    text = traditions_markdown({"table": table, "serves": {"chinese": "style"}})
    assert "| chinese | style (serves it) |" in text and "| german | KN-5 (its own training songs) |" in text
    shipped = {k: v for k, v in load_model_folder("models/essen-lstm").card.items() if k != "traditions"}
    assert "## Per tradition" in card_markdown({**shipped, "traditions": {"table": table, "serves": {}}})
    assert "## Per tradition" not in card_markdown(shipped)
