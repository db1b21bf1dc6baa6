"""What a recording given under "Sing or hum" does: the notes heard become the seed (and a
choice in the "Start from" menu, "Your singing"); a recording that cannot be used changes
nothing but the message beside the recorder, as a bad song file does (`uploads`).

The recorder's value is None for a run when a take is deleted or replaced, so taking one
out changes nothing either:

    >>> step = after_recording(kept=None, name="recording.wav", heard=sung)     # doctest: +SKIP
    >>> step.take.name, step.seed.tempo                                          # doctest: +SKIP
    ('recording.wav', 92.0)
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from melody.core.melody import Melody
from melody.core.pitch import note_name
from melody.songs.sung import Sung

SURE = ((0.8, "sure"), (0.6, "fairly sure"), (0.0, "unsure: check the notes, or sing again"))


class Take(NamedTuple):
    """A recording the session holds as a seed: its name and what was heard in it."""

    name: str
    sung: Sung


@dataclasses.dataclass(frozen=True)
class TakeStep:
    """The session after the recorder (or the recording uploader) changed: ``take`` the one
    kept as a seed, ``error`` what is wrong with the one just given (None: nothing), ``seed``
    the new seed for the seed box, meter and pickup (None: they stay as they are)."""

    take: Take | None
    error: str | None = None
    seed: Melody | None = None


def after_recording(kept: Take | None, name: str | None, heard: Sung | str | None) -> TakeStep:
    """The session after a recording came in: ``kept`` the take it held, ``name`` the one now
    given (None: taken out), ``heard`` what was heard in it, or what is wrong with it."""
    if name is None or heard is None:
        return TakeStep(kept)
    if isinstance(heard, str):
        return TakeStep(kept, heard)
    return TakeStep(Take(name, heard), seed=heard.melody)


def sureness(sure: float) -> str:
    """How sure the transcription is, in words and as a share: "sure (91%)"."""
    words = next(words for floor, words in SURE if sure >= floor)
    return f"{words} ({sure:.0%})"


def heard_in_words(sung: Sung, naming: str = "english") -> str:
    """One line on what was heard: notes, tempo (found or kept), the singer's tuning, sureness."""
    seed = sung.melody
    count = len(seed.pitches())
    lowest, highest = min(seed.pitches()), max(seed.pitches())
    span = f"{note_name(lowest, seed.key, naming)} to {note_name(highest, seed.key, naming)}"
    tempo = f"{sung.tempo:g} beats a minute" + (" (found from your singing)" if sung.tempo_found else "")
    tuning = (
        "in tune with A = 440 Hz"
        if abs(sung.tuning_cents) < 15
        else f"{abs(sung.tuning_cents):.0f} cents {'above' if sung.tuning_cents > 0 else 'below'} A = 440 Hz "
        "(followed, not corrected)"
    )
    return f"Heard {count} notes, {span}, at {tempo}, {tuning}. Transcription: {sureness(sung.sure)}."
