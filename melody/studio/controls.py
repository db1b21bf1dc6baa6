"""The studio's controls and the `Recipe`: one table between each widget and its recipe field.

A widget's value is what the page shows ("From the notes", a temperature from the menu's
steps, whole beats per minute); the recipe's is what makes the melody ('' for "find it",
a float tempo). `CONTROLS` says, once, which widget holds which field and how a value goes
each way; `widget_values` fills the widgets from a recipe (the studio's first page, a share
link) and `recipe_from` reads a recipe back from them (every Generate). The seed's menu and
text box are the studio's own (their values are menu names), so they are not in the table.

    >>> values = widget_values(studio_recipe(Recipe(seed="60 _ 62 _")))
    >>> values["seed_key"], values["form"], recipe_from(values, seed="60 _ 62 _").form
    ('From the notes', 'ABAC', 'ABAC')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from melody.generate.forms import FORMS
from melody.studio.plain_words import nearest_temperature
from melody.studio.recipe import Recipe

FIND_KEY = "From the notes"  # the seed's key menu: find the key from the notes (recipe: '')
SEED_KEY = "Same as the seed"  # the song's key menu: keep the seed's key (recipe: '')
STUDIO_FORM = "ABAC"  # the studio's first form: the closest to real songs (README, "Songs that come back")


def _same(value):
    return value


@dataclasses.dataclass(frozen=True)
class Control:
    """A widget (its Session State ``key``) that holds the recipe's ``field``: ``shown`` turns
    the recipe's value into the widget's, ``read`` the widget's into the recipe's."""

    key: str
    field: str
    shown: Callable = _same
    read: Callable = _same


CONTROLS = (
    Control("meter", "meter"),
    Control("pickup", "pickup", int, int),
    Control("seed_key", "seed_key", lambda key: key or FIND_KEY, lambda value: "" if value == FIND_KEY else value),
    Control("bars", "bars", int, int),
    Control("form", "form", lambda form: form if form in FORMS else "free", str),
    Control("temperature", "temperature", nearest_temperature, float),
    Control("chords", "chords", bool, bool),
    Control("variations", "variations", int, int),
    Control("output_key", "key", lambda key: key or SEED_KEY, lambda value: "" if value == SEED_KEY else value),
    Control("tempo", "tempo", lambda bpm: int(round(bpm)), float),
    Control("instrument", "instrument"),
    Control("top_k", "top_k", int, int),
    Control("max_seq_len", "window", int, int),
    Control("names", "names"),
    Control("style", "style"),
)


def studio_recipe(base: Recipe) -> Recipe:
    """The studio's first settings: `Recipe`'s own defaults, but songs in the studio's form."""
    return dataclasses.replace(base, form=STUDIO_FORM)


def widget_values(recipe: Recipe) -> dict:
    """Widget key -> the value the page shows for ``recipe``."""
    return {control.key: control.shown(getattr(recipe, control.field)) for control in CONTROLS}


def recipe_from(values: dict, **fields) -> Recipe:
    """The recipe the widgets' ``values`` say (``fields``: the seed's, and the number)."""
    return Recipe(**{control.field: control.read(values[control.key]) for control in CONTROLS}, **fields)
