"""A handout: one printed page of a melody for a class (`to_pdf_bytes`).

Title, melody number, key, meter, tempo and form on top; the score with its chords (verovio's
SVG, as on the screen); at the foot the link as text and its QR code. The page is laid out as
one A4 SVG and turned into PDF by CairoSVG (Debian's libcairo underneath): the score keeps its
vector glyphs. A score taller than the page is scaled down to fit, so a song of up to 32 bars
of 4/4 stays on one page.
"""

from __future__ import annotations

import html
import re

from melody.core.errors import UserError
from melody.core.melody import Melody
from melody.output.engrave import scalable, svg_size, to_svg
from melody.output.qr import LinkTooLong, qr_svg

PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 40.0  # A4 in points
SCORE_TOP, FOOT_H, QR_SIZE = 104.0, 130.0, 110.0
HANDOUT_SCORE_WIDTH = 1900  # verovio units across the page: 4-5 bars a line at print size


class HandoutError(UserError, RuntimeError):
    """The PDF cannot be made on this machine (its Cairo library is missing)."""


def details(melody: Melody, number: int | None, form: str | None = None) -> str:
    """The handout's line under the title: number, key, meter, tempo, form."""
    parts = [f"melody #{number}" if number is not None else "", melody.key, melody.meter, f"{melody.tempo:g} bpm"]
    shape = form or melody.form
    parts.append(f"form {shape}" if shape else "")
    return " · ".join(part for part in parts if part)


def _placed(svg: str, x: float, y: float, width: float, height: float) -> str:
    """An SVG (a verovio score, a QR code) placed at (x, y) in a box of width x height on the
    page, its aspect ratio kept: its own size goes into a viewBox if it has none."""
    svg = scalable(svg)
    tag_end = svg.index(">")
    attributes = re.sub(r'\s(width|height|x|y)="[^"]*"', "", svg[4:tag_end])
    box = f'x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"'
    return f"<svg {box}{attributes}>" + svg[tag_end + 1 :]


def page_svg(melody: Melody, number: int | None = None, link: str | None = None, form: str | None = None) -> str:
    """The handout as one A4 page of SVG (points)."""
    score = _without_tempo_mark(to_svg(melody, width=HANDOUT_SCORE_WIDTH, scale=40, header=False))
    w, h = svg_size(score)
    room_w, room_h = PAGE_W - 2 * MARGIN, PAGE_H - SCORE_TOP - FOOT_H - MARGIN
    scale = min(room_w / w, room_h / h)
    title = html.escape(melody.title or "Folk melody")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}pt" height="{PAGE_H}pt" '
        f'viewBox="0 0 {PAGE_W} {PAGE_H}">',
        f'<rect width="{PAGE_W}" height="{PAGE_H}" fill="white"/>',
        f'<text x="{MARGIN}" y="64" font-family="DejaVu Sans, sans-serif" font-size="24" '
        f'font-weight="bold">{title}</text>',
        f'<text x="{MARGIN}" y="88" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#333">'
        f"{html.escape(details(melody, number, form))}</text>",
        _placed(score, MARGIN, SCORE_TOP, w * scale, h * scale),
    ]
    foot = PAGE_H - MARGIN - QR_SIZE
    if link:
        parts.append(
            f'<text x="{MARGIN}" y="{foot + 20}" font-family="DejaVu Sans, sans-serif" font-size="11">'
            "Hear it and make your own: scan the code or open</text>"
        )
        for row, start in enumerate(range(0, min(len(link), 4 * 70), 70)):  # the link, wrapped
            piece = html.escape(link[start : start + 70])
            parts.append(
                f'<text x="{MARGIN}" y="{foot + 38 + 13 * row}" font-family="DejaVu Sans Mono, monospace" '
                f'font-size="9" fill="#1a4d8f">{piece}</text>'
            )
        try:
            code = qr_svg(link)
        except LinkTooLong:
            code = None
        if code:
            parts.append(_placed(code, PAGE_W - MARGIN - QR_SIZE, foot, QR_SIZE, QR_SIZE))
    parts.append(
        f'<text x="{MARGIN}" y="{PAGE_H - 18}" font-family="DejaVu Sans, sans-serif" font-size="8" fill="#777">'
        "Folk Melody Studio: a neural network continued a seed in the style of German folk songs.</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _without_tempo_mark(svg: str) -> str:
    """The score without its "quarter = 100" mark: its note is a glyph of verovio's music font,
    which Cairo does not have (it would print as a box); the tempo is on the line above."""
    return re.sub(r'<g id="[^"]*" class="tempo">.*?</g>', "", svg, count=1, flags=re.S)


def unavailable() -> str | None:
    """Why no PDF can be made here (no Cairo library), or None when it can."""
    try:
        import cairosvg  # noqa: F401
    except OSError as error:
        return f"a PDF needs the Cairo library ({error}); install Debian's libcairo2"
    return None


def to_pdf_bytes(melody: Melody, number: int | None = None, link: str | None = None, form: str | None = None) -> bytes:
    """The one-page PDF handout of ``melody`` (see the module's docstring)."""
    try:
        import cairosvg
    except OSError as error:  # cairocffi finds no libcairo
        raise HandoutError(
            f"a PDF needs the Cairo library ({error}); install Debian's libcairo2 (make app does when it can)"
        ) from None
    return cairosvg.svg2pdf(bytestring=page_svg(melody, number, link, form).encode("utf-8"))
