"""What a song file given in the studio does: a good one's opening becomes the seed (and a
choice in the "Start from" menu), a bad one changes nothing but the error beside the uploader.

A browser replacing a file first takes the old one out (the uploader's value is None for one
run), then gives the new one; so taking a file out changes nothing either, and a bad file
after a good one leaves the page as the good one left it:

    >>> step = after_upload(kept=None, name="waltz.abc", read=reading)      # doctest: +SKIP
    >>> step.upload.name, step.seed.meter, step.upload.notes                 # doctest: +SKIP
    ('waltz.abc', '3/4', ('Took the top line of 2 parts.',))
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from melody.core.melody import Melody
from melody.core.safe_text import clean
from melody.songs.lines import Reading
from melody.studio.recipe import METERS

SEED_BARS = 2  # the opening of a file that becomes the seed: its pickup and first bars


class Upload(NamedTuple):
    """A song file the session holds as a seed: its name, its opening, and what reading it
    changed in that opening, in plain words (`melody.songs.lines.Reading.notes`)."""

    name: str
    opening: Melody
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class UploadStep:
    """What the session holds after the uploader changed: ``upload`` the file kept as a seed,
    ``error`` what is wrong with the one just given (None: nothing), ``seed`` the new seed for
    the seed's box, meter, pickup and key (None: they stay as they are)."""

    upload: Upload | None
    error: str | None = None
    seed: Melody | None = None


def after_upload(kept: Upload | None, name: str | None, read: Reading | str | None) -> UploadStep:
    """The session after the uploader changed: ``kept`` the file it held, ``name`` the file now in
    the uploader (None: taken out), ``read`` its reading, or what is wrong with it."""
    if name is None or read is None:
        return UploadStep(kept)
    if isinstance(read, str):
        return UploadStep(kept, read)
    if read.melody.meter not in METERS:  # its bars would be drawn and continued in a meter it is not in
        error = (
            f"{clean(name, 80)} is in {read.melody.meter}; the studio writes songs in {', '.join(METERS)}. "
            "Try a song in one of those meters."
        )
        return UploadStep(kept, error)
    opening = read.opening(SEED_BARS)
    return UploadStep(Upload(name, opening.melody, opening.notes()), seed=opening.melody)
