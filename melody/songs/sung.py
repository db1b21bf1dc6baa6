"""A sung or hummed seed: the notes heard in a `Recording`, as a `Melody` on the 16th grid.

1. **Pitch**: swift-f0 (an ONNX network for voice pitch, MIT, ~400 kB) gives a pitch, a
   confidence and a loudness every 16 ms. Measured against librosa's pYIN and Spotify's
   basic-pitch (ONNX) on a real sung recording with two annotators
   (`scripts/transcription_report.py`, docs/transcription-report.md): note F 0.83 / 0.85
   against pYIN's best 0.78 / 0.80 and basic-pitch's 0.66 / 0.69, in 0.12 s per 10 s on one
   core against 1.3 s and 0.33 s.
2. **Notes**: swift-f0's own segmentation (`swift_f0.music.segment_notes`: one dynamic
   programme over voiced regions, pitch changes and dips in loudness, so a note sung again
   on the same pitch is two notes). Notes under `MIN_NOTE_S` are dropped.
3. **Tuning**: a hummer is rarely at A = 440 Hz and drifts as they go. Each note is rounded
   to the semitone after taking away the singer's own tuning at that moment: the circular
   mean of the neighbouring notes' deviations from the semitone grid (`local_tuning`).
4. **Tempo**: given (the studio's), or found from the onsets (`find_tempo`); then onsets
   and ends are placed on the 16th grid, a gap of an 8th or more becomes a rest.
5. **Bars**: in the meter and with the pickup chosen (the studio's controls; a few hummed
   bars fit several meters and pickups about equally well, so they are not guessed); the
   seed keeps at most `MAX_BARS` bars after the pickup, cut at a barline, and moves by
   octaves to where the model's songs sit (a man humming an octave low).

The key is not found here (it needs the model: `melody.generate.seed_key`); the melody is
in ``key`` as given (C major unless told).

    >>> sung = transcribe(read_recording_file("hum.wav"), meter="3/4")    # doctest: +SKIP
    >>> sung.melody.steps[:6], sung.tempo, round(sung.sure, 2)             # doctest: +SKIP
    (('67', '_', '_', '_', '69', '_'), 96.0, 0.91)
"""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np

from melody.core.errors import UserError
from melody.core.melody import Melody, bar_steps, canonical_meter, clamp_tempo
from melody.core.pitch import hz_to_midi
from melody.songs.recording import RATE, Recording

END_BIAS = 0.25  # 16ths added to a note's end before rounding: singers let go of a note early
TRACK_PIECE_S = 5.0  # seconds of audio through the pitch network at once (its memory grows with it)
MIN_NOTE_S = 0.06  # shorter notes are slides and consonants, not notes
MAX_BARS = 4  # a seed is an opening: at most this many bars after its pickup
TEMPO_SEARCH = (50, 180)  # quarter notes per minute tried when the tempo is found
TEMPO_PRIOR = 100.0  # the likeliest tempo of a hummed folk tune (a weak pull toward it)
TUNING_NEIGHBOURS = 2  # notes each side that say how the singer is tuned at a note
QUIET_DB = -50.0  # a recording whose peak is below this is silent
VOICED = 0.6  # swift-f0's confidence at which a frame counts as a pitched sound (a whistle: 0.6-0.9)
MIN_VOICED_S = 0.25  # less pitched sound than this: no notes heard (a chord or a band: 0-0.05 s)
# speech, not singing: short syllables (median note under 0.16 s) whose pitch slides (15% of
# voiced frames or more over half a semitone from their note's pitch) and lands between
# semitones (0.12 on average, after the singer's tuning). Measured on espeak-ng speech
# (English, German: 0.11-0.13 s, 18-22%, 0.16) against synthetic singing with wide vibrato and
# fast 16ths (at most 11% and 0.08) and vocadito's singer (0.33 s median notes).
SPEECH = {"note_s": 0.16, "sliding": 0.15, "off": 0.12}
# a note sung again on the same pitch needs a consonant or a breath between: loudness this far
# below the quieter of the two. A whistle's or a vibrato's tremolo dips 4-12 dB (FluidSynth's
# whistle); a breath or a hummed "m" 24-37 dB (synthetic voice, FluidSynth's voice oohs)
REARTICULATION_DB = 15.0


class NothingHeard(UserError):
    """A recording in which no sung notes were found, and why, in plain words."""


@dataclasses.dataclass(frozen=True)
class HeardNote:
    """One note as sung: seconds from the start of the recording, the pitch in fractional MIDI
    numbers as sung (440 Hz tuning), and the pitch tracker's mean confidence over it."""

    start: float
    end: float
    pitch: float
    confidence: float


@dataclasses.dataclass(frozen=True)
class Sung:
    """What was heard: ``melody`` the seed (on the grid, in the model's octaves), ``heard``
    the notes as sung, ``midi`` each heard note's semitone after tuning (before any octave
    move), the tempo (and whether it was found from the singing), the singer's tuning in
    cents from A = 440 Hz (its median over the notes), how sure the transcription is (0-1),
    and plain notes on what was changed."""

    melody: Melody
    heard: tuple[HeardNote, ...]
    midi: tuple[int, ...]
    tempo: float
    tempo_found: bool
    tuning_cents: float
    sure: float
    notes: tuple[str, ...] = ()
    used: int = 0  # how many of the heard notes (the first ones) are in the seed

    def note_list(self) -> list[dict]:
        """The heard notes as JSON-ready rows (seconds, MIDI number after tuning, as sung,
        the tracker's confidence, and whether the note is in the seed)."""
        return [
            {
                "start": round(note.start, 3),
                "end": round(note.end, 3),
                "midi": midi,
                "sung": round(note.pitch, 2),
                "confidence": round(note.confidence, 3),
                "in_seed": index < self.used,
            }
            for index, (note, midi) in enumerate(zip(self.heard, self.midi, strict=True))
        ]


# --- 1. pitch ---------------------------------------------------------------------------

_TRACKER, _TRACKER_LOCK = None, threading.Lock()


def tracker():
    """The one swift-f0 detector of this process (loaded on first use, ~0.3 s; one thread:
    the studio serves many people from two cores). ONNX Runtime runs it from any thread."""
    global _TRACKER
    with _TRACKER_LOCK:
        if _TRACKER is None:
            from swift_f0 import SwiftF0

            _TRACKER = SwiftF0(threads=1, spin=False)
        return _TRACKER


def pitch_track(samples: np.ndarray):
    """swift-f0's `PitchResult` of mono `RATE` samples: a frame every 16 ms. Fed in pieces of
    `TRACK_PIECE_S` through swift-f0's stream (the same pitches as one piece): ONNX Runtime
    keeps the largest buffer it has used, +228 MB for 30 s in one piece, +94 MB in pieces
    (`scripts/transcription_report.py --cost-seconds 30`)."""
    from swift_f0 import concat

    stream, piece = tracker().stream(), int(TRACK_PIECE_S * RATE)
    parts = [stream.push(samples[start : start + piece], RATE) for start in range(0, len(samples), piece)]
    return concat([*parts, stream.flush()])


# --- 2. notes ----------------------------------------------------------------------------


def heard_notes(samples: np.ndarray) -> list[HeardNote]:
    """The notes sung in ``samples`` (mono, `RATE`), or `NothingHeard` saying why there are none."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak <= 10 ** (QUIET_DB / 20):
        raise NothingHeard("The recording is silent: check that the microphone is on and allowed, then try again.")
    track = pitch_track(samples)
    voiced = track.confidence >= VOICED
    loud = track.loudness_db >= track.loudness_db.max() - 30
    from swift_f0.music import segment_notes

    notes, sliding = [], []
    for note in segment_notes(track):
        if note.end - note.start < MIN_NOTE_S or note.pitch_hz <= 0:
            continue
        notes.append(as_heard(track, note))
        sung = _frames(track, note) & (track.confidence >= 0.5) & (track.pitch_hz > 0)
        sliding.append(np.abs(12 * np.log2(track.pitch_hz[sung] / note.pitch_hz)) > 0.5)
    voiced_s = float(voiced.sum()) * (track.timestamps[1] - track.timestamps[0] if len(track.timestamps) > 1 else 0)
    if voiced_s < MIN_VOICED_S or not notes:
        if loud.mean() > 0.3:
            raise NothingHeard(
                "No singing heard, only noise or many sounds at once: hum or sing one note at a time, "
                "somewhere quiet, close to the microphone."
            )
        raise NothingHeard("No singing heard: hum or sing a few notes, close to the microphone.")
    notes = _without_tremolo_splits(notes, track)
    if len(notes) >= 6 and _speech(notes, np.concatenate(sliding)):
        raise NothingHeard(
            "That sounds like speaking, not singing: hold each note a little, as in a song "
            "(la, la, la or a hum), and try again."
        )
    return notes


def _frames(track, note) -> np.ndarray:
    """Which of the track's frames lie in ``note`` (anything with a start and an end, seconds)."""
    return (track.timestamps >= note.start) & (track.timestamps < note.end)


def as_heard(track, segment) -> HeardNote:
    """One of swift-f0's `segment_notes` as a `HeardNote`: its pitch as a fractional MIDI number,
    its confidence the mean over its frames."""
    frames = _frames(track, segment)
    confidence = float(track.confidence[frames].mean()) if frames.any() else 0.0
    return HeardNote(segment.start, segment.end, hz_to_midi(segment.pitch_hz), confidence)


def _without_tremolo_splits(notes: list[HeardNote], track) -> list[HeardNote]:
    """Two notes on one pitch, less than 0.1 s apart, with no dip of `REARTICULATION_DB` between
    them, are one note that wavered in loudness (the segmentation splits at a tremolo's dips)."""

    def level(note: HeardNote) -> float:
        frames = _frames(track, note)
        return float(np.median(track.loudness_db[frames])) if frames.any() else -120.0

    joined = [notes[0]] if notes else []
    for note in notes[1:]:
        last = joined[-1]
        near = note.start - last.end < 0.1 and abs(note.pitch - last.pitch) < 0.5
        between = (track.timestamps >= last.end - 0.032) & (track.timestamps <= note.start + 0.032)
        dip = min(level(last), level(note)) - track.loudness_db[between].min(initial=0)
        if near and dip < REARTICULATION_DB:
            seconds = [last.end - last.start, note.end - note.start]
            pitch = float(np.average([last.pitch, note.pitch], weights=seconds))
            joined[-1] = HeardNote(last.start, note.end, pitch, float(np.average([last.confidence, note.confidence])))
        else:
            joined.append(note)
    return joined


def _speech(notes: list[HeardNote], sliding: np.ndarray) -> bool:
    """Whether the notes sound like speech (`SPEECH`): short, sliding and between semitones."""
    _, off = rounded_pitches(notes)
    note_s = float(np.median([note.end - note.start for note in notes]))
    slides = float(sliding.mean()) if sliding.size else 0.0
    return note_s < SPEECH["note_s"] and slides >= SPEECH["sliding"] and float(off.mean()) >= SPEECH["off"]


# --- 3. tuning ---------------------------------------------------------------------------


def without_octave_slips(notes: list[HeardNote]) -> list[HeardNote]:
    """The notes with the tracker's octave slips mended: a note an octave (give or take half a
    semitone) from the notes just before and after it, which touch it and are on one pitch,
    is part of one note with them (a bright vowel's second harmonic heard as the pitch for a
    moment: "C5 C6 C5" for one long C5)."""
    mended = list(notes)
    index = 1
    while index < len(mended) - 1:
        before, slip, after = mended[index - 1 : index + 2]
        touching = slip.start - before.end < 0.03 and after.start - slip.end < 0.03
        octave = abs(abs(slip.pitch - before.pitch) - 12) < 0.5 and abs(after.pitch - before.pitch) < 0.5
        if touching and octave:
            seconds = [note.end - note.start for note in (before, after)]
            pitch = float(np.average([before.pitch, after.pitch], weights=seconds))
            confidence = min(before.confidence, after.confidence)
            mended[index - 1 : index + 2] = [HeardNote(before.start, after.end, pitch, confidence)]
        else:
            index += 1
    return mended


def local_tuning(pitches: np.ndarray, weights: np.ndarray, neighbours: int = TUNING_NEIGHBOURS) -> np.ndarray:
    """The singer's tuning at each note, in semitones from the 440 Hz grid: the weighted
    circular mean (period one semitone) of the deviations of the note and its ``neighbours``
    each side, unwrapped from note to note. A choir a quarter-tone flat, or drifting down by
    more than a semitone as it goes, still rounds to the notes it means."""
    angles = 2 * np.pi * (pitches - np.round(pitches))
    unit = weights * np.exp(1j * angles)
    tuning = np.empty(len(pitches))
    for index in range(len(pitches)):
        window = unit[max(0, index - neighbours) : index + neighbours + 1]
        tuning[index] = np.angle(window.sum())
    return np.unwrap(tuning) / (2 * np.pi)  # followed past a semitone: a drift, not a jump


def rounded_pitches(notes: list[HeardNote]) -> tuple[np.ndarray, np.ndarray]:
    """Each note's semitone after the singer's tuning, and how far it was sung from it
    (semitones, after tuning)."""
    pitches = np.array([note.pitch for note in notes])
    weights = np.array([min(note.end - note.start, 1.0) for note in notes])
    tuned = pitches - local_tuning(pitches, weights)
    rounded = np.round(tuned)
    return rounded.astype(int), np.abs(tuned - rounded)


# --- 4. tempo and grid -------------------------------------------------------------------


def _grid_cost(onsets: np.ndarray, step_s: float) -> float:
    """How badly ``onsets`` (seconds from the first) fit a grid of 16ths of ``step_s``: the
    mean distance to the nearest 8th, in 8ths, where a 16th off the 8th grid costs a little
    (hummed folk tunes move mostly in 8ths and longer notes), and the share of onsets off the
    beat a very little (a waltz of quarters at 80 is not dotted quarters at 120)."""
    eighths = onsets / (2 * step_s)
    off_eighth = np.abs(eighths - np.round(eighths))
    off_sixteenth = np.abs(2 * eighths - np.round(2 * eighths)) / 2
    quarters = onsets / (4 * step_s)
    off_beat = np.abs(quarters - np.round(quarters)) > 0.1
    return float(np.mean(np.minimum(off_eighth, off_sixteenth + 0.12))) + 0.02 * float(np.mean(off_beat))


def find_tempo(onsets: np.ndarray) -> float:
    """The tempo (quarters a minute) that puts the onsets (seconds) nearest a grid of 8ths,
    with a weak pull toward `TEMPO_PRIOR` (a half or double tempo fits as well), refined by
    a least-squares fit of the onsets to their grid positions."""
    onsets = np.asarray(onsets, dtype=float) - onsets[0]
    if len(onsets) < 3:
        return TEMPO_PRIOR
    candidates = np.arange(TEMPO_SEARCH[0], TEMPO_SEARCH[1] + 0.5, 0.5)
    costs = [_grid_cost(onsets, 15.0 / bpm) + 0.08 * math.log(bpm / TEMPO_PRIOR) ** 2 for bpm in candidates]
    bpm = float(candidates[int(np.argmin(costs))])
    steps = np.round(onsets / (15.0 / bpm))
    if steps[-1] > 0:  # least squares through the first onset: step length = sum(t*k) / sum(k*k)
        bpm = 15.0 / (float(onsets @ steps) / float(steps @ steps))
    return float(np.clip(round(bpm), *TEMPO_SEARCH))


def grid_origin(onsets: list[float], step_s: float) -> float:
    """Where the grid's first 16th falls (seconds): the shift, within half a 16th of the first
    onset, that puts all onsets nearest the grid (`_grid_cost`, 8ths first). A sound that
    speaks slowly (a choir, a whistle) is heard late on every note but the first, which
    starts from silence."""
    onsets_s = np.asarray(onsets, dtype=float)
    shifts = onsets_s[0] + np.linspace(-0.5, 0.5, 21) * step_s
    errors = [_grid_cost(onsets_s - shift, step_s) for shift in shifts]  # as the tempo is found
    best = min(zip(np.round(errors, 3), np.abs(shifts - onsets_s[0]), shifts))[2]  # ties: the least shift
    return float(best if round((onsets_s[0] - best) / step_s) == 0 else onsets_s[0])


def on_grid(notes: list[HeardNote], pitches, tempo: float) -> list[tuple[int | None, int]]:
    """The notes as ``(pitch or None for a rest, length in steps)`` from the first onset: each
    onset on its nearest 16th (never two on one), a note held to the next onset unless the gap
    is an 8th or more (a rest), the last note as long as it was sung."""
    step_s = 15.0 / tempo
    first = grid_origin([note.start for note in notes], step_s)
    starts, ends = [], []
    for note in notes:
        start = round((note.start - first) / step_s)
        start = max(start, starts[-1] + 1) if starts else 0
        starts.append(start)
        ends.append(max(start + 1, round((note.end - first) / step_s + END_BIAS)))
    events: list[tuple[int | None, int]] = []
    for index, (pitch, start, end) in enumerate(zip(pitches, starts, ends, strict=True)):
        following = starts[index + 1] if index + 1 < len(starts) else end
        if following - end >= 2:
            events += [(int(pitch), end - start), (None, following - end)]
        else:
            events.append((int(pitch), following - start))
    return events


# --- 5. bars -----------------------------------------------------------------------------


def octave_shift(midi: list[int], pitch_range: tuple[int, int]) -> int:
    """Semitones (a multiple of 12) that put the most notes in ``pitch_range`` (a model's range):
    the smallest such move (a seed stays where it was sung when it fits)."""
    low, high = pitch_range
    middle, centre = float(np.median(midi)), (low + high) / 2

    def fit(shift: int) -> tuple[int, int, float]:
        return sum(low <= pitch + shift <= high for pitch in midi), -abs(shift), -abs(middle + shift - centre)

    return max(range(-36, 37, 12), key=fit)


def _cut(events: list[tuple[int | None, int]], length: int) -> list[tuple[int | None, int]]:
    kept, at = [], 0
    for pitch, steps in events:
        if at >= length:
            break
        kept.append((pitch, min(steps, length - at)))
        at += steps
    while kept and kept[-1][0] is None:
        kept.pop()
    return kept


# --- all of it ---------------------------------------------------------------------------


def transcribe(
    recording: Recording,
    meter: str = "4/4",
    tempo: float | None = None,
    pickup: int = 0,
    pitch_range: tuple[int, int] = (55, 84),
    key: str = "C major",
) -> Sung:
    """The seed sung in ``recording``: its notes on the 16th grid of ``meter`` at ``tempo``
    (None: found from the singing), with ``pickup`` steps before the first barline (as
    chosen: a few hummed bars fit several pickups about equally), moved by octaves into
    ``pitch_range``. `NothingHeard` when no notes are heard."""
    notes = without_octave_slips(heard_notes(recording.samples))
    said = list(recording.notes)
    midi, off = rounded_pitches(notes)
    found = tempo is None
    tempo = find_tempo(np.array([note.start for note in notes])) if found else clamp_tempo(tempo)
    events = on_grid(notes, midi, tempo)
    meter = canonical_meter(meter)
    bar = bar_steps(meter)
    if not 0 <= pickup < bar:
        raise UserError(f"pickup {pickup} must be 0 to {bar - 1} sixteenths in {meter}")
    total = sum(length for _, length in events)
    keep = pickup + MAX_BARS * bar
    if total > keep:
        events = _cut(events, keep)
        said.append(f"Only the first {MAX_BARS} bars were kept: a seed is the opening of a song.")
    shift = octave_shift([pitch for pitch, _ in events if pitch is not None], pitch_range)
    if shift:
        how = "above" if shift < 0 else "below"
        octaves = abs(shift) // 12
        said.append(
            f"Sung {'an octave' if octaves == 1 else f'{octaves} octaves'} {how} where the songs sit: written "
            f"{'an octave' if octaves == 1 else f'{octaves} octaves'} {'down' if shift < 0 else 'up'}."
        )
    events = [(None if pitch is None else pitch + shift, length) for pitch, length in events]
    melody = Melody.from_events(
        events, meter=meter, pickup=min(pickup, sum(n for _, n in events)), tempo=tempo, key=key
    )
    used = len([1 for pitch, _ in events if pitch is not None])
    sure = _sureness(notes[:used], off[:used], tempo)
    return Sung(
        melody,
        tuple(notes),
        tuple(int(m) for m in midi),
        float(tempo),
        found,
        float(np.median([100 * (note.pitch - m) for note, m in zip(notes, midi, strict=True)])),
        sure,
        tuple(said),
        used,
    )


def _sureness(notes: list[HeardNote], off: np.ndarray, tempo: float) -> float:
    """How sure the transcription is, 0 to 1: the tracker's confidence over the notes, times
    how near their semitones they were sung (a note half-way between two is a coin toss),
    times how near the 16th grid their onsets fell."""
    if not notes:
        return 0.0
    confidence = float(np.mean([note.confidence for note in notes]))
    pitch = float(np.mean(1 - 2 * np.clip(off, 0, 0.5)))
    step_s = 15.0 / tempo
    where = np.array([note.start - notes[0].start for note in notes]) / step_s
    timing = float(np.mean(1 - 2 * np.abs(where - np.round(where))))
    return max(0.0, min(1.0, confidence * (0.5 + 0.5 * pitch) * (0.5 + 0.5 * timing)))
