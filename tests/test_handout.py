"""The handout (a one-page PDF) and the QR code of a melody's link: they render, with notes,
and the code reads back as the link."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import run_script

from melody.core.melody import Melody
from melody.songs.typed import parse_seed

pdfium = pytest.importorskip("pypdfium2")
zxing = pytest.importorskip("zxingcpp")
try:
    import cairosvg  # noqa: F401  (needs Debian's libcairo2: make test installs it)
except OSError as missing:
    pytest.skip(f"no Cairo library: {missing}", allow_module_level=True)

from melody.output.handout import to_pdf_bytes  # noqa: E402
from melody.output.qr import LinkTooLong, qr_svg  # noqa: E402

LINK = "http://localhost:8501/?melody=48213&bars=16&t=0.8&form=ABAC&seed=G4+_+A4+_"
PHRASE = "67 _ 69 _ 71 _ 72 _ 74 _ _ _ 72 _ 71 _ "


def _pages(pdf: bytes) -> list:
    return [page.render(scale=2).to_pil().convert("L") for page in pdfium.PdfDocument(pdf)]


def _text(pdf: bytes) -> str:
    return pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()


def _decoded(image) -> list[str]:
    return [result.text for result in zxing.read_barcodes(image)]


def test_a_qr_code_reads_back_as_its_link_and_a_huge_link_is_refused():
    png = cairosvg.svg2png(bytestring=qr_svg(LINK).encode(), output_width=300)
    from PIL import Image

    assert _decoded(Image.open(io.BytesIO(png)).convert("L")) == [LINK]
    with pytest.raises(LinkTooLong):
        qr_svg(LINK + "x" * 3000)


@pytest.mark.parametrize("bars", [16, 32])
def test_a_handout_is_one_page_with_title_details_notes_link_and_code(bars):
    melody = parse_seed(PHRASE * bars, key="G major").replace(title="Folk melody #48213", tempo=90)
    pdf = to_pdf_bytes(melody, 48213, LINK, form="ABAC")
    [page] = _pages(pdf)
    text = _text(pdf)
    assert "Folk melody #48213" in text and "G major" in text and "4/4" in text and "90 bpm" in text
    assert "form ABAC" in text and LINK[:60] in text.replace("\r\n", "").replace("\n", "")
    ink = np.asarray(page) < 128  # black on white
    height = ink.shape[0]
    score = ink[int(0.14 * height) : int(0.8 * height)]
    assert score.mean() > 0.02, "the score area has (almost) no ink: no notes"
    rows_with_ink = (score.sum(axis=1) > 0.3 * score.shape[1]).sum()
    assert rows_with_ink >= 5 * 2, "no staff lines across the page"
    assert _decoded(page) == [LINK]


def test_a_link_too_long_for_a_code_still_prints_as_text():
    melody = Melody(("60", "_", "62", "_"), title="Folk melody #1")
    long_link = LINK + "&seed=" + "C4+" * 800
    pdf = to_pdf_bytes(melody, 1, long_link)
    assert len(_pages(pdf)) == 1 and _decoded(_pages(pdf)[0]) == []
    assert "scan the code or open" in _text(pdf)


@pytest.mark.subprocess
def test_generate_writes_a_one_page_pdf_from_german_note_names(tmp_path):
    out = tmp_path / "x.pdf"
    result = run_script(
        "generate.py", "--seed", "G4 _ A4 _ H4 _ C5 _", "--note-names", "german", "--bars", "16",
        "--random-seed", "3", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [page] = _pages(out.read_bytes())
    [link] = _decoded(page)
    assert link.startswith("http://localhost:8501/?") and "melody=3" in link and "seed=G4%20_%20A4%20_%20B4" in link
    assert "Folk melody #3" in _text(out.read_bytes())
