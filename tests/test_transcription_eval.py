"""The note measure of scripts/transcription_report.py (melody/train/transcription_eval.py) and
the studio's transcription of a real sung recording (vocadito track 1, two annotators)."""

from __future__ import annotations

import pytest
from conftest import ROOT

from melody.songs.sung import HeardNote
from melody.train.transcription_eval import TRACKERS, missing, note_scores, reference_notes

SINGING = ROOT / "corpora" / "singing"
ANNOTATIONS = [SINGING / "vocadito_1_notesA1.csv", SINGING / "vocadito_1_notesA2.csv"]

pytest.importorskip("mir_eval")

# three notes: C4, D4, E4, a third of a second each
REFERENCE = [HeardNote(0.5 + 0.4 * index, 0.8 + 0.4 * index, 60 + 2 * index, 1.0) for index in range(3)]


def moved(note: HeardNote, seconds: float = 0.0, semitones: float = 0.0) -> HeardNote:
    return HeardNote(note.start + seconds, note.end + seconds, note.pitch + semitones, note.confidence)


def test_a_perfect_match_scores_one():
    assert note_scores(REFERENCE, list(REFERENCE)) == (1.0, 1.0, 1.0)


def test_an_onset_60_ms_late_is_a_miss_and_40_ms_a_match():
    late = [REFERENCE[0], moved(REFERENCE[1], 0.06), REFERENCE[2]]
    precision, recall, f1 = note_scores(REFERENCE, late)
    assert precision == pytest.approx(2 / 3) and recall == pytest.approx(2 / 3) and f1 == pytest.approx(2 / 3)
    assert note_scores(REFERENCE, [REFERENCE[0], moved(REFERENCE[1], 0.04), REFERENCE[2]]).f1 == 1.0


def test_a_pitch_60_cents_off_is_a_miss_and_40_cents_a_match():
    sharp = [moved(REFERENCE[0], semitones=0.6), *REFERENCE[1:]]
    assert note_scores(REFERENCE, sharp).f1 == pytest.approx(2 / 3)
    assert note_scores(REFERENCE, [moved(REFERENCE[0], semitones=-0.4), *REFERENCE[1:]]).f1 == 1.0


def test_offsets_are_not_compared_and_extra_notes_cost_precision():
    longer = [HeardNote(note.start, note.end + 0.5, note.pitch, 1.0) for note in REFERENCE]
    assert note_scores(REFERENCE, longer).f1 == 1.0
    extra = [*REFERENCE, HeardNote(2.0, 2.3, 67, 1.0)]
    assert note_scores(REFERENCE, extra)[:2] == (pytest.approx(3 / 4), 1.0)
    assert note_scores(REFERENCE, []) == (0.0, 0.0, 0.0)


def test_an_annotation_reads_as_notes_in_time_order():
    notes = reference_notes(ANNOTATIONS[0])
    assert len(notes) == 59
    first = notes[0]  # 0.661768707,143.742,0.290249433
    assert first.start == pytest.approx(0.661768707) and first.end == pytest.approx(0.661768707 + 0.290249433)
    assert first.pitch == pytest.approx(49.63, abs=0.01)  # 143.742 Hz: between C#3 and D3
    assert all(a.start <= b.start for a, b in zip(notes, notes[1:]))


def test_the_annotators_agree_well_but_not_fully():
    scores = note_scores(*(reference_notes(path) for path in ANNOTATIONS))
    assert 0.8 < scores.f1 < 0.9  # 0.86: the ceiling a tracker is read against


@pytest.fixture(scope="module")
def vocadito():
    pytest.importorskip("swift_f0")
    from melody.songs.recording import read_recording_file

    return read_recording_file(SINGING / "vocadito_1.wav", max_seconds=60).samples


def test_the_studios_path_hears_vocadito_as_the_annotators_do(vocadito):
    notes = TRACKERS["swift-f0"].notes(vocadito)
    for path in ANNOTATIONS:
        scores = note_scores(reference_notes(path), notes)
        assert scores.f1 >= 0.75, (path.name, scores)  # measured 0.83 (A1) and 0.85 (A2)


def test_pyin_is_made_notes_by_the_same_segmenter(vocadito):
    pytest.importorskip("librosa")
    notes = TRACKERS["pyin"].notes(vocadito[: 16_000 * 8])
    assert notes and all(0.0 <= note.start < note.end <= 8.1 for note in notes)
    assert note_scores(reference_notes(ANNOTATIONS[0]), notes).recall > 0


def test_basic_pitch_runs_through_onnx(vocadito):
    pytest.importorskip("basic_pitch")
    notes = TRACKERS["basic-pitch"].notes(vocadito[: 16_000 * 8])
    assert notes and all(note.start < note.end for note in notes)


def test_a_tracker_without_its_library_says_what_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "librosa" else real(name, *a))
    assert missing("pyin") == "pip install librosa"
    assert missing("swift-f0") is None
