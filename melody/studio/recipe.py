"""What made a melody, as a share link's query parameters and back.

A `Recipe` is everything the studio needs to make the same melody again: the seed (the
id of a ready seed, or the text typed), its meter, pickup and key, the length, the
temperature, the variations, the key of the result, tempo, instrument and the melody
number (the random seed). `to_query` writes it as short query parameters; `from_query`
reads them back, keeping a default (and saying why) for anything it cannot read, so a
mangled link still opens the studio.

    >>> recipe = Recipe(seed="G4 _ A4 _", bars=8, number=48213)
    >>> to_query(recipe)["melody"], from_query(to_query(recipe))[0] == recipe
    ('48213', True)
"""

from __future__ import annotations

import dataclasses
import math
from urllib.parse import quote, urlencode

from melody.core.errors import MelodyError
from melody.core.melody import bar_steps, canonical_meter
from melody.core.pitch import NAMINGS, all_keys
from melody.generate.forms import FormError, check_form
from melody.generate.generator import BARS_RANGE, GenerationSettings
from melody.songs.traditions import TRADITIONS

MAX_NUMBER = 99_999  # melody numbers are 0 to 99,999: short enough to read out and type
MAX_VARIATIONS = 4
# the studio's controls, and so what a link may ask for (the page's widgets use the same)
METERS = ("4/4", "3/4", "2/4", "2/2", "6/8", "3/8", "6/4", "3/2", "9/8")
STUDIO_TEMPO = (40, 200)  # quarter notes per minute
MAX_TOP_K = 45  # the model's symbols
MAX_WINDOW = 1024  # 16ths of memory
MAX_SEED_CHARS = 6000  # a typed seed in a link (1,024 notes of "C#4 " fit)
QUOTED_CHARS = 40  # longest piece of a bad value repeated in a message
NAMES = {  # Recipe field -> query parameter
    "ready": "ready",
    "seed": "seed",
    "meter": "meter",
    "pickup": "pickup",
    "seed_key": "seedkey",
    "bars": "bars",
    "temperature": "t",
    "variations": "n",
    "key": "key",
    "tempo": "tempo",
    "instrument": "inst",
    "top_k": "topk",
    "window": "window",
    "chords": "chords",
    "form": "form",
    "names": "names",
    "style": "style",
    "number": "melody",
}
# what changes how a melody sounds and is written, never which melody it is: the studio
# applies a change of these to the melody on the page (`melody.studio.click.placed`)
PRESENTATION = ("chords", "key", "tempo", "instrument")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What made a melody. ``ready``: a ready seed's id ('' for typed text or a file);
    ``seed``: the seed text; ``seed_key`` and ``key``: '' to find the key from the notes /
    keep the seed's key; ``top_k``, ``window``: 0 for no limit; ``number``: the melody
    number (the random seed), None before a melody is made; ``chords``: chords and an
    accompaniment under the melodies (they do not change the melodies); ``form``: phrases by
    letter ("AABA"), or "free" (the model's own); ``names``: how the seed's notes are written
    (`melody.core.pitch.NAMINGS`); ``style``: the tradition the seed is continued in
    (`melody.songs.traditions.TRADITIONS`). ``key``, ``tempo``, ``instrument`` and ``chords`` do not
    change which melody is made (`PRESENTATION`)."""

    seed: str = ""
    ready: str = ""
    meter: str = "4/4"
    pickup: int = 0
    seed_key: str = ""
    bars: int = 16
    temperature: float = 0.8
    variations: int = 1
    key: str = ""
    tempo: float = 100.0
    instrument: str = "Piano"
    top_k: int = 0
    window: int = 0
    chords: bool = True
    form: str = "free"
    names: str = "english"
    style: str = "german"
    number: int | None = None

    def settings(self, **more) -> GenerationSettings:
        """The generation settings this recipe makes its melodies with (its number is the
        random seed; 0 for top-k or the window and '' for the key mean "no limit" and "the
        seed's"); ``more``: settings the studio does not offer (``steps``, ``full_length``), or
        values as given where a command line refuses a 0 the studio reads as "no limit".
        The one mapping from a recipe to generation: the studio's clicks and ``generate.py``."""
        settings = GenerationSettings(
            bars=self.bars,
            temperature=self.temperature,
            random_seed=self.number,
            variations=self.variations,
            top_k=self.top_k or None,
            max_seq_len=self.window or None,
            key=self.key or None,
            form=self.form,
        )
        return dataclasses.replace(settings, **more)

    def same_melody_settings(self, other: Recipe) -> bool:
        """True when ``other`` would make the same melodies given the same number (key,
        tempo, instrument and chords only change how they sound and are written)."""
        ignored = {"number": None, **{field: getattr(Recipe, field) for field in PRESENTATION}}
        return dataclasses.replace(self, **ignored) == dataclasses.replace(other, **ignored)


def to_query(recipe: Recipe) -> dict[str, str]:
    """The recipe as query parameters (text values); a ready seed is named by its id only."""
    query = {}
    for field, name in NAMES.items():
        value = getattr(recipe, field)
        if value is None or value == "" or (field == "seed" and recipe.ready):
            continue
        if isinstance(value, bool):
            query[name] = "1" if value else "0"
        else:
            query[name] = f"{value:g}" if isinstance(value, float) else str(value)
    return query


def share_link(base: str, recipe: Recipe) -> str:
    """The studio's address ``base`` (its query, if any, dropped) with ``recipe`` as its query:
    the link that opens this melody (copied, in the QR code, on the handout)."""
    return base.split("?", 1)[0].split("#", 1)[0] + "?" + urlencode(to_query(recipe), quote_via=quote)


def _quoted(text: str) -> str:
    """A link's value for a message: quoted, at most `QUOTED_CHARS` characters of it."""
    return repr(text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…")


def _whole(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{_quoted(text)} is not a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ValueError(f"{_quoted(text)} is outside {low} to {high}")
    return value


def _number(text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{_quoted(text)} is not a number from {low:g} to {high:g}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{_quoted(text)} is outside {low:g} to {high:g}")
    return value


def _key(text: str) -> str:
    if text and text not in all_keys():
        raise ValueError(f"{_quoted(text)} is not one of the 24 keys, e.g. 'D major'")
    return text


def _meter(text: str) -> str:
    try:
        meter = canonical_meter(text)
    except MelodyError:
        meter = None
    if meter not in METERS:
        raise ValueError(f"{_quoted(text)} is not one of the studio's meters ({', '.join(METERS)})")
    return meter


def _seed(text: str) -> str:
    if len(text) > MAX_SEED_CHARS:
        raise ValueError(f"the seed is {len(text):,} characters, more than a link may carry ({MAX_SEED_CHARS:,})")
    return text


def _readers(instruments, ready_ids) -> dict:
    return {
        "ready": lambda text: text if ready_ids is None or text in ready_ids else _bad(text, ready_ids),
        "seed": _seed,
        "meter": _meter,
        "pickup": lambda text: _whole(text, 0, 95),
        "seed_key": _key,
        "bars": lambda text: _whole(text, *BARS_RANGE),
        "temperature": lambda text: _number(text, 0.0, 2.0),
        "variations": lambda text: _whole(text, 1, MAX_VARIATIONS),
        "key": _key,
        "tempo": lambda text: _number(text, *STUDIO_TEMPO),
        "instrument": lambda text: text if instruments is None or text in instruments else _bad(text, instruments),
        "top_k": lambda text: _whole(text, 0, MAX_TOP_K),
        "window": lambda text: _whole(text, 0, MAX_WINDOW),
        "chords": _switch,
        "form": _form,
        "names": lambda text: text if text in NAMINGS else _bad(text, NAMINGS),
        "style": lambda text: text if text in TRADITIONS else _bad(text, TRADITIONS),
        "number": lambda text: _whole(text, 0, MAX_NUMBER),
    }


def _form(text: str) -> str:
    try:
        return check_form(text, None if text.strip().lower() == "free" else 64 * len(text)) or "free"
    except FormError:
        raise ValueError(f"{_quoted(text)} is not a form; use letters such as AABA, or free") from None


def _switch(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError(f"{_quoted(text)} is not 1 (on) or 0 (off)")
    return text.lower() in ("1", "true")


def _bad(text: str, choices) -> str:
    raise ValueError(f"{_quoted(text)} is not one of {', '.join(choices)}")


def from_query(query, default: Recipe | None = None, instruments=None, ready_ids=None) -> tuple[Recipe, list[str]]:
    """A recipe from query parameters (a mapping of text), and one line per value that could
    not be read (that field keeps ``default``'s value): every value is checked against what
    the studio's controls allow. ``instruments``, ``ready_ids``: the names allowed."""
    recipe, problems, changes = default or Recipe(), [], {}
    readers = _readers(instruments, ready_ids)
    for field, name in NAMES.items():
        if name not in query:
            continue
        try:
            changes[field] = readers[field](str(query[name]).strip() if field != "seed" else str(query[name]))
        except (ValueError, MelodyError) as error:
            problems.append(f"{name}: {error}")
    recipe = dataclasses.replace(recipe, **changes)
    if recipe.pickup >= bar_steps(recipe.meter):
        problems.append(f"pickup: {recipe.pickup} sixteenths do not fit a bar of {recipe.meter}")
        recipe = dataclasses.replace(recipe, pickup=0)
    return recipe, problems
