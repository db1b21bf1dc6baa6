"""Plain words for newcomers: note names, note lengths, the temperature as a word, the
model's surprise as a chance in percent.

Everything a page shows a newcomer about notes goes through here, so charts and lists
say "G4, a quarter note" rather than "67 (4/16)".

    >>> note_name(70, "F major"), note_name(70, "D major"), length_name(6)
    ('Bb4', 'A#4', 'dotted quarter')
    >>> temperature_words(0.0), chance(3.0)
    ('Safest', '12%')
    >>> one_in(4.37), sureness(0.94), symbol_name("_", "C major")
    ('1 in 4', 'very sure', 'hold (_)')
"""

from __future__ import annotations

from melody.core.bars import lead_steps
from melody.core.melody import Melody, is_pitch
from melody.core.pitch import note_name, uses_flats

_LENGTHS = {1: "16th", 2: "8th", 3: "dotted 8th", 4: "quarter", 6: "dotted quarter", 8: "half", 12: "dotted half"}
_LENGTHS |= {16: "whole"}
# the studio's "how adventurous" scale: temperatures people can pick, and a word for each
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)
_WORDS = ((0.0, "Safest"), (0.3, "Very safe"), (0.6, "Safe"), (0.9, "Balanced"), (1.1, "The model's own taste"))
_WORDS += ((1.4, "Adventurous"), (1.8, "Bold"), (float("inf"), "Wild"))
SURPRISE_SENTENCE = (
    "Each bar is one note of the melody: the taller it is, the more the note surprised the model "
    "(a short bar: the note it expected; a tall one: a note it gave a small chance)."
)


def form_label(form: str) -> str:
    """A form as the studio's menu shows it: "AABA", "Free" (the network's own form)."""
    return "Free" if form == "free" else form


def length_name(steps: int) -> str:
    """A length in 16ths as musicians say it: 4 -> ``"quarter"``, 6 -> ``"dotted quarter"``."""
    return _LENGTHS.get(steps, f"{steps} sixteenths")


NAMINGS_SHOWN = {"english": "English (C D E … B)", "german": "German (C D E … H)", "solfege": "Solfège (do ré mi)"}


def notes_in_words(melody: Melody, limit: int = 24, naming: str = "english") -> str:
    """``"G4 8th, G4 8th, rest quarter, ..."``: the first ``limit`` notes and rests, named as
    ``naming`` writes them (`melody.core.pitch.NAMINGS`)."""
    events = melody.events()
    words = [
        f"{'rest' if e.pitch is None else note_name(e.pitch, melody.key, naming)} {length_name(e.length)}"
        for e in events[:limit]
    ]
    return ", ".join(words) + (f" and {len(events) - limit} more" if len(events) > limit else "")


def temperature_words(temperature: float) -> str:
    """A word for how adventurous a temperature is: 0 ``"Safest"``, 1 ``"The model's own taste"``."""
    return next(word for bound, word in _WORDS if temperature <= bound + 1e-9)


def temperature_label(temperature: float) -> str:
    """``"Balanced (0.8)"``: the word and the number behind it."""
    return f"{temperature_words(temperature)} ({temperature:g})"


def nearest_temperature(temperature: float) -> float:
    """The studio's scale step nearest to ``temperature`` (a link may carry any number)."""
    return min(TEMPERATURES, key=lambda t: abs(t - temperature))


def chance(bits: float) -> str:
    """The chance the model gave a note, from its surprise in bits: 3 bits -> ``"12%"`` (1 in 8)."""
    probability = 2.0**-bits
    return "<1%" if probability < 0.005 else f"{probability:.0%}"


def one_in(odds: float) -> str:
    """A chance as "1 in N": 4.37 -> ``"1 in 4"`` (N = 1 / the chance; one decimal below 3)."""
    return f"1 in {odds:.1f}" if odds < 3 else f"1 in {odds:.0f}"


def sureness(top: float) -> str:
    """How sure the model is, from the chance of its likeliest next symbol: 0.94 ->
    ``"very sure"``, 0.5 -> ``"fairly sure"``, 0.3 -> ``"unsure"`` (several are close)."""
    return "very sure" if top >= 0.7 else "fairly sure" if top >= 0.4 else "unsure"


def symbol_name(symbol: str, key: str) -> str:
    """A symbol of the model in words, in ``key``: ``"67"`` -> ``"G4"``, ``"_"`` -> ``"hold (_)"``."""
    if is_pitch(symbol):
        return note_name(int(symbol), key)
    return {"_": "hold (_)", "r": "rest (r)", "/": "end of song (/)"}.get(symbol, symbol)


def percent(share: float) -> str:
    """``0.79`` -> ``"79%"``."""
    return f"{share:.0%}"


def chords_in_words(melody: Melody) -> str:
    """The chords bar by bar, as lead sheets write them: ``"C | G | Am F | G C"`` (a bar
    with no chord of its own goes on with the last: ``%``); empty without chords."""
    if not melody.chords:
        return ""
    flats, bar, lead = uses_flats(melody.key), melody.bar_steps, lead_steps(melody)
    bars: list[list[str]] = [[] for _ in range((len(melody) + lead - 1) // bar + 1)]
    for chord in melody.chords:
        bars[(chord.start + lead) // bar].append(chord.symbol(flats))
    return " | ".join(" ".join(names) or "%" for names in bars)


def safest_note(number: int | None) -> str:
    """What "Safest" does to the melody number: the same notes each click, one number."""
    return (
        f"“Safest” always writes the likeliest melody for this seed and these settings, so every click gives this "
        f"same melody, #{number}. Move “How adventurous” up for a new melody each click."
    )


def a_or_an(words: str) -> str:
    """``words`` after its article: "an Irish and British", "a German"."""
    return f"{'an' if words[:1].upper() in 'AEIOU' else 'a'} {words}"
