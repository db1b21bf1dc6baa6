"""A QR code of a link, for a class to scan from the projector or a handout (the `qrcode`
package draws it; nothing hand-made).

    >>> qr_svg("http://localhost:8501/?melody=48213").startswith("<svg")
    True
"""

from __future__ import annotations

import io

MAX_QR_CHARS = 2_000  # longer links (a long typed seed) make codes too dense to scan from a seat


class LinkTooLong(ValueError):
    """The link is too long for a QR code that a phone can read across a room."""


def qr_svg(link: str) -> str:
    """The QR code of ``link`` as SVG text (black squares on white, a 4-module quiet zone),
    scalable to any size; raises LinkTooLong past `MAX_QR_CHARS`."""
    import qrcode
    import qrcode.image.svg

    if len(link) > MAX_QR_CHARS:
        raise LinkTooLong(f"the link is {len(link):,} characters; a QR code a phone can read takes {MAX_QR_CHARS:,}")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(link)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg") :]  # without the XML declaration: it can sit inside a page
