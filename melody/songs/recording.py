"""A sung or hummed recording, read safely: any common audio file (WAV, MP3, OGG, M4A, FLAC,
WEBM, AIFF; what a phone or the studio's recorder makes) becomes mono float samples at
`RATE` (16 kHz, what the pitch tracker reads), within bounds checked before and while
decoding:

- bytes: at most `MAX_RECORDING_BYTES` (30 s of stereo 96 kHz 16-bit WAV fits), sized
  before anything is decoded;
- length: under `MIN_SECONDS` is refused; past `MAX_SECONDS` decoding stops and the
  recording is cut there, saying so;
- time: decoding stops after `MAX_DECODE_S` seconds of work, whatever the file holds;
- sample rate `RATES` (8 to 192 kHz), at most `MAX_CHANNELS` channels (mixed to one).

Decoding is FFmpeg's, through PyAV (a wheel from PyPI with its own FFmpeg), resampled by
FFmpeg's resampler. Every problem is a `RecordingProblem` whose message says what to do:

    >>> read_recording(b"not audio at all", "hum.wav")
    Traceback (most recent call last):
    melody.songs.recording.RecordingProblem: hum.wav is not a recording the studio can read ...
"""

from __future__ import annotations

import io
import os
import time
from typing import NamedTuple

import numpy as np

from melody.core.errors import UserError
from melody.core.safe_text import clean

RATE = 16_000  # samples per second handed to the pitch tracker (swift-f0's own rate)
MAX_RECORDING_BYTES = 12 * 2**20  # the studio's upload limit too (.streamlit/config.toml)
MIN_SECONDS, MAX_SECONDS = 1.0, 30.0
MAX_DECODE_S = 5.0  # 30 s of MP3 decodes in ~0.1 s; a file that takes longer is refused
RATES = (8_000, 192_000)
MAX_CHANNELS = 8
CLIPPED = 0.999  # a sample at 99.9% of full scale or more is taken as clipped
CLIPPED_SHARE = 0.002  # over 0.2% of the samples clipped: the recording is said to be too loud
AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".flac", ".webm", ".aif", ".aiff")
# FFmpeg's demuxers for those files (format names as PyAV gives them, comma-separated aliases)
_CONTAINERS = {"wav", "mp3", "ogg", "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "aac", "flac", "matroska", "webm", "aiff"}


class RecordingProblem(UserError):
    """A recording that cannot be used, and what to do instead."""


class Recording(NamedTuple):
    """Mono samples at `RATE` (floats, full scale 1.0), where they came from, and what reading
    changed or noticed, in plain words (e.g. cut to 30 s, stereo mixed, clipped)."""

    samples: np.ndarray
    name: str
    source_rate: int
    channels: int
    notes: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def read_recording_file(path: str | os.PathLike, max_seconds: float = MAX_SECONDS) -> Recording:
    """`read_recording` of a file on disk, sized before it is read."""
    name = os.path.basename(os.fspath(path))
    try:
        size = os.path.getsize(path)
        if size > MAX_RECORDING_BYTES:
            raise RecordingProblem(_too_big(name, size))
        with open(path, "rb") as handle:
            data = handle.read(MAX_RECORDING_BYTES + 1)
    except OSError as error:
        raise RecordingProblem(f"{clean(name, 80)} cannot be read: {error.strerror or error}") from error
    return read_recording(data, name, max_seconds)


def read_recording(data: bytes, name: str = "recording", max_seconds: float = MAX_SECONDS) -> Recording:
    """The recording in ``data`` (a whole audio file) as `RATE` mono samples, or the
    `RecordingProblem` that says why it cannot be used. Past ``max_seconds`` it is cut
    (the evaluation reads a whole annotated recording; a seed never needs more than 30 s)."""
    name = clean(name, 80) or "recording"
    if len(data) > MAX_RECORDING_BYTES:
        raise RecordingProblem(_too_big(name, len(data)))
    if not data:
        raise RecordingProblem(f"{name} is empty: record again, or choose another file")
    av = load_decoder()
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            return _decoded(container, name, max_seconds)
    except RecordingProblem:
        raise
    except (av.FFmpegError, ValueError, IndexError, EOFError, OverflowError, MemoryError) as error:
        raise RecordingProblem(_unreadable(name)) from error


def _decoded(container, name: str, max_seconds: float) -> Recording:
    if not _CONTAINERS & set(container.format.name.split(",")):
        raise RecordingProblem(_unreadable(name))
    if not container.streams.audio:
        raise RecordingProblem(f"{name} holds no sound: choose a recording (WAV, MP3, OGG, M4A ...)")
    stream = container.streams.audio[0]
    rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
    if not RATES[0] <= rate <= RATES[1]:
        raise RecordingProblem(
            f"{name} is recorded at {rate:,} samples a second; the studio reads {RATES[0]:,} to {RATES[1]:,} "
            "(a phone or computer records at 44,100 or 48,000)"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise RecordingProblem(f"{name} has {channels} channels; record in mono or stereo")
    resampler = load_decoder().AudioResampler(format="flt", layout="mono", rate=RATE)
    parts, samples, clipped, seen = [], 0, 0, 0
    limit, started, cut = int(max_seconds * RATE), time.monotonic(), False
    for frame in container.decode(stream):
        raw = frame.to_ndarray()
        clipped += int(np.count_nonzero(np.abs(raw) >= _full_scale(raw.dtype) * CLIPPED))
        seen += raw.size
        for out in resampler.resample(frame):
            parts.append(out.to_ndarray().reshape(-1))
            samples += parts[-1].size
        if samples >= limit:
            cut = True
            break
        if time.monotonic() - started > MAX_DECODE_S:
            raise RecordingProblem(f"{name} takes too long to read; save it as a WAV or MP3 and try again")
    if not cut:
        parts.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    audio = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
    audio = np.nan_to_num(audio[:limit], nan=0.0, posinf=0.0, neginf=0.0)
    if len(audio) < MIN_SECONDS * RATE:
        raise RecordingProblem(
            f"{name} lasts {len(audio) / RATE:.1f} s; sing or hum for at least {MIN_SECONDS:g} second (a few notes)"
        )
    notes = []
    if cut:
        notes.append(f"The recording is longer than {max_seconds:g} s: its first {max_seconds:g} s were used.")
    if seen and clipped / seen > CLIPPED_SHARE:
        notes.append("The recording is clipped (too loud): sing a little further from the microphone next time.")
    return Recording(audio, name, rate, channels, tuple(notes))


def _full_scale(dtype: np.dtype) -> float:
    return float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0


def _too_big(name: str, size: int) -> str:
    return (
        f"{name} is {size / 2**20:.1f} MB; a recording may be at most {MAX_RECORDING_BYTES / 2**20:.0f} MB "
        f"({MAX_SECONDS:g} s of singing is far less): record a shorter one"
    )


def _unreadable(name: str) -> str:
    return (
        f"{name} is not a recording the studio can read (WAV, MP3, OGG, M4A, FLAC ...): "
        "record again, or choose another file"
    )


def load_decoder():
    """PyAV (FFmpeg's decoders), imported on first use (the studio's warm-up starts it)."""
    import av

    av.logging.set_level(av.logging.PANIC)  # a broken file is our error message, not FFmpeg's log
    return av
