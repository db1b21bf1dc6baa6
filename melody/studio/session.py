"""What the studio keeps for one browser session, besides its widgets' values: one typed object.

The page holds one `StudioSession` (in Streamlit's Session State under `KEY`); every page
reads and writes its fields, so what a session holds is written down here, once.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future

from melody.core.melody import Melody
from melody.studio.budget import Plan
from melody.studio.recipe import Recipe
from melody.studio.singing import Take
from melody.studio.uploads import Upload

KEY = "studio"  # the Session State key of the session's `StudioSession`


@dataclasses.dataclass
class Result:
    """One Generate's result: the recipe (with its melody number), the melodies, what was
    asked and changed to keep the click bounded (``plan``), and what the page shows of each
    melody (``views``: the melody as heard -> its `melody.output.files.Renders`)."""

    recipe: Recipe
    melodies: list[Melody]
    plan: Plan | None = None
    views: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class StudioSession:
    """One visitor's studio.

    - ``result``: the melodies on the page (None before the first Generate); How it works
      explains the first of them.
    - ``upload``: the song file given as a seed (`Upload`: its name, its opening, what reading
      changed); ``upload_error`` what was wrong with the last file (the seed stays as it was).
    - ``take``: the recording sung or hummed as a seed (`Take`: its name, what was heard);
      ``take_error`` what was wrong with the last recording (the seed stays as it was).
    - ``link_read``: the share link has been read (once per session); ``link_number`` the
      melody number it asks to make on this run (a link's, or a number brought back from the
      book); ``link_problems`` what it could not read; ``recall_problem`` why a number typed
      under "Bring back a melody" cannot be made.
    - ``names``: the note names the seed box is written in (its "Note names" before a switch).
    - ``presenting``: which melody of the result the projector view shows (None: the studio).
    - ``kept``: the widgets' values, kept across pages (Streamlit drops a widget's value when
      its page is left).
    - ``ahead``: (the settings it was asked for, its Future): the next melody, being made
      while this one plays (`melody.studio.click.Ahead`).
    """

    result: Result | None = None
    upload: Upload | None = None
    upload_error: str | None = None
    take: Take | None = None
    take_error: str | None = None
    link_read: bool = False
    link_number: int | None = None
    link_problems: list[str] = dataclasses.field(default_factory=list)
    recall_problem: str | None = None
    presenting: int | None = None
    names: str = "english"
    kept: dict = dataclasses.field(default_factory=dict)
    ahead: tuple[Recipe, Future] | None = None
