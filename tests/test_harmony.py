"""Chords under melodies (melody/chords/model.py, melody/chords/data.py): the chord spellings of
the Nottingham tunes, beats and scores as issue 16 defines them, the shipped chord model,
its NumPy network against Keras, serving without TensorFlow, and the two command lines."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, run_script

from melody.chords import model as harmony
from melody.chords.baselines import chord_tone_steps, oracle_chords, rule_chords, score_beats
from melody.chords.data import normalise_abc_chords, normalise_chord, read_tune
from melody.chords.model import HarmonyConfig, HarmonyModelError, beat_starts, beat_steps, harmonize, segment_starts
from melody.core.melody import Chord, Melody

CHORD_MODEL = ROOT / "models" / "nottingham-chords"
# pickup D, then Nottingham's spellings: "Gd" G diminished, "D/f+" D over F#, "Ea" E augmented,
# alternatives "Em""C" (the first is kept), "N.C." (no new chord), "D7" a 7th
SIX_EIGHT_TUNE = """X:1
T:Spellings
M:6/8
L:1/8
K:G
D|"G"GAB "Gd"d2c|"D/f+"ABc "Ea"B2A|"Em""C"GAB "N.C."c2e|"D7"d2c "G"B3:|
"""
TRIPLET_TUNE = """X:2
T:Triplets
M:4/4
L:1/8
K:Am
"Am"(3ABc d2 "E7sus4"e4|"Am"a8|]
"""
SCALE = Melody.from_events([(p, 8) for p in (60, 62, 64, 65, 67, 69, 71, 72)])  # half notes, 4 bars of 4/4
A_MINOR = Melody.from_events(
    [(p, 4) for p in (69, 71, 72, 74, 76, 74, 72, 71, 72, 71, 68, 71)] + [(69, 16)], key="A minor"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gd", "Gdim"),
        ("Ea", "Eaug"),
        ("Fa7", "Faug"),
        ("D/f+", "D"),
        ("A7/c+", "A"),
        ("Bbd", "Bbdim"),
        ("F#m", "F#m"),
        ("Em7", "Em"),
        ("C6", "C"),
        ("Dm6", "Dm"),
        ("Gsus4", "G"),
        ("Cmaj7", "C"),
        ("Cadd9", "C"),
        ("Bm7b5", "Bdim"),
        ("(E7)", "E"),
        ("B-m", "Bbm"),  # music21's own spelling of B flat minor
        ("N.C.", None),
        (" ", None),
        ("From A.Train's song", None),
    ],
)
def test_chord_spellings_reduce_to_triads(text, expected):
    assert normalise_chord(text) == expected


def test_abc_chords_are_rewritten_before_music21_reads_them():
    line = '"Em""C"edc " ""G"BAG|"Gd"G2 "N.C."A2 "D/f+"F2|'
    assert normalise_abc_chords(f'T:"Quoted" title\n{line}') == 'T:"Quoted" title\n"Em"edc BAG|"Gdim"G2 A2 "D"F2|'


def test_a_tune_is_read_as_written_with_its_human_chords():
    melody, repairs = read_tune(SIX_EIGHT_TUNE, "test.abc#1")
    assert (melody.key, melody.meter, melody.pickup, len(melody)) == ("G major", "6/8", 2, 50)
    assert [tuple(c) for c in melody.chords] == [
        (2, 7, "major"),
        (8, 7, "diminished"),
        (14, 2, "major"),
        (20, 4, "augmented"),
        (26, 4, "minor"),
        (38, 2, "major"),
        (44, 7, "major"),
    ]
    assert repairs == set()


def test_triplets_are_quantised_to_the_16th_grid():
    melody, repairs = read_tune(TRIPLET_TUNE)
    assert "quantised" in repairs and melody.key == "A minor"
    assert melody.steps[:4] == ("69", "71", "_", "72")  # A B C of a triplet eighth: 16th, 8th, 16th
    assert [tuple(c) for c in melody.chords] == [(0, 9, "minor"), (8, 4, "major"), (16, 9, "minor")]


def test_musicxml_harmony_is_read_like_the_abc(tmp_path):
    from music21 import converter

    from melody.chords.data import read_files

    score = converter.parse(normalise_abc_chords(SIX_EIGHT_TUNE), format="abc")
    score.write("musicxml", fp=tmp_path / "six.musicxml")
    (tmp_path / "song.mid").write_bytes(b"MThd")  # no chord symbols in MIDI: counted, not read
    melodies, sources, stats = read_files(sorted(tmp_path.iterdir()), workers=1)
    expected = read_tune(SIX_EIGHT_TUNE)[0]
    assert (melodies[0].steps, melodies[0].chords) == (expected.steps, expected.chords)
    assert sources == ["six.musicxml"] and stats.skipped == {"no_chord_format": 1}


def test_beats_follow_the_meter():
    assert [beat_steps(m) for m in ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8", "2/2", "5/8")] == [
        4,
        4,
        4,
        6,
        6,
        6,
        8,
        2,
    ]
    jig = Melody(("67",) + ("_",) * 25, meter="6/8", pickup=2)  # an eighth-note pickup
    assert list(beat_starts(jig)) == [2, 8, 14, 20]
    assert list(segment_starts(jig)) == [0, 2, 8, 14, 20]  # the pickup before its beat gets a chord too


def test_accuracy_and_chord_tone_ratio_on_a_hand_made_case():
    c, f, g = (Chord(0, 0, "major"), Chord(4, 5, "major"), Chord(12, 7, "major"))
    truth = Melody.from_events([(60, 4), (64, 4), (67, 4), (71, 4)]).with_chords(
        [Chord(0, 0, "major"), Chord(8, 7, "major")]
    )
    assert score_beats(truth, [c, f, g]) == (2, 4)  # beats 0 and 12 right, 4 and 8 wrong
    assert score_beats(truth.with_chords([Chord(4, 0, "major")]), [c]) == (3, 3)  # beat 0 has no human chord
    assert chord_tone_steps(truth, [c]) == (12, 16)  # C E G on, B off
    assert chord_tone_steps(truth, truth.chords) == (16, 16)  # B is the G chord's third
    assert oracle_chords(truth) == [c, Chord(8, 7, "major")]


def test_the_diatonic_rule_picks_the_triad_covering_the_notes():
    melody = Melody.from_events([(67, 4), (71, 4), (62, 4), (67, 4)], key="C major")
    assert rule_chords(melody) == [Chord(0, 7, "major"), Chord(8, 7, "major")]  # G B | D G: the dominant


@pytest.fixture(scope="module")
def chord_model():
    return harmony.load(CHORD_MODEL)


def test_a_scale_gets_tonic_dominant_and_subdominant_and_ends_on_the_tonic(chord_model):
    chords = harmonize(SCALE, chord_model).chords
    assert {(0, "major"), (7, "major"), (5, "major")} <= {(c.root, c.quality) for c in chords}
    assert chords[0].start == 0 and tuple(chords[-1])[1:] == (0, "major")
    assert all(c.start % 4 == 0 for c in chords)  # on beats


def test_a_minor_melody_ends_on_a_minor(chord_model):
    chords = harmonize(A_MINOR, chord_model).chords
    assert tuple(chords[-1])[1:] == (9, "minor")
    moved = harmonize(A_MINOR.transpose(-4), chord_model).chords  # F minor
    assert tuple(moved[-1])[1:] == (5, "minor")


@pytest.mark.parametrize(
    "melody",
    [
        Melody(("67",)),  # one 16th
        Melody(("r", "_", "_", "_")),  # silence: the tonic
        Melody(()),
        Melody(("67", "_", "r", "64", "_", "_", "72", "_") * 6, meter="6/8", pickup=2, key="D major"),
        Melody(("67", "_", "_", "_", "r", "_", "72", "_") * 5, meter="3/4", pickup=4, key="Eb major"),
        Melody(("62", "_", "65", "_", "69", "_", "_", "_") * 3, meter="2/4", key="D minor"),
        Melody(("62", "_", "65", "_", "69", "_", "_", "_") * 3, meter="5/8", pickup=1, key="F# minor"),
        Melody(("62", "_", "65", "_", "69", "_", "_", "_") * 4, meter="2/2"),
    ],
    ids=["one-note", "rests", "empty", "6/8-pickup", "3/4-rests", "2/4-minor", "5/8", "2/2"],
)
def test_any_melody_gets_chords_on_beats_ending_on_the_tonic(chord_model, melody):
    chords = harmonize(melody, chord_model).chords
    assert chords[0].start == 0
    assert {c.start for c in chords} <= {0, *beat_starts(melody).tolist()}
    tonic = harmony.tonic_class(melody.key)
    assert harmony.chord_class(chords[-1], melody.key) == tonic


def test_silence_gets_the_tonic_throughout(chord_model):
    silent = Melody(("r",) + ("_",) * 40, meter="5/8", key="Eb major")  # four bars of rest and a bit
    assert [tuple(c) for c in harmonize(silent, chord_model).chords] == [(0, 3, "major")]


def test_load_refuses_a_missing_or_broken_folder(tmp_path):
    with pytest.raises(HarmonyModelError, match="no chord model"):
        harmony.load(tmp_path / "nothing")
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / harmony.WEIGHTS_FILE).write_bytes(b"PK")
    with pytest.raises(HarmonyModelError, match="not a usable chord model"):
        harmony.load(tmp_path)


@pytest.mark.slow
def test_numpy_forward_equals_keras(tmp_path):
    from melody.core.storage import atomic_write_json
    from melody.train.chords import build_network

    config = HarmonyConfig(units=8, input_units=6)
    network = build_network(config)
    rng = np.random.default_rng(3)
    for weights in network.weights:  # away from Keras' initial zeros and ones
        weights.assign(rng.normal(0, 0.5, weights.shape).astype(np.float32))
    network.save(tmp_path / harmony.WEIGHTS_FILE)
    atomic_write_json(tmp_path / "config.json", {"units": 8, "input_units": 6})
    model = harmony.load(tmp_path)
    features = rng.normal(0, 1, (2, 13, harmony.N_FEATURES)).astype(np.float32)
    expected = network.predict([features, np.ones((2, 13), bool)], verbose=0)
    for row in range(2):
        assert np.allclose(np.exp(model.log_probs(features[row])), expected[row], atol=1e-5)


@pytest.mark.subprocess
def test_harmonize_never_imports_tensorflow_or_keras():
    script = (
        "import json, sys\n"
        "from melody.chords.model import harmonize\n"
        "from melody.core.melody import Melody\n"
        "m = harmonize(Melody(('60', '_', '64', '_', '67', '_', '_', '_')))\n"
        "assert m.chords\n"
        "print(json.dumps([name for name in ('tensorflow', 'keras') if name in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.subprocess
def test_harmony_eval_ends_with_one_json_line(tmp_path):
    (tmp_path / "two.abc").write_text(SIX_EIGHT_TUNE + "\n" + TRIPLET_TUNE)
    done = run_script("harmony_eval.py", "--model", str(CHORD_MODEL), str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["tunes"], result["beats"]) == (2, 8 + 8)
    assert 0 <= result["chord_accuracy"] <= 1 and 0 <= result["chord_tone_ratio"] <= 1
    assert {"tonic", "rule", "hmm", "oracle"} <= set(result["baselines"])


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("harmony_eval.py", ["--model", str(CHORD_MODEL), "no/such/file.abc"], "no such file"),
        ("harmony_eval.py", ["--model", "no/such/model", "corpora/nottingham/waltzes.abc"], "no chord model"),
        ("train_harmony.py", ["--corpus", "no/such/folder", "--out", "/tmp/unused-chords"], "no .abc files"),
        ("train_harmony.py", ["--generated-report", "--out", "no/such/model"], "no chord model"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(script, args, message):
    done = run_script(script, *args)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
