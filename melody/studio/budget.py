"""The work one click may cause, bounded before any of it starts.

Every setting a link can carry is within the studio's own limits, but some combinations
cost minutes: a memory window re-reads the song at every step (a window of W is W times
the work), and four songs of 64 bars of 3/2 at 40 bpm are 38 minutes of sound to
synthesise. `plan` looks at a `share.Recipe` before anything is made and returns what to
make instead, with one plain sentence per change, so that any link or setting costs at most
a few seconds of one core:

- **the network's work** is counted in row-steps (one LSTM step of one row of a batch:
  ~47 µs batched for 2 x LSTM(256) on a 2-core AMD EPYC, float32, one BLAS thread) and held
  to `ROW_STEPS` (~2.8 s). A song of N steps is N row-steps per variation (plus its ending's
  candidates); a window of W adds (N - W) x W (`window_row_steps`). A window that does not
  fit is replaced by the nearest that does: a shorter one, or none when the song is barely
  longer than the window (the melody then remembers everything, which such a long window
  nearly does anyway).
- **the sound** of one click is at most `SOUND_S` seconds (FluidSynth makes ~280 s of sound
  per second of CPU; the WAV is 44 kB a second): fewer variations when the songs are long,
  and a single song longer than that plays its first `SOUND_S` seconds (the score and the
  downloads hold all of it).

    >>> from melody.studio.recipe import Recipe
    >>> made = plan(Recipe(bars=64, meter="3/2", window=1024, variations=4, tempo=40))
    >>> made.recipe.window, made.recipe.variations, round(made.sound_s)
    (0, 1, 300)
"""

from __future__ import annotations

import dataclasses
import math

from melody.core.melody import bar_steps
from melody.generate.bars import ENDING_BARS, ENDING_CANDIDATES
from melody.generate.forms import CANDIDATES

ROW_STEPS = 60_000  # the network's work per click (~2.8 s of one core, see above)
SECONDS_PER_ROW_STEP = 47e-6  # measured as above, for the messages only
SOUND_S = 300.0  # seconds of sound per click, all variations together (~1.1 s of FluidSynth)
TAIL_S = 1.0  # sound after the last note (render.WAV_TAIL_S)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a click makes: the ``recipe`` to make (maybe reduced), why it was reduced
    (``notes``: one sentence each, empty when nothing changed), ``sound_s``: the longest
    sound of one melody (None: all of it), and the recipe ``asked`` for."""

    recipe: object
    notes: tuple[str, ...] = ()
    sound_s: float | None = None
    asked: object = None


def song_steps(recipe) -> int:
    """Steps (16ths) of the recipe's songs: its bars of its meter (`decoding.song_length`)."""
    return recipe.bars * bar_steps(recipe.meter)


def window_row_steps(steps: int, window: int) -> int:
    """Extra row-steps of a memory ``window`` over a song of ``steps``: every step after the
    first ``window`` reads the last ``window`` steps again (0 when the song fits the window)."""
    return max(0, steps - window) * window if window else 0


def row_steps(recipe) -> int:
    """The network's work for ``recipe`` (see the module's docstring); a form draws up to
    `forms.CANDIDATES` continuations of its phrases."""
    steps = song_steps(recipe)
    ending = ENDING_CANDIDATES * ENDING_BARS * bar_steps(recipe.meter)
    phrases = steps * CANDIDATES if recipe.form != "free" else steps
    return recipe.variations * (phrases + ending + window_row_steps(steps, recipe.window))


def sound_seconds(recipe) -> float:
    """Seconds of sound of one of ``recipe``'s songs (its last note ringing `TAIL_S`)."""
    return song_steps(recipe) / 4 * 60.0 / recipe.tempo + TAIL_S


def cheap(recipe) -> bool:
    """Whether ``recipe`` costs little enough to be made ahead, for a click that may never
    come (`melody.studio.click`): a quarter of the network's budget, and the sound within it."""
    return row_steps(recipe) <= ROW_STEPS // 4 and recipe.variations * sound_seconds(recipe) <= SOUND_S


def fitting_window(steps: int, window: int, variations: int, fixed: int) -> int:
    """The window nearest ``window`` (by ratio) whose work fits `ROW_STEPS` beside ``fixed``
    row-steps: the longest shorter one that fits, or 0 (no limit: the whole song)."""
    spare = max(ROW_STEPS - fixed, 0) / variations
    shorter = next((w for w in range(window, 0, -1) if window_row_steps(steps, w) <= spare), 1)
    return 0 if math.log(steps / window) < math.log(window / shorter) else shorter


def whole_phrases(bars: int, phrases: int, low: int = 4, high: int = 64) -> int:
    """``bars`` moved to the nearest length of whole phrases (a multiple of ``phrases``)
    within ``low``..``high``."""
    fits = [n for n in range(low, high + 1) if n % phrases == 0]
    return min(fits, key=lambda n: (abs(n - bars), n))


def plan(recipe) -> Plan:
    """What to make for ``recipe`` (a `share.Recipe`) within this module's bounds, and why."""
    asked, notes, changes = recipe, [], {}
    if recipe.form != "free" and recipe.bars % len(recipe.form):
        changes["bars"] = whole_phrases(recipe.bars, len(recipe.form))
        notes.append(
            f"{recipe.form} sings {len(recipe.form)} equal phrases: {changes['bars']} bars instead of {recipe.bars}."
        )
        recipe = dataclasses.replace(recipe, **changes)
    one = sound_seconds(recipe)
    if recipe.variations * one > SOUND_S and recipe.variations > 1:
        changes["variations"] = max(1, math.floor(SOUND_S / one))
        notes.append(
            f"{recipe.variations} songs of {recipe.bars} bars at {recipe.tempo:g} bpm would be "
            f"{recipe.variations * one / 60:.0f} minutes of sound; {changes['variations']} "
            f"{'is' if changes['variations'] == 1 else 'are'} made, at most {SOUND_S / 60:.0f} minutes in all."
        )
    if recipe.window and recipe.form != "free":
        changes["window"] = 0
        notes.append(f"A form ({recipe.form}) is sung with the whole song in memory: the memory limit is not used.")
    fewer = dataclasses.replace(recipe, **changes)
    if fewer.window and row_steps(fewer) > ROW_STEPS:
        steps, fixed = song_steps(fewer), row_steps(dataclasses.replace(fewer, window=0))
        changes["window"] = fitting_window(steps, fewer.window, fewer.variations, fixed)
        instead = f"a memory of {changes['window']:,} 16ths" if changes["window"] else "no limit on its memory"
        notes.append(
            f"A memory of {fewer.window:,} 16ths makes the network read the song again at every step "
            f"(about {row_steps(fewer) * SECONDS_PER_ROW_STEP:.0f} s of work for {fewer.bars} bars); this melody "
            f"is made with {instead}, which fits one click."
        )
    sound_s = None
    if one > SOUND_S:
        sound_s = SOUND_S
        notes.append(
            f"The song lasts {one / 60:.1f} minutes: the player plays its first {SOUND_S / 60:.0f}; "
            "the score and the MIDI and MusicXML downloads hold all of it."
        )
    return Plan(dataclasses.replace(recipe, **changes), tuple(notes), sound_s, asked)
