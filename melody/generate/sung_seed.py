"""A sung or hummed seed, ready for the model: the one path from a recording to a seed that
`scripts/transcribe.py`, `scripts/generate.py --seed-audio` and the studio's "Sing or hum"
all take. The notes are heard by `melody.songs.sung.transcribe`, moved by octaves into the
model's range, and the key is the one a musician hears in them (`find_seed_key`, the same
finder as for a typed seed) unless one is given.

    >>> sung = seed_from_singing(loaded, read_recording_file("hum.wav"), meter="3/4")   # doctest: +SKIP
    >>> sung.melody.key, sung.tempo                                                      # doctest: +SKIP
    ('G major', 96.0)
"""

from __future__ import annotations

import dataclasses

from melody.generate.seed_key import find_seed_key
from melody.songs.keys import canonical_key
from melody.songs.recording import Recording
from melody.songs.sung import Sung, transcribe


def seed_from_singing(
    loaded,
    recording: Recording,
    meter: str = "4/4",
    tempo: float | None = None,
    pickup: int = 0,
    key: str | None = None,
) -> Sung:
    """The seed sung in ``recording`` (`transcribe`: ``tempo`` None finds it from the singing),
    in the model's octaves, in ``key`` or the key heard in it."""
    sung = transcribe(recording, meter=meter, tempo=tempo, pickup=pickup, pitch_range=loaded.vocab.pitch_range)
    found = canonical_key(key) if key else find_seed_key(loaded, sung.melody).key
    return dataclasses.replace(sung, melody=sung.melody.replace(key=found))
