"""Parsing what people type as a seed: MIDI numbers, note names, ``_`` and ``r``.

Tokens are separated by spaces or commas. ``60`` and ``C4`` are the same note (middle C);
``F#4``, ``Bb3`` and ``Eb5`` take sharps and flats; ``_`` holds the note before for one
more 16th; ``r`` is a rest.

    >>> parse_seed("67 _ 67 _ C5 _ _ r").steps
    ('67', '_', '67', '_', '72', '_', '_', 'r')

What people type in the studio goes through `read_typed_seed`: notes typed without any
``_`` ("C4, D4, E4") are quarter notes there, not 16ths. `seed_text` writes a melody back
as note names (``G4 _ G4 _``), the way the studio's seed box shows it.
"""

from __future__ import annotations

import dataclasses
import re

from melody.core.errors import UserError
from melody.core.melody import HOLD, REST, Melody, is_pitch
from melody.core.pitch import midi_name, name_to_midi, note_name

MAX_SEED_TOKENS = 1024
ALLOWED = "MIDI numbers 0-127, note names like C4, F#4 or Bb3, '_' (hold) and 'r' (rest)"
EXAMPLE = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"


class SeedSyntaxError(UserError, ValueError):
    """A seed that cannot be read; the message names the token and what is allowed."""


def parse_token(token: str, index: int, naming: str = "english") -> str:
    """One token as a Melody symbol; raises SeedSyntaxError naming it (a long token by its
    start and length)."""
    shown = token if len(token) <= 24 else f"{token[:12]}... ({len(token)} characters)"
    if token == HOLD:
        return HOLD
    if token.lower() in (REST, "rest"):
        return REST
    if re.fullmatch(r"-?\d+", token):
        # at most 4 digits go to int(): Python refuses to convert over 4300 of them
        small = len(token.lstrip("-").lstrip("0")) <= 4
        number = int(token) if small else (-1 if token.startswith("-") else 10_000)
        if 0 <= number <= 127:
            return str(number)
        raise SeedSyntaxError(f"token {index + 1} '{shown}' is outside the MIDI range 0-127; use {ALLOWED}")
    midi = name_to_midi(token, naming)
    if midi is not None and 0 <= midi <= 127:
        return str(midi)
    if midi is not None:  # a note name, but off the MIDI range: C-1 = 0 to G9 = 127
        side, bound = ("above", "the highest is G9 = 127") if midi > 127 else ("below", "the lowest is C-1 = 0")
        raise SeedSyntaxError(
            f"token {index + 1} '{token}' is {side} the MIDI range ({token} would be {midi}; {bound})"
        )
    hint = " (a note name needs an octave, e.g. C#4)" if re.fullmatch(r"[A-Ga-g](#|b)?", token) else ""
    german = name_to_midi(token, "german") if naming == "english" else None
    if german is not None:
        hint = (
            f" in English note names; in German it is {midi_name(german)} "
            "(choose German note names: “Note names” in the studio, --note-names german on the command line)"
        )
    raise SeedSyntaxError(f"token {index + 1} '{shown}' is not a note{hint}; use {ALLOWED}, e.g. \"{EXAMPLE}\"")


def parse_seed(text: str, naming: str = "english", **fields) -> Melody:
    """A Melody from seed text, note names as ``naming`` writes them (`melody.core.pitch.NAMINGS`:
    German "H4 B4 Fis4", solfege "si4 sib4 fa#4"); ``fields`` (key, meter, pickup, tempo)
    pass through."""
    tokens = [t for t in re.split(r"[\s,]+", text or "") if t]
    if not tokens:
        raise SeedSyntaxError(f'the seed is empty; type a few notes, e.g. "{EXAMPLE}"')
    if len(tokens) > MAX_SEED_TOKENS:
        raise SeedSyntaxError(f"the seed has {len(tokens)} tokens; at most {MAX_SEED_TOKENS} are read")
    steps = [parse_token(token, i, naming) for i, token in enumerate(tokens)]
    if steps[0] == HOLD:
        raise SeedSyntaxError("the seed starts with '_' (hold), but nothing sounds yet; start with a note or 'r'")
    return Melody(tuple(steps), **fields)


QUARTER_STEPS = 4  # a quarter note is four 16ths


@dataclasses.dataclass(frozen=True)
class TypedSeed:
    """A seed as the studio reads it: the melody, and whether its notes were read as
    quarter notes because none was held (``as_quarters``: say so next to the box)."""

    melody: Melody
    as_quarters: bool = False


def read_typed_seed(text: str, naming: str = "english", **fields) -> TypedSeed:
    """Seed text as a person types it: like `parse_seed`, but with no ``_`` anywhere each
    note and rest lasts a quarter note (``"C4, D4, E4"``: three quarters, not three 16ths).

    >>> read_typed_seed("C4 D4 E4").melody.steps
    ('60', '_', '_', '_', '62', '_', '_', '_', '64', '_', '_', '_')
    """
    tokens = [t for t in re.split(r"[\s,]+", text or "") if t]
    if HOLD in tokens:
        return TypedSeed(parse_seed(text, naming, **fields))
    if len(tokens) * QUARTER_STEPS > MAX_SEED_TOKENS:
        raise SeedSyntaxError(
            f"{len(tokens)} notes without '_' would be {len(tokens)} quarter notes, longer than a seed may be "
            f"({MAX_SEED_TOKENS // QUARTER_STEPS} quarters); write the lengths with '_' or use fewer notes"
        )
    plain = parse_seed(text, naming, **{k: v for k, v in fields.items() if k != "pickup"})  # pickup: the quarters
    steps = [symbol for step in plain.steps for symbol in (step, *[HOLD] * (QUARTER_STEPS - 1))]
    return TypedSeed(Melody(tuple(steps), **fields), as_quarters=True)


def seed_text(melody: Melody, naming: str = "english") -> str:
    """The steps as note names (as ``naming`` writes them), ``_`` and ``r``: what `parse_seed`
    reads back to the same steps with that naming.

    >>> seed_text(parse_seed("67 _ 70 r _"))
    'G4 _ Bb4 r _'
    >>> seed_text(parse_seed("67 _ 71 r _"), "german")
    'G4 _ H4 r _'
    """
    if naming == "english":
        return " ".join(midi_name(int(step)) if is_pitch(step) else step for step in melody.steps)
    return " ".join(note_name(int(step), melody.key, naming) if is_pitch(step) else step for step in melody.steps)


def renamed(text: str, naming: str, new_naming: str, **fields) -> str:
    """Seed ``text`` written with ``naming`` rewritten with ``new_naming`` (the studio's "Note
    names" switch); text that cannot be read is returned as it is (its error stays shown)."""
    try:
        return seed_text(parse_seed(text, naming, **fields), new_naming)
    except UserError:
        return text
