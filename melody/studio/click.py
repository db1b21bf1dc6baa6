"""What one click on Generate makes, and the next click's melody made ahead.

`melodies` turns a share `Recipe` (settings and melody number) into its titled melodies;
`heard` puts chords under one when the recipe asks for them; `files.render_all` makes
what the page shows. `melody.studio.budget.plan` has bounded the recipe before any of this runs.
A click costs ~0.45 s of server time for a song of 16 bars with chords on a 2-core AMD EPYC
(generation ~130 ms, the WAV ~190, the engraving ~50), and the page and the browser add as
much again.

So the studio makes the **next** melody ahead: once a result is on the page, `Ahead.start`
draws a fresh melody number for the same settings and makes that melody, its chords and
its renders on one background thread shared by all sessions, while the person listens.
The next Generate with unchanged settings takes it (`Ahead.take`) and shows it at once.
Nothing about the melody changes: it is the melody of its number, as a link or "Make this
melody again" makes it (same recipe, same number, same melody). Bounds, so that a class
(or a crowd opening a link and leaving) cannot pile work up:

- one job per session (a new one replaces the session's last), at most `MAX_QUEUED` waiting
  in all (more are not made ahead: the click makes them);
- only for clicks that cost little (`budget.cheap`): a costly one is made on its click;
- a job waits `AHEAD_DELAY_S` after it is asked for (the browser first fetches the sound
  and score it has just been sent), and is skipped, or stopped between its melodies, once
  its session has gone (``alive`` says so) or it was cancelled;
- the worker is a daemon thread: stopping the server never waits for it.

Changed settings, a link, a recalled number, or a job not yet started make the melody on the
click instead (a job already running is waited for, at most `AHEAD_WAIT_S`).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import secrets
import threading
import time
from concurrent.futures import CancelledError, Future, TimeoutError

from melody.core.melody import Melody
from melody.generate import generator
from melody.songs.keys import in_key
from melody.studio import budget
from melody.studio.recipe import MAX_NUMBER, Recipe

_LOG = logging.getLogger(__name__)
AHEAD_DELAY_S = 0.4  # the browser fetches the page's new sound and score first
AHEAD_WAIT_S = 5.0  # longest wait for a melody made ahead that is being made now
MAX_QUEUED = 8  # jobs waiting for the worker, all sessions together


def melodies(loaded, seed: Melody, recipe: Recipe) -> list[Melody]:
    """The recipe's melodies (its number is the random seed) in the seed's key, titled "Folk
    melody #N" (and "-2", "-3" ... for variations); `placed` puts them in the recipe's key."""
    made = generator.generate(loaded, seed, recipe.settings(key=None))
    title = f"Folk melody #{recipe.number}"
    return [m.replace(title=title + (f"-{i + 1}" if len(made) > 1 else "")) for i, m in enumerate(made)]


def placed(melody: Melody, recipe: Recipe) -> Melody:
    """A melody as made (in its seed's key) in ``recipe``'s key and tempo: the same tune,
    moved as `generator.generate` moves it (`in_key`), so a change of key or tempo on the page
    keeps the melody, and its link makes the same one."""
    if recipe.key:
        melody = in_key(melody, recipe.key)
    return melody if melody.tempo == recipe.tempo else melody.replace(tempo=recipe.tempo)


def heard(melody: Melody, recipe: Recipe, chord_model) -> Melody:
    """``melody`` as it is played and shown: `placed`, with chords chosen by ``chord_model``
    when ``recipe.chords`` is on."""
    melody = placed(melody, recipe)
    if not recipe.chords:
        return melody
    from melody.chords import model as harmony

    return harmony.harmonize(melody, chord_model)


@dataclasses.dataclass(frozen=True)
class Made:
    """One click's result made ahead: the recipe with its number, the melodies, and what the
    page shows of each ((the melody as heard, its General MIDI program) -> its `files.Renders`)."""

    recipe: Recipe
    melodies: list[Melody]
    views: dict


@dataclasses.dataclass
class _Job:
    session: str
    future: Future
    due: float  # time.monotonic() when it may start
    work: tuple  # the arguments of _make
    alive: object  # () -> bool: the session is still there


class Ahead:
    """The next melody of each session, made on one daemon thread for all sessions.

    A session keeps the `Future` that `start` returns (with the settings it was made for)
    and hands it to `take` on its next Generate."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.jobs: collections.OrderedDict[str, _Job] = collections.OrderedDict()  # session -> its one job
        self.worker = threading.Thread(target=self._work, name="melody-ahead", daemon=True)
        self.worker.start()

    def start(
        self, session: str, loaded, seed: Melody, recipe: Recipe, program: int, chord_model, score_width: int,
        alive=lambda: True,
    ) -> Future | None:  # fmt: skip
        """Make the melody of ``recipe`` (with a fresh number if it has none), its chords and renders (the
        score ``score_width`` wide), soon, for ``session`` (replacing its job not yet
        started); None when it is not made ahead (too costly, or too many waiting)."""
        if not budget.cheap(recipe):
            return None
        if recipe.number is None:
            recipe = dataclasses.replace(recipe, number=secrets.randbelow(MAX_NUMBER + 1))
        future: Future = Future()
        with self.lock:
            old = self.jobs.pop(session, None)
            if old:
                old.future.cancel()
            if len(self.jobs) >= MAX_QUEUED:
                return None
            work = (loaded, seed, recipe, program, chord_model, score_width)
            self.jobs[session] = _Job(session, future, time.monotonic() + AHEAD_DELAY_S, work, alive)
            self.lock.notify()
        return future

    def forget(self, session: str) -> None:
        """Drop ``session``'s job if it has not started (e.g. its settings changed)."""
        with self.lock:
            job = self.jobs.pop(session, None)
        if job:
            job.future.cancel()

    @staticmethod
    def take(future: Future | None, made_for: Recipe | None, recipe: Recipe) -> Made | None:
        """The melody made ahead for ``recipe``'s settings (any number), or None: none was
        asked for these settings (``made_for``: the settings it was asked for), it has not
        started (then it is cancelled: the click makes its melody), or it failed."""
        if future is None or made_for is None:
            return None
        if not made_for.same_melody_settings(recipe) or made_for.chords != recipe.chords or future.cancel():
            future.cancel()  # compared before any wait; a job not yet started is dropped atomically
            return None
        try:
            return future.result(timeout=AHEAD_WAIT_S)
        except (CancelledError, TimeoutError):
            return None
        except Exception:  # noqa: BLE001  (a failed job only means the click makes its melody)
            _LOG.warning("a melody made ahead failed; the click makes it instead", exc_info=True)
            return None

    def _next(self) -> _Job:
        """The oldest job that is due (waiting for it without a busy loop)."""
        with self.lock:
            while True:
                now = time.monotonic()
                due = [job for job in self.jobs.values() if job.due <= now]
                if due:
                    del self.jobs[due[0].session]
                    return due[0]
                wait = min((job.due for job in self.jobs.values()), default=now + 60.0) - now
                self.lock.wait(timeout=wait)  # or woken by a new job

    def _work(self) -> None:
        while True:
            job = self._next()
            if not job.future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                if not job.alive():
                    raise CancelledError("the session has gone")
                job.future.set_result(_make(*job.work, alive=job.alive))
            except BaseException as error:  # noqa: BLE001  (handed to the session that asked)
                job.future.set_exception(error)


def _make(loaded, seed: Melody, recipe: Recipe, program: int, chord_model, score_width: int, alive=lambda: True):
    from melody.output import files

    made = melodies(loaded, seed, recipe)
    views = {}
    for melody in made:
        if not alive():
            raise CancelledError("the session has gone")
        shown = heard(melody, recipe, chord_model)
        views[shown, program] = files.render_all(shown, program, score_width)
    return Made(recipe, made, views)
