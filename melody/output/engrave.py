"""The score: MusicXML bytes, and SVG engraved by verovio (one toolkit per thread).

>>> from melody.core.melody import Melody
>>> to_svg(Melody(("60", "_", "62", "_"))).startswith("<svg")
True"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import threading

from melody.core.melody import Melody
from melody.output import musicxml

SCORE_WIDTH = 2100  # verovio page units of a score on a screen (about 6 bars a line)


PHONE_SCORE_WIDTH = 1000  # ... and on a 390-px phone: two or three bars a line, readable
# ... and on a projector, as wide as the screen: 4-5 bars a line, so that at 1920 px a staff is
# over 4x as tall as in the studio's 530-px column at `SCORE_WIDTH` (1850/1700 against 530/2100)
PRESENT_SCORE_WIDTH = 1700


def to_musicxml_bytes(melody: Melody) -> bytes:
    """MusicXML text of the melody (UTF-8), with its chords and accompaniment if it has
    chords (`musicxml.to_musicxml_bytes`: written directly, not through music21)."""
    return musicxml.to_musicxml_bytes(melody)


def to_svg(
    melody: Melody, width: int = SCORE_WIDTH, scale: int = 40, musicxml: bytes | None = None, header: bool = True
) -> str:
    """The engraved score as SVG text (verovio from the MusicXML): title, key and time
    signature, barlines, ties across them. ``width`` is verovio's page width in its units;
    pass ``musicxml`` (from `to_musicxml_bytes`) if you have it already; ``header`` False
    leaves the title off (for a page that writes its own)."""
    return to_svgs(melody, (width,), scale, musicxml, header)[0]


def to_svgs(
    melody: Melody, widths=(SCORE_WIDTH,), scale: int = 40, musicxml: bytes | None = None, header: bool = True
) -> list[str]:
    """The score engraved at each page width of ``widths`` (e.g. wide for screens, narrow
    for phones): the MusicXML is read once and only the layout is redone for each further
    width (~26 ms instead of ~37 ms a width for 16 bars)."""
    toolkit = _toolkit()
    # one page however long the song (the tallest verovio allows): pages joined would not be one SVG image
    options = {"adjustPageHeight": True, "pageHeight": 60000, "scale": scale, "footer": "none", "breaks": "auto"}
    options["header"] = "auto" if header else "none"
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


@dataclasses.dataclass(frozen=True)
class TimedScore:
    """A score and when each of its notes sounds: ``times`` holds (the note's id in ``svg``,
    its start and end in quarter notes from the first note of the melody's sound), so a page
    can light each note while the audio plays (seconds = quarters x 60 / tempo)."""

    svg: str
    times: tuple[tuple[str, float, float], ...]


def timed_score(melody: Melody, width: int = PRESENT_SCORE_WIDTH, scale: int = 40) -> TimedScore:
    """The score (as `to_svg`, without its title) and its notes' times, from verovio's timemap of that very layout
    (tied notes are one sound: the first note of a tie lights for its whole length)."""
    svg = to_svg(melody, width, scale, header=False)  # the page writes the title
    timemap = _toolkit().renderToTimemap({"includeMeasures": False, "includeRests": False})
    starts: dict[str, float] = {}
    times = []
    for event in timemap:
        for note in event.get("off", ()):
            if note in starts:
                times.append((note, starts.pop(note), float(event["qstamp"])))
        for note in event.get("on", ()):
            starts[note] = float(event["qstamp"])
    return TimedScore(svg, tuple(sorted(times, key=lambda t: (t[1], t[0]))))


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height (px) of verovio's SVG, from its outer element."""
    head = re.match(r'<svg[^>]*?width="([\d.]+)px" height="([\d.]+)px"', svg)
    if head is None:
        raise ValueError("the score has no size")
    return float(head.group(1)), float(head.group(2))


def scalable(svg: str) -> str:
    """Verovio's SVG with a viewBox on its outer element, so that it can be drawn at any width
    (CSS ``width: 100%; height: auto``) inline in a page."""
    if "viewBox" in svg[: svg.index(">")]:
        return svg
    width, height = svg_size(svg)
    return f'<svg viewBox="0 0 {width:g} {height:g}"' + svg[4:]
