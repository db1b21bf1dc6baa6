"""How well pitch trackers hear the notes of a sung recording (scripts/transcription_report.py).

The measure is mir_eval's note transcription score (`note_scores`): an estimated note matches
a reference note when its onset is within `ONSET_TOLERANCE_S` (50 ms) and its pitch within
`PITCH_TOLERANCE_CENTS` (50 cents); offsets are not compared. Precision is the share of the
estimated notes that match, recall the share of the reference notes matched, F their
harmonic mean. The references are human note annotations (`reference_notes`: one note a
line, onset s, frequency Hz, duration s, as vocadito gives them).

The trackers (`TRACKERS`) each turn mono `RATE` samples (what the studio hears) into
`HeardNote`s:

- ``swift-f0``: the studio's own path (`melody.songs.sung.heard_notes`, then
  `without_octave_slips`): swift-f0's pitch and segmentation, notes under 60 ms dropped,
  octave slips mended.
- ``swift-f0-raw``: swift-f0's `segment_notes` on its `PitchResult`, nothing more (what the
  studio's own steps add or cost).
- ``pyin``: librosa's pYIN (frames of 16 ms, as swift-f0's, centred where swift-f0's are),
  made notes by the same swift-f0 segmenter (`pyin_notes`); ``pyin-defaults`` with
  librosa's own frame length and pYIN's voiced probability as the confidence.
- ``basic-pitch``: Spotify's basic-pitch through its ONNX model and ONNX Runtime (no
  TensorFlow), its default thresholds; ``basic-pitch-tuned`` with a higher onset threshold
  and each note's pitch refined by its pitch bends (`basic_pitch_notes`).

`tracker_cost` times a tracker on the first `TIMED_SECONDS` of a recording on one core, in a
fresh process, and measures the resident memory that loading and running it adds (on a longer
clip if asked: swift-f0 runs a recording of up to 30 s in one piece, so its working memory
grows with the recording; ONNX Runtime keeps the largest it has needed).

    >>> reference = reference_notes("corpora/singing/vocadito_1_notesA1.csv")   # doctest: +SKIP
    >>> samples = read_recording_file("corpora/singing/vocadito_1.wav", 60).samples   # doctest: +SKIP
    >>> note_scores(reference, swift_f0_notes(samples))                        # doctest: +SKIP
    Scores(precision=0.82, recall=0.847, f1=0.833)
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from melody.core.errors import UserError
from melody.core.pitch import hz_to_midi, midi_to_hz
from melody.songs.recording import RATE
from melody.songs.sung import HeardNote, as_heard

ONSET_TOLERANCE_S = 0.05
PITCH_TOLERANCE_CENTS = 50.0
TIMED_SECONDS = 10.0  # the audio each tracker is timed on (its first seconds)
HOP = 256  # samples between frames at RATE: 16 ms, swift-f0's frame period
PYIN_RANGE_HZ = (65.0, 1000.0)  # C2 to B5: a man's low hum to a soprano's top


class TrackerMissing(UserError):
    """A tracker whose library is not installed; the message says what to install."""


class Scores(NamedTuple):
    precision: float
    recall: float
    f1: float


# --- references and scores ---------------------------------------------------------------


def reference_notes(path: str | os.PathLike) -> list[HeardNote]:
    """The notes of an annotation CSV (one a line: onset s, frequency Hz, duration s), in time
    order, as `HeardNote`s (pitch in fractional MIDI numbers, confidence 1)."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    if rows.shape[1] != 3:
        raise UserError(f"{os.fspath(path)}: expected 3 columns (onset s, frequency Hz, duration s)")
    notes = [HeardNote(float(onset), float(onset + seconds), hz_to_midi(hz), 1.0) for onset, hz, seconds in rows]
    return sorted(notes, key=lambda note: note.start)


def note_scores(reference: list[HeardNote], estimate: list[HeardNote]) -> Scores:
    """Precision, recall and F-measure of ``estimate`` against ``reference``: notes match when
    their onsets are within `ONSET_TOLERANCE_S` and their pitches within
    `PITCH_TOLERANCE_CENTS` (mir_eval.transcription, offsets ignored)."""
    from mir_eval.transcription import precision_recall_f1_overlap

    def arrays(notes: list[HeardNote]) -> tuple[np.ndarray, np.ndarray]:
        intervals = np.array([[note.start, note.end] for note in notes], dtype=float).reshape(-1, 2)
        return intervals, np.array([midi_to_hz(note.pitch) for note in notes], dtype=float)

    if not reference or not estimate:  # mir_eval warns on empty lists; nothing matches
        return Scores(0.0, 0.0, 0.0)
    precision, recall, f1, _ = precision_recall_f1_overlap(
        *arrays(reference),
        *arrays(estimate),
        onset_tolerance=ONSET_TOLERANCE_S,
        pitch_tolerance=PITCH_TOLERANCE_CENTS,
        offset_ratio=None,
    )
    return Scores(float(precision), float(recall), float(f1))


# --- trackers ----------------------------------------------------------------------------


def swift_f0_notes(samples: np.ndarray) -> list[HeardNote]:
    """The studio's notes: `heard_notes` (swift-f0, its segmentation, short notes dropped) with
    octave slips mended."""
    from melody.songs.sung import heard_notes, without_octave_slips

    return without_octave_slips(heard_notes(samples))


def swift_f0_raw_notes(samples: np.ndarray) -> list[HeardNote]:
    """swift-f0's `segment_notes` on its pitch track, nothing added (confidence: the mean over
    the note's frames)."""
    from melody.songs.sung import pitch_track

    segment_notes = _need("swift_f0.music", "swift-f0", "pip install swift-f0").segment_notes
    track = pitch_track(samples)
    return _notes_of(track, segment_notes(track))


def pyin_notes(samples: np.ndarray, frame_length: int = 1024, voiced_confidence: float | None = 0.9) -> list[HeardNote]:
    """librosa's pYIN at swift-f0's frames (hop 16 ms; frame ``t`` centred on sample ``t*HOP``,
    as swift-f0's, so the timestamps are ``t*0.016`` s for both), made notes by swift-f0's
    `segment_notes`: pitch where pYIN's Viterbi path says voiced (0 elsewhere), loudness the
    RMS in dB of 32 ms centred on the frame (as swift-f0 measures it), and confidence
    ``voiced_confidence`` on voiced frames and 1 minus it on the others (None: pYIN's
    voiced probability on voiced frames, 0 on the others).

    ``frame_length`` 1024 (64 ms at 16 kHz) is about librosa's default duration (2048 samples
    at 22.05 kHz, 93 ms); its default of 2048 samples is 128 ms at 16 kHz and blurs onsets."""
    librosa = _need("librosa", "pyin", "pip install librosa")
    from swift_f0 import PitchResult
    from swift_f0.music import segment_notes

    samples = np.asarray(samples, dtype=np.float32)
    f0, voiced, probability = librosa.pyin(
        samples, fmin=PYIN_RANGE_HZ[0], fmax=PYIN_RANGE_HZ[1], sr=RATE, frame_length=frame_length, hop_length=HOP
    )
    frames = len(f0)
    rms = librosa.feature.rms(y=samples, frame_length=2 * HOP, hop_length=HOP, center=True)[0][:frames]
    pitch = np.where(voiced & np.isfinite(f0), f0, 0.0)
    if voiced_confidence is None:
        confidence = np.where(pitch > 0, probability, 0.0)
    else:
        confidence = np.where(pitch > 0, voiced_confidence, 1 - voiced_confidence)
    track = PitchResult(
        timestamps=np.arange(frames) * HOP / RATE,
        pitch_hz=pitch,
        confidence=np.clip(confidence, 0.0, 1.0),
        loudness_db=20 * np.log10(np.maximum(rms, 1e-7)),
    )
    return _notes_of(track, segment_notes(track))


def pyin_default_notes(samples: np.ndarray) -> list[HeardNote]:
    """`pyin_notes` as a first try would run it: librosa's default frame length (2048 samples)
    and pYIN's voiced probability as the confidence."""
    return pyin_notes(samples, frame_length=2048, voiced_confidence=None)


def basic_pitch_notes(
    samples: np.ndarray,
    onset_threshold: float = 0.5,
    frame_threshold: float = 0.3,
    minimum_note_length_ms: float = 127.7,
    bends: bool = False,
) -> list[HeardNote]:
    """Spotify basic-pitch's note events (its defaults: onset 0.5, frame 0.3, 127.7 ms) of
    ``samples``, through `basic_pitch.inference.predict` with its ONNX model on one thread
    (the samples are written to a temporary 16 kHz WAV; basic-pitch reads it at 22.05 kHz).
    The pitch is the event's MIDI number (a whole semitone) or, with ``bends``, that plus
    the median of its pitch bends (basic-pitch's contour, a third of a semitone a bin);
    the confidence is the event's amplitude."""
    soundfile = _need("soundfile", "basic-pitch", "pip install soundfile")
    model, predict = _basic_pitch_model()
    with tempfile.TemporaryDirectory(prefix="basic-pitch-") as folder:
        path = os.path.join(folder, "audio.wav")
        soundfile.write(path, np.asarray(samples, dtype=np.float32), RATE, subtype="FLOAT")
        with contextlib.redirect_stdout(io.StringIO()):  # predict prints "Predicting MIDI for ..."
            _, _, events = predict(
                path,
                model,
                onset_threshold=onset_threshold,
                frame_threshold=frame_threshold,
                minimum_note_length=minimum_note_length_ms,
            )
    notes = []
    for start, end, pitch, amplitude, pitch_bends in events:
        shift = float(np.median(pitch_bends)) / 3 if bends and pitch_bends else 0.0
        notes.append(HeardNote(float(start), float(end), float(pitch) + shift, float(amplitude)))
    return sorted(notes, key=lambda note: (note.start, note.pitch))


def basic_pitch_tuned_notes(samples: np.ndarray) -> list[HeardNote]:
    """`basic_pitch_notes` with the onset threshold at 0.7 (fewer notes split by a wobble in
    the voice) and the pitch refined by the bends (a singer is rarely on the 440 Hz grid)."""
    return basic_pitch_notes(samples, onset_threshold=0.7, bends=True)


_MODELS: dict[str, tuple] = {}


def _basic_pitch_model():
    """basic-pitch's `Model` of its ONNX file, its ONNX Runtime session on one thread (loaded
    once), and its `predict`."""
    if "basic-pitch" not in _MODELS:
        import logging

        onnxruntime = _need("onnxruntime", "basic-pitch", "pip install onnxruntime")
        logging.disable(logging.WARNING)  # basic-pitch warns on import that TensorFlow, TFLite, CoreML are absent
        try:
            inference = _need("basic_pitch.inference", "basic-pitch", "pip install --no-deps basic-pitch")
        finally:
            logging.disable(logging.NOTSET)
        path = os.path.join(os.path.dirname(inference.__file__), "saved_models", "icassp_2022", "nmp.onnx")
        model = inference.Model(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        model.model = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        _MODELS["basic-pitch"] = model, inference.predict
    return _MODELS["basic-pitch"]


def _notes_of(track, segments) -> list[HeardNote]:
    """`segment_notes`' notes of ``track`` as `HeardNote`s, as the studio makes them (`as_heard`)."""
    return [as_heard(track, segment) for segment in segments if segment.pitch_hz > 0]


BASIC_PITCH_NEEDS = (  # basic-pitch installed with --no-deps (its own requirements pull in TensorFlow)
    ("librosa", "pip install librosa"),
    ("soundfile", "pip install soundfile"),
    ("pretty_midi", "pip install pretty_midi"),
    ("resampy", "pip install resampy"),
    ("onnxruntime", "pip install onnxruntime"),
    ("basic_pitch", "pip install --no-deps basic-pitch"),
)


def _need(module: str, tracker: str, install: str):
    """``module`` imported, or `TrackerMissing` saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise TrackerMissing(f"{tracker} needs {error.name}: {install}") from error


@dataclasses.dataclass(frozen=True)
class Tracker:
    name: str
    label: str  # as the report names it
    notes: Callable[[np.ndarray], list[HeardNote]]
    needs: tuple[tuple[str, str], ...]  # (module, how to install it)


TRACKERS = {
    tracker.name: tracker
    for tracker in (
        Tracker("swift-f0", "swift-f0 (the studio's path)", swift_f0_notes, (("swift_f0", "pip install swift-f0"),)),
        Tracker(
            "swift-f0-raw", "swift-f0 (raw segment_notes)", swift_f0_raw_notes, (("swift_f0", "pip install swift-f0"),)
        ),
        Tracker(
            "pyin",
            "pyin (64 ms frames, voiced flag)",
            pyin_notes,
            (("swift_f0", "pip install swift-f0"), ("librosa", "pip install librosa")),
        ),
        Tracker(
            "pyin-defaults",
            "pyin (128 ms frames, voiced prob.)",
            pyin_default_notes,
            (("swift_f0", "pip install swift-f0"), ("librosa", "pip install librosa")),
        ),
        Tracker(
            "basic-pitch",
            "basic-pitch (defaults)",
            basic_pitch_notes,
            BASIC_PITCH_NEEDS,
        ),
        Tracker(
            "basic-pitch-tuned",
            "basic-pitch (onset 0.7, bends)",
            basic_pitch_tuned_notes,
            BASIC_PITCH_NEEDS,
        ),
    )
}


def missing(name: str) -> str | None:
    """What to install before tracker ``name`` can run (e.g. "pip install librosa"), or None."""
    from importlib.util import find_spec

    wanted = [install for module, install in TRACKERS[name].needs if find_spec(module) is None]
    plain = [install.removeprefix("pip install ") for install in wanted if install.count(" ") == 2]
    commands = ([f"pip install {' '.join(plain)}"] if plain else []) + [w for w in wanted if w.count(" ") != 2]
    return " && ".join(commands) or None


# --- cost ----------------------------------------------------------------------------------


class Cost(NamedTuple):
    seconds: float  # wall time per TIMED_SECONDS of audio to turn it into notes, median of the timed runs
    cpu_seconds: float  # the process's CPU time for it (about the wall time on one core)
    megabytes: float  # peak resident memory added by importing, loading and running the tracker
    clip_seconds: float  # the audio it was measured on


def tracker_cost(name: str, samples: np.ndarray, repeats: int = 3, seconds: float = TIMED_SECONDS) -> Cost:
    """The `Cost` of tracker ``name`` on the first ``seconds`` of ``samples``, measured in a
    fresh Python process (spawned, so no library is loaded before it) pinned to one CPU: its
    resident memory before the tracker's library is imported, then one warm-up run (model
    loading; numba compiles pYIN on its first call), then ``repeats`` timed runs; the time
    is given per `TIMED_SECONDS`."""
    clip = np.ascontiguousarray(samples[: int(seconds * RATE)], dtype=np.float32)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return Cost(*pool.apply(_cost_here, (name, clip, repeats)), len(clip) / RATE)


def _cost_here(name: str, clip: np.ndarray, repeats: int) -> tuple[float, float, float]:
    """`tracker_cost` inside the fresh process."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    before = _memory_kb("VmRSS")
    notes = TRACKERS[name].notes
    notes(clip)  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        notes(clip)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    added = (_memory_kb("VmHWM") - before) / 1024
    per_timed = TIMED_SECONDS * RATE / len(clip)
    return statistics.median(walls) * per_timed, statistics.median(cpus) * per_timed, added


def _memory_kb(field: str) -> float:
    """This process's ``VmRSS`` (resident now) or ``VmHWM`` (its peak) in kB (Linux), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    import resource

    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
