"""A song's title as its file writes it, and as Essen's plain-ASCII files spell a title.

Some Essen files (music21's ``lot``, ``lux``, ``han`` sets and a few German ones) were written
in the old DOS code page 437 and were later read as Latin-1: their umlauts arrived as C1
control characters (``"Dreik\\x94nigslied"``: 0x94 is "ö" in code page 437). `file_title`
gives those back their letters; it never guesses case or umlauts the file does not hold.
The German sets write titles in ASCII instead (``"HAENSCHEN KLEIN"``: "ae" for "ä", often in
capitals); `essen_spelling` spells a real title that way, so a title people know can be
checked against the file's own letters.

    >>> file_title(" Dreik\\x94nigslied ")
    'Dreikönigslied'
    >>> essen_spelling("Hänschen klein") == essen_spelling("HAENSCHEN KLEIN")
    True
"""

from __future__ import annotations

_C1 = range(0x80, 0xA0)  # control characters: never text, here code page 437's letters read as Latin-1
_ASCII_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def file_title(raw: str) -> str:
    """The title a file gives, its case kept, stripped; a C1 control character (U+0080 to
    U+009F, as a code page 437 file read as Latin-1 leaves its umlauts) becomes the letter
    that byte is in code page 437 ("\\x81" -> "ü", "\\x84" -> "ä", "\\x8e" -> "Ä")."""
    return "".join(bytes([ord(c)]).decode("cp437") if ord(c) in _C1 else c for c in raw).strip()


def essen_spelling(title: str) -> str:
    """``title`` as the German Essen files spell it, case aside: ``"Hänschen klein"`` ->
    ``"haenschen klein"`` (umlauts as ae, oe, ue; ß as ss; lower case)."""
    return title.lower().translate(_ASCII_SPELLING)
