"""The score: MusicXML bytes, and SVG engraved by verovio (one toolkit per thread).

    >>> from melody.core.melody import Melody
    >>> to_svg(Melody(("60", "_", "62", "_"))).startswith("<svg")
    True"""

from __future__ import annotations

import pathlib
import threading

from melody.core.melody import Melody
from melody.output import musicxml

SCORE_WIDTH = 2100  # verovio page units of a score on a screen (about 6 bars a line)


PHONE_SCORE_WIDTH = 1000  # ... and on a 390-px phone: two or three bars a line, readable


def to_musicxml_bytes(melody: Melody) -> bytes:
    """MusicXML text of the melody (UTF-8), with its chords and accompaniment if it has
    chords (`musicxml.to_musicxml_bytes`: written directly, not through music21)."""
    return musicxml.to_musicxml_bytes(melody)


def to_svg(melody: Melody, width: int = SCORE_WIDTH, scale: int = 40, musicxml: bytes | None = None) -> str:
    """The engraved score as SVG text (verovio from the MusicXML): title, key and time
    signature, barlines, ties across them. ``width`` is verovio's page width in its units;
    pass ``musicxml`` (from `to_musicxml_bytes`) if you have it already."""
    return to_svgs(melody, (width,), scale, musicxml)[0]


def to_svgs(melody: Melody, widths=(SCORE_WIDTH,), scale: int = 40, musicxml: bytes | None = None) -> list[str]:
    """The score engraved at each page width of ``widths`` (e.g. wide for screens, narrow
    for phones): the MusicXML is read once and only the layout is redone for each further
    width (~26 ms instead of ~37 ms a width for 16 bars)."""
    toolkit = _toolkit()
    # one page however long the song (the tallest verovio allows): pages joined would not be one SVG image
    options = {"adjustPageHeight": True, "pageHeight": 60000, "scale": scale, "footer": "none", "breaks": "auto"}
    options |= {"xmlIdSeed": 1, "svgFormatRaw": True, "svgRemoveXlink": True}  # no indentation: a third smaller
    toolkit.setOptions({**options, "pageWidth": widths[0]})  # ids from a fixed seed: same melody, same SVG
    if not toolkit.loadData((musicxml or to_musicxml_bytes(melody)).decode("utf-8")):
        raise ValueError("verovio could not read the MusicXML of this melody")
    svgs = []
    for index, width in enumerate(widths):
        if index:
            toolkit.setOptions({"pageWidth": width})
            toolkit.redoLayout()
        svgs.append(toolkit.renderToSVG(1))
    return svgs


_TOOLKITS = threading.local()


def _toolkit():
    """This thread's verovio toolkit (made once a thread: ~6 ms; a toolkit is never shared
    between threads). Its fonts are set explicitly: verovio's default resource path is only
    set in the importing thread."""
    toolkit = getattr(_TOOLKITS, "toolkit", None)
    if toolkit is None:
        import verovio

        toolkit = verovio.toolkit(False)
        if not toolkit.setResourcePath(str(pathlib.Path(verovio.__file__).parent / "data")):
            raise RuntimeError("verovio's fonts are missing: reinstall with pip install -r requirements.txt")
        _TOOLKITS.toolkit = toolkit
    return toolkit




