"""Voice-like recordings for the sung-seed tests: a melody sung by a synthetic voice with what
real singers do (vibrato, a scoop up into each note, a drift in tuning, breath noise, a small
gap between notes), and the sounds that are not a seed (a chord, a band, speech-like glides,
noise). Mono float samples; `wav_bytes` writes them as a file to hand to the reader."""

from __future__ import annotations

import io
import wave

import numpy as np

from melody.core.melody import Melody

# vowel formants (Hz, bandwidth Hz) of an open "ah"; a hum ("mm") keeps mostly the low harmonics
AH = ((730, 90), (1090, 110), (2440, 170))


def _envelope(count: int, rate: int, attack_s: float = 0.03, release_s: float = 0.04) -> np.ndarray:
    envelope = np.ones(count)
    attack, release = min(int(attack_s * rate), count // 2), min(int(release_s * rate), count // 2)
    envelope[:attack] = np.linspace(0, 1, attack)
    if release:
        envelope[-release:] = np.linspace(1, 0, release)
    return envelope


def _harmonic_weights(f0: float, hum: bool, rate: int) -> list[tuple[int, float]]:
    weights = []
    for k in range(1, 40):
        if k * f0 >= rate / 2 - 500:
            break
        if hum:
            weight = 1.0 / k**2
        else:
            weight = sum(1.0 / (1 + ((k * f0 - centre) / width) ** 2) for centre, width in AH) + 0.3 / k
        weights.append((k, weight))
    return weights


def sung(
    melody: Melody,
    rate: int = 44_100,
    tuning_cents: float = 0.0,
    drift_cents: float = 0.0,
    vibrato_cents: float = 35.0,
    vibrato_hz: float = 5.5,
    scoop_cents: float = -120.0,
    breath: float = 0.01,
    gap_s: float = 0.04,
    hum: bool = False,
    lead_s: float = 0.4,
    seed: int = 0,
) -> np.ndarray:
    """``melody`` sung at its tempo: each note a harmonic voice whose pitch scoops up from
    ``scoop_cents`` over 70 ms, wavers by ``vibrato_cents`` at ``vibrato_hz`` after 150 ms, and
    sits ``tuning_cents`` off A = 440 Hz, drifting by ``drift_cents`` over the whole take;
    ``gap_s`` of breath between notes; ``lead_s`` of room noise before and after."""
    rng = np.random.default_rng(seed)
    step_s = 15.0 / melody.tempo
    total_s = len(melody) * step_s
    out = np.zeros(int((total_s + 2 * lead_s) * rate))
    for event in melody.events():
        if event.pitch is None:
            continue
        start, length = lead_s + event.start * step_s, event.length * step_s - gap_s
        count = int(length * rate)
        t = np.arange(count) / rate
        cents = tuning_cents + drift_cents * (event.start * step_s / max(total_s, 1e-9))
        cents = cents + scoop_cents * np.exp(-t / 0.035)
        vibrato_depth = vibrato_cents * np.clip((t - 0.15) / 0.2, 0, 1)
        cents = cents + vibrato_depth * np.sin(2 * np.pi * vibrato_hz * t + rng.uniform(0, 2 * np.pi))
        f0 = 440.0 * 2 ** ((event.pitch - 69 + cents / 100) / 12)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        tone = sum(w * np.sin(k * phase) for k, w in _harmonic_weights(float(f0.mean()), hum, rate))
        tone = tone / np.max(np.abs(tone)) * _envelope(count, rate)
        first = int(start * rate)
        out[first : first + count] += 0.5 * tone
    out += breath * rng.standard_normal(len(out))
    return out.astype(np.float32)


def chord(pitches=(60, 64, 67), seconds: float = 3.0, rate: int = 44_100) -> np.ndarray:
    """Several voices holding different notes at once (a chord, or a band)."""
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    for pitch in pitches:
        f0 = 440.0 * 2 ** ((pitch - 69) / 12)
        out += sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 8))
    return (0.5 * out / np.max(np.abs(out)) * _envelope(len(t), rate)).astype(np.float32)


def glides(seconds: float = 4.0, rate: int = 44_100, seed: int = 1) -> np.ndarray:
    """Speech-like voicing: syllables of 120-250 ms whose pitch slides all the time (an
    intonation contour) rather than holding notes, with pauses between words."""
    rng = np.random.default_rng(seed)
    out, at = np.zeros(int(seconds * rate)), 0.1
    while at < seconds - 0.4:
        length = rng.uniform(0.12, 0.25)
        t = np.arange(int(length * rate)) / rate
        start_pitch = rng.uniform(48, 57)
        pitch = start_pitch + rng.uniform(-4, 4) * t / length + 1.5 * np.sin(2 * np.pi * t / length)
        f0 = 440.0 * 2 ** ((pitch - 69) / 12)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        tone = sum(np.sin(k * phase) / k for k in range(1, 12)) * _envelope(len(t), rate, 0.02, 0.03)
        first = int(at * rate)
        out[first : first + len(t)] += 0.4 * tone / np.max(np.abs(tone))
        at += length + (rng.uniform(0.15, 0.3) if rng.random() < 0.3 else 0.02)
    return out.astype(np.float32)


def noise(seconds: float = 3.0, rate: int = 44_100, level: float = 0.3, seed: int = 2) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * rate))).astype(np.float32)


def wav_bytes(samples: np.ndarray, rate: int = 44_100, channels: int = 1) -> bytes:
    """16-bit PCM WAV of ``samples`` (floats, full scale 1.0; clipped there), copied to
    ``channels`` channels."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    if channels > 1:
        pcm = np.repeat(pcm[:, None], channels, axis=1).reshape(-1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def encoded(samples: np.ndarray, container: str, codec: str, rate: int = 44_100) -> bytes:
    """``samples`` compressed as a phone or browser would send them (e.g. "mp3"/"mp3",
    "ipod"/"aac" for .m4a, "ogg"/"libopus", "flac"/"flac"), by PyAV's FFmpeg encoders."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=48_000 if codec == "libopus" else rate, layout="mono")
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
        if codec == "libopus" and rate != 48_000:  # Opus runs at 48 kHz only
            pcm = np.interp(np.arange(0, len(pcm), rate / 48_000), np.arange(len(pcm)), pcm).astype(np.int16)
            rate = 48_000
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
