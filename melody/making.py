"""What one click on Generate makes, and the next click's melody made ahead.

`melodies` turns a share `Recipe` (settings and melody number) into its titled melodies;
`heard` puts chords under one when the recipe asks for them; `render.render_all` makes
what the page shows. A click costs ~0.45 s of server time for a song of 16 bars with chords
on a 2-core AMD EPYC (generation ~130 ms, the WAV ~190, two engravings ~100), and the page
and the browser add as much again.

So the studio makes the **next** melody ahead: once a result is on the page, `Ahead.start`
draws a fresh melody number for the same settings and makes that melody, its chords and
its renders on one background thread shared by all sessions, while the person listens.
The next Generate with unchanged settings takes it (`Ahead.take`) and shows it at once.
Nothing about the melody changes: it is the melody of its number, as a link or "Make this
melody again" makes it (same recipe, same number, same melody). Changed settings, a link,
a recalled number or a job still queued behind other sessions' fall back to making the
melody on the click. The job starts `AHEAD_DELAY_S` after it is asked for, so that the
browser first fetches the sound and score of the result it has just been sent.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from . import sampler
from .melody import Melody
from .share import MAX_NUMBER, Recipe

_LOG = logging.getLogger(__name__)
AHEAD_DELAY_S = 0.4  # the browser fetches the page's new sound and score first
AHEAD_WAIT_S = 5.0  # longest wait for a melody made ahead that is being made now


def melodies(loaded, seed: Melody, recipe: Recipe) -> list[Melody]:
    """The recipe's melodies (its number is the random seed), titled "Folk melody #N" (and
    "-2", "-3" ... for variations)."""
    settings = sampler.GenerationSettings(
        bars=recipe.bars,
        temperature=recipe.temperature,
        random_seed=recipe.number,
        variations=recipe.variations,
        top_k=recipe.top_k or None,
        max_seq_len=recipe.window or None,
        key=recipe.key or None,
    )
    made = sampler.generate(loaded, seed, settings)
    title = f"Folk melody #{recipe.number}"
    return [m.replace(title=title + (f"-{i + 1}" if len(made) > 1 else "")) for i, m in enumerate(made)]


def heard(melody: Melody, chords: bool, chord_model) -> Melody:
    """``melody`` as it is played and shown: with chords chosen by ``chord_model`` when
    ``chords`` is on."""
    if not chords:
        return melody
    from . import harmony

    return harmony.harmonize(melody, chord_model)


@dataclasses.dataclass(frozen=True)
class Made:
    """One click's result made ahead: the recipe with its number, the melodies, and what the
    page shows of each (the melody as heard -> its `render.Renders`)."""

    recipe: Recipe
    melodies: list[Melody]
    views: dict


class Ahead:
    """The next melody of each session, made on one background thread for all sessions.

    A session keeps the `Future` that `start` returns (with the settings it was made for)
    and hands it to `take` on its next Generate."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="melody-ahead")
        self.lock = threading.Lock()

    def start(self, loaded, seed: Melody, recipe: Recipe, program: int, chord_model, score_width: int) -> Future:
        """Make the melody of ``recipe`` with a fresh number, its chords and renders (the
        score ``score_width`` wide), soon."""
        recipe = dataclasses.replace(recipe, number=secrets.randbelow(MAX_NUMBER + 1))
        return self.pool.submit(_make, loaded, seed, recipe, program, chord_model, score_width)

    @staticmethod
    def take(future: Future | None, recipe: Recipe) -> Made | None:
        """The melody made ahead for ``recipe``'s settings (any number), or None: none was
        asked for these settings, it is still queued (then it is dropped), or it failed."""
        if future is None:
            return None
        if not future.running() and not future.done():
            future.cancel()  # queued behind other sessions' work: making it now is faster
            return None
        try:
            made = future.result(timeout=AHEAD_WAIT_S)
        except Exception:  # noqa: BLE001  (a failed job only means the click makes its melody)
            _LOG.warning("a melody made ahead failed; the click makes it instead", exc_info=True)
            return None
        return made if made.recipe.same_melody_settings(recipe) and made.recipe.chords == recipe.chords else None


def _make(loaded, seed: Melody, recipe: Recipe, program: int, chord_model, score_width: int) -> Made:
    from . import render

    time.sleep(AHEAD_DELAY_S)
    made = melodies(loaded, seed, recipe)
    views = {}
    for melody in made:
        shown = heard(melody, recipe.chords, chord_model)
        views[shown] = render.render_all(shown, program, score_width)
    return Made(recipe, made, views)
