"""A lesson in a real browser (headless Debian Chromium, Playwright): the projector view (its
score as wide as the screen, the note lit while the audio plays, Escape back), the QR code
decoded to the melody's link, the PDF handout, a melody number alone in a fresh browser, and
a phone scrolled to its new melody. Set FOLK_SCREENSHOTS=folder to keep the screenshots."""

from __future__ import annotations

import io
import os
import pathlib
from urllib.parse import parse_qs, urlsplit

import pytest
from test_browser import CHROMIUM, DESKTOP, PHONE, SCORE, box, click_generate, shot, shown_melody, studio_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt: chromium)"),
]
PROJECTOR = {"width": 1920, "height": 1080}
SCALE = """() => {  // displayed px per SVG unit, of the studio's score image or the projector's inline score
  const img = document.querySelector(".st-key-score-0 img");
  if (img) return img.getBoundingClientRect().width / img.naturalWidth;
  const svg = document.querySelector("#present-score > svg");
  return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
}"""
LETTER_PER_LINE = """() => [...document.querySelectorAll("p, span, label, h1, button, div")]
  .filter(e => e.children.length === 0 && e.innerText && e.innerText.trim().length > 3 && e.offsetParent)
  .filter(e => { const r = e.getBoundingClientRect(), size = parseFloat(getComputedStyle(e).fontSize);
                 const seen = r.right > 0 && r.left < innerWidth;  // not a closed sidebar off the screen
                 return seen && r.width > 0 && r.width < 1.6 * size && r.height > 3 * size; })
  .map(e => e.innerText.slice(0, 20))"""


def _query(url: str) -> dict:
    return {k: v for k, v in parse_qs(urlsplit(url).query).items()}


def _decoded(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_the_projector_view_is_wide_lights_the_notes_as_they_play_and_escape_returns(server, browser, tmp_path):
    with studio_page(browser, server) as page:  # today's studio at 1400x900: the score's size
        click_generate(page)
        studio_scale = page.evaluate(SCALE)
    with studio_page(browser, server, PROJECTOR) as page:
        click_generate(page)
        heading = shown_melody(page)[0]
        page.get_by_role("button", name="Present").first.click()
        score = page.locator("#present-score > svg")
        score.wait_for(timeout=30_000)
        assert box(page, score)["width"] >= 0.9 * PROJECTOR["width"] - 80
        assert page.evaluate(SCALE) >= 4 * studio_scale  # staff and chords 4x today's size
        assert heading.split()[2] in page.locator(".present-head h1").inner_text()  # "#48213"
        assert page.evaluate(LETTER_PER_LINE) == []
        page.locator("#present-play").click()
        lit = page.locator("#present-score")
        page.wait_for_function("() => document.querySelector('#present-score').dataset.lit !== ''", timeout=15_000)
        first = lit.get_attribute("data-lit")
        assert page.locator("#present-score .lit").count() >= 1
        page.wait_for_function(
            "(first) => { const now = document.querySelector('#present-score').dataset.lit;"
            " return now !== '' && now !== first; }",
            arg=first,
            timeout=15_000,
        )
        shot(page, "present.png", tmp_path)
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Generate").wait_for(timeout=30_000)
        assert page.get_by_text(heading.split(" · ")[0]).count() >= 1  # the same melody is still there


@pytest.mark.parametrize("zoom", [1.5, 2.0])
def test_the_projector_view_at_browser_zoom_wraps_no_word_letter_by_letter(server, browser, tmp_path, zoom):
    viewport = {"width": int(PROJECTOR["width"] / zoom), "height": int(PROJECTOR["height"] / zoom)}
    context = browser.new_context(viewport=viewport, device_scale_factor=zoom)
    try:
        page = context.new_page()
        page.goto(server, timeout=60_000)
        page.get_by_role("button", name="Generate").wait_for(timeout=60_000)
        click_generate(page)
        assert page.evaluate(LETTER_PER_LINE) == []
        page.mouse.wheel(0, -5000)  # back to the top (the click scrolled to Generate)
        shot(page, f"app-zoom-{int(zoom * 100)}.png", tmp_path)
        page.get_by_role("button", name="Present").first.click()
        page.locator("#present-score > svg").wait_for(timeout=30_000)
        assert box(page, page.locator("#present-score > svg"))["width"] >= 0.85 * viewport["width"]
        assert page.evaluate(LETTER_PER_LINE) == []
        shot(page, f"present-zoom-{int(zoom * 100)}.png", tmp_path)
    finally:
        context.close()


def test_the_qr_code_is_the_melodys_link_and_opens_it_on_a_phone(server, browser, tmp_path):
    with studio_page(browser, server) as page:
        click_generate(page)
        made = shown_melody(page)
        page.get_by_role("button", name="Present").first.click()
        code = page.get_by_alt_text("QR code", exact=False)
        code.wait_for(timeout=30_000)
        [link] = _decoded(code.screenshot())
        assert _query(link) == _query(page.url) and urlsplit(link).netloc == urlsplit(page.url).netloc
    with studio_page(browser, link, PHONE) as phone:
        phone.locator(SCORE).wait_for(state="attached", timeout=60_000)
        assert shown_melody(phone)[0] == made[0]
        shot(phone, "present-scanned-phone.png", tmp_path)


def test_the_pdf_handout_downloads_with_notes_and_its_code(server, browser):
    pdfium = pytest.importorskip("pypdfium2")
    with studio_page(browser, server) as page:
        click_generate(page)
        number = shown_melody(page)[0].split("#")[1].split()[0]
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="PDF").first.click()
        pdf = pathlib.Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename.endswith(".pdf") and pdf.startswith(b"%PDF")
        [page_image] = [p.render(scale=2).to_pil() for p in pdfium.PdfDocument(pdf)]
        buffer = io.BytesIO()
        page_image.save(buffer, "PNG")
        [link] = _decoded(buffer.getvalue())
        assert _query(link)["melody"] == [number]
        assert f"#{number}" in pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()


def test_a_melody_number_alone_brings_it_back_in_a_fresh_browser(server, browser):
    with studio_page(browser, server) as page:
        page.get_by_role("slider").nth(0).wait_for()
        click_generate(page)
        made = shown_melody(page)
    number = made[0].split("#")[1].split()[0]
    with studio_page(browser, server) as fresh:  # no link: only the number
        fresh.get_by_label("Melody number").fill(number)
        fresh.get_by_label("Melody number").press("Enter")
        fresh.get_by_role("button", name="Make this melody again").click()
        fresh.locator(SCORE).wait_for(state="attached", timeout=60_000)
        fresh.get_by_text(f"Folk melody #{number}").first.wait_for(timeout=60_000)
        assert shown_melody(fresh) == made
        unknown = "99999" if number != "99999" else "99998"
        fresh.get_by_label("Melody number").fill(unknown)
        fresh.get_by_label("Melody number").press("Enter")
        fresh.get_by_role("button", name="Make this melody again").click()
        fresh.get_by_text("was not made by this studio").wait_for(timeout=30_000)


def test_on_a_phone_the_new_melody_scrolls_into_view(server, browser, tmp_path):
    with studio_page(browser, server, PHONE) as page:
        click_generate(page)
        heading = page.get_by_text("Folk melody #").first
        page.wait_for_function(
            "() => { const e = [...document.querySelectorAll('p')].find(p => p.innerText.includes('Folk melody #'));"
            " if (!e) return false; const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }",
            timeout=15_000,
        )
        assert page.evaluate("() => window.scrollY") > 300 or box(page, heading)["y"] < PHONE["height"]
        assert page.evaluate(LETTER_PER_LINE) == []
        shot(page, "app-phone-result.png", tmp_path)
        page.get_by_role("button", name="Present").first.click()  # the projector view on a phone
        score = page.locator("#present-score > svg")
        score.wait_for(timeout=30_000)
        assert box(page, score)["width"] >= 0.85 * PHONE["width"] and page.evaluate(LETTER_PER_LINE) == []
        shot(page, "present-phone.png", tmp_path)


def test_desktop_does_not_scroll_on_generate(server, browser):
    with studio_page(browser, server, DESKTOP) as page:
        click_generate(page)
        page.wait_for_timeout(800)
        assert page.evaluate("() => window.scrollY") == 0
