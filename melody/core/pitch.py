"""Pitches, keys and chords as people spell them: the one place for note names, key names, key
signatures, sharps or flats, and chord-quality suffixes.

    >>> midi_name(70), note_name(70, "F major"), note_name(70, "B major"), key_fifths("Eb major")
    ('Bb4', 'Bb4', 'A#4', -3)
    >>> spelled(61, flats=True), QUALITY_SUFFIX["minor"]
    (('D', -1, 4), 'm')"""

from __future__ import annotations

import math
import re

from melody.core.errors import MelodyError

MODES = ("major", "minor")


CHORD_QUALITIES = ("major", "minor", "diminished", "augmented")  # the triads the chord model chooses among
OPEN_FIFTH = "fifth"  # root and fifth, no third ("D5"): the drone under a Chinese song (`melody.chords.drone`)
SYMBOL_QUALITIES = (*CHORD_QUALITIES, OPEN_FIFTH)  # what a `Chord` may be


QUALITY_SUFFIX = {"major": "", "minor": "m", "diminished": "dim", "augmented": "aug", OPEN_FIFTH: "5"}


QUALITY_INTERVALS = {
    "major": (0, 4, 7),
    "minor": (0, 3, 7),
    "diminished": (0, 3, 6),
    "augmented": (0, 4, 8),
    OPEN_FIFTH: (0, 7),
}


def parse_key(key: str) -> tuple[str, str]:
    """Split ``"F# minor"`` into ``("F#", "minor")``; the tonic is a letter A-G with at most
    one ``#`` or ``b`` (``-`` is read as ``b``, as music21 writes flats)."""
    parts = key.strip().split() if isinstance(key, str) else []
    if len(parts) != 2 or parts[1].lower() not in MODES:
        raise MelodyError(f"key {key!r} is not like 'C major' or 'F# minor'")
    tonic, mode = parts[0], parts[1].lower()
    if re.fullmatch(r"[A-Ga-g][#b-]{2,}", tonic):  # a letter, but mixed or doubled accidentals
        letter, accidentals = tonic[0].upper(), tonic[1:].replace("-", "b")
        if len(set(accidentals)) == 1:  # Cbb, B##: name the same key spelled with one accidental
            shift = len(accidentals) * (1 if accidentals[0] == "#" else -1)
            names = MAJOR_TONICS if mode == "major" else MINOR_TONICS
            example = f"'{names[(PITCH_CLASSES[letter] + shift) % 12]} {mode}', the same key"
        else:
            example = f"'{letter}# {mode}' or '{letter}b {mode}'"
        raise MelodyError(
            f"key {key!r} has an unknown tonic {tonic!r} (a tonic is a letter A-G with at most one # or b, "
            f"e.g. {example})"
        )
    if not re.fullmatch(r"[A-Ga-g][#b-]?", tonic):
        raise MelodyError(f"key {key!r} has an unknown tonic {tonic!r}")
    return tonic[0].upper() + tonic[1:].replace("-", "b"), mode


PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


# the tonics of the 24 keys as usually written (`all_keys`), and the black keys as `midi_name` spells them
MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")  # pitch classes from C


FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")


def midi_name(pitch: int) -> str:
    """``60`` -> ``"C4"``, ``70`` -> ``"Bb4"`` (the black keys as in `all_keys`' minor names)."""
    return f"{MINOR_TONICS[pitch % 12]}{pitch // 12 - 1}"


def tonic_pitch_class(key: str) -> int:
    """Pitch class (0 = C) of a key's tonic."""
    tonic, _ = parse_key(key)
    pc = PITCH_CLASSES[tonic[0]]
    for accidental in tonic[1:]:
        pc += 1 if accidental == "#" else -1
    return pc % 12


def transpose_key(key: str, semitones: int) -> str:
    """The key ``semitones`` away, with the usual spelling (Db major, C# minor)."""
    _, mode = parse_key(key)
    names = MAJOR_TONICS if mode == "major" else MINOR_TONICS
    return f"{names[(tonic_pitch_class(key) + semitones) % 12]} {mode}"


def all_keys() -> list[str]:
    """The 24 major and minor keys, majors first, in chromatic order from C."""
    return [f"{n} major" for n in MAJOR_TONICS] + [f"{n} minor" for n in MINOR_TONICS]


_FIFTHS_OF_MAJOR = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 1: -5, 8: -4, 3: -3, 10: -2, 5: -1}


def key_fifths(key: str) -> int:
    """Sharps (positive) or flats (negative) in the key signature: "D major" -> 2,
    "C minor" -> -3, "Eb minor" -> -6, "D# minor" -> 6."""
    tonic, mode = parse_key(key)
    major_pc = (tonic_pitch_class(key) + (3 if mode == "minor" else 0)) % 12
    fifths = _FIFTHS_OF_MAJOR[major_pc]
    if "b" in tonic[1:] and fifths > 0:
        fifths -= 12
    elif "#" in tonic[1:] and fifths < 0:
        fifths += 12
    return fifths


_SHARP_ORDER, _FLAT_ORDER = "FCGDAEB", "BEADGCF"


def key_signature(key: str) -> dict[str, int]:
    """Letter -> alteration (+1 sharp, -1 flat) of the key's signature, for the letters it
    alters: "D major" -> {"F": 1, "C": 1}; "C minor" -> {"B": -1, "E": -1, "A": -1}."""
    fifths = key_fifths(key)
    letters = _SHARP_ORDER[:fifths] if fifths > 0 else _FLAT_ORDER[:-fifths]
    return {letter: 1 if fifths > 0 else -1 for letter in letters}


def hz_to_midi(hz: float) -> float:
    """A frequency as a fractional MIDI number (A4 = 440 Hz = 69)."""
    return 69 + 12 * math.log2(hz / 440.0)


def midi_to_hz(pitch: float) -> float:
    """A (fractional) MIDI number as a frequency in Hz (69 = A4 = 440 Hz)."""
    return 440.0 * 2 ** ((pitch - 69) / 12)


def uses_flats(key: str) -> bool:
    """True for keys written with flats (F major, D minor, Bb major ...): black keys, chord
    roots and note names in such a key are spelled with flats, elsewhere with sharps."""
    return key_fifths(key) < 0


def pitch_class_names(key: str = "C major") -> tuple[str, ...]:
    """The 12 pitch-class names from C, with flats in flat keys (as `note_name` spells them)."""
    return FLAT_NAMES if uses_flats(key) else SHARP_NAMES


# Note names as classes write them: English (C D E F G A B, C#/Db), German (H for B, B for Bb,
# Cis Dis Fis Gis Ais, Des Es Ges As), solfege (do re mi fa sol la si, do#/reb)
NAMINGS = ("english", "german", "solfege")
_NAMES = {  # naming -> (sharps, flats), pitch classes from C
    "german": (
        ("C", "Cis", "D", "Dis", "E", "F", "Fis", "G", "Gis", "A", "Ais", "H"),
        ("C", "Des", "D", "Es", "E", "F", "Ges", "G", "As", "A", "B", "H"),
    ),
    "solfege": (
        ("do", "do#", "re", "re#", "mi", "fa", "fa#", "sol", "sol#", "la", "la#", "si"),
        ("do", "reb", "re", "mib", "mi", "fa", "solb", "sol", "lab", "la", "sib", "si"),
    ),
}
_GERMAN = re.compile(r"^([A-Ha-h])(isis|eses|is|es|s)?(-?\d)$")
_GERMAN_SHIFT = {"is": 1, "isis": 2, "es": -1, "s": -1, "eses": -2, "": 0}
_SOLFEGE = re.compile(r"^(do|re|mi|fa|sol|la|si|ti)(#|b)?(-?\d)$", re.IGNORECASE)
_SOLFEGE_CLASSES = {"do": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "la": 9, "si": 11, "ti": 11}
_ENGLISH = re.compile(r"^([A-Ga-g])(#|b|##|bb)?(-?\d)$")
_ENGLISH_SHIFT = {"#": 1, "##": 2, "b": -1, "bb": -2, "": 0}


def note_name(pitch: int, key: str = "C major", naming: str = "english") -> str:
    """``60`` -> ``"C4"`` (middle C); black keys spelled as ``key`` writes them (Bb in F major,
    A# in B major); ``naming`` "german" gives ``"H4"``, ``"B4"`` (Bb), ``"Fis4"``, "solfege"
    ``"si4"``, ``"sib4"``."""
    if naming == "english":
        names = pitch_class_names(key)
    else:
        names = _NAMES[naming][1 if uses_flats(key) else 0]
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def name_to_midi(name: str, naming: str = "english") -> int | None:
    """A note name with its octave as ``naming`` writes it -> its MIDI number, or None when
    ``name`` is not one: ``"C4"`` 60, ``"Bb3"`` 58; German ``"H4"`` 71, ``"B4"`` 70,
    ``"Fis4"`` 66, ``"Es4"`` 63; solfege ``"sol4"`` 67, ``"sib3"`` 58 (``ti`` = ``si``)."""
    if naming == "german":
        match = _GERMAN.match(name)
        if not match:
            return None
        letter, suffix, octave = match.group(1).upper(), match.group(2) or "", match.group(3)
        if letter == "B" and suffix:  # B is already Bb; "Bes" and the like are not written
            return None
        if suffix == "s" and letter not in "AE":  # "s" alone follows a vowel: As, Es
            return None
        base = 10 if letter == "B" else 11 if letter == "H" else PITCH_CLASSES[letter]
        return (int(octave) + 1) * 12 + base + _GERMAN_SHIFT[suffix]
    pattern, classes = (_SOLFEGE, _SOLFEGE_CLASSES) if naming == "solfege" else (_ENGLISH, PITCH_CLASSES)
    match = pattern.match(name)
    if not match:
        return None
    syllable, accidental, octave = match.groups()
    syllable = syllable.lower() if naming == "solfege" else syllable.upper()
    return (int(octave) + 1) * 12 + classes[syllable] + _ENGLISH_SHIFT[accidental or ""]


def spelled(pitch: int, flats: bool) -> tuple[str, int, int]:
    """(letter, alter, octave) of a MIDI number: black keys as flats or sharps."""
    name = (FLAT_NAMES if flats else SHARP_NAMES)[pitch % 12]
    return name[0], {"": 0, "#": 1, "b": -1}[name[1:]], pitch // 12 - 1
