"""A real browser: headless Debian Chromium, driven by Playwright, on the running studio.

Starts `streamlit run app.py` on a free local port (once for this file) and checks what a
newcomer meets: at 1400x900 the seed, length, how adventurous and Generate, and after a
click the score and the player, all on the first screen; two clicks give two melodies;
the page's link opens the same melody in a fresh browser; a phone (390x844) gets a
narrow, readable score; uploads. Set FOLK_SCREENSHOTS=folder to keep the screenshots
(assets/ holds the shipped ones). Uses /usr/bin/chromium, never a browser download;
skipped, saying why, where Debian's chromium is not installed.
"""

import contextlib
import os
import pathlib
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt: chromium)"),
]
DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
# a phone says so in its User-Agent ("Mobi"): the studio then engraves its narrow score
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SCORE = ".st-key-score-0 img"
SOUND = """(before) => {
  const a = document.querySelector('audio');
  return a && a.src && a.src !== before && a.duration > 0;
}"""


@contextlib.contextmanager
def studio_page(browser, url: str, viewport=DESKTOP):
    """A fresh browser context (no shared session or storage) on ``url``, the Generate button drawn."""
    phone = {"user_agent": PHONE_AGENT, "is_mobile": True, "has_touch": True} if viewport == PHONE else {}
    context = browser.new_context(viewport=viewport, **phone)
    page = context.new_page()
    page.goto(url, timeout=60_000)
    page.get_by_role("button", name="Generate").wait_for(timeout=60_000)
    try:
        yield page
    finally:
        context.close()


def click_generate(page) -> float:
    """Click Generate; seconds until a new sound is loaded and the score drawn."""
    before = page.evaluate("() => { const a = document.querySelector('audio'); return a ? a.src : ''; }")
    started = time.perf_counter()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(SOUND, arg=before, timeout=60_000)
    page.locator(SCORE).wait_for(state="attached", timeout=60_000)
    seconds = time.perf_counter() - started
    page.get_by_role("button", name="WAV").first.wait_for(timeout=60_000)  # the page has finished
    return seconds


def shown_melody(page) -> tuple[str, str]:
    """The melody's heading (with its number) and its score's SVG."""
    heading = page.get_by_text("Folk melody #").first.inner_text()
    return heading, page.locator(SCORE).get_attribute("src")


def box(page, locator) -> dict:
    found = locator.bounding_box()
    assert found, f"{locator} is not drawn"
    return found


def shot(page, name: str, tmp_path) -> None:
    folder = pathlib.Path(os.environ.get("FOLK_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # fonts and charts settle
    page.screenshot(path=str(folder / name))


def test_one_screen_at_1400x900_controls_then_score_and_player(server, browser, tmp_path):
    with studio_page(browser, server) as page:
        controls = {
            "seed": page.locator("input[aria-label='Seed melody']"),
            "start from": page.get_by_text("Start from", exact=True),
            "length": page.locator("[data-testid='stSlider']").filter(has_text="Length (bars)"),
            "adventurous": page.locator("[data-testid='stSlider']").filter(has_text="How adventurous"),
            "generate": page.get_by_role("button", name="Generate"),
        }
        for name, locator in controls.items():
            found = box(page, locator)
            assert found["y"] + found["height"] <= 900, (name, found)
        seconds = click_generate(page)
        for name, locator in {"score": page.locator(SCORE), "player": page.locator("audio").first}.items():
            found = box(page, locator)
            assert found["y"] + found["height"] <= 900 and found["width"] > 300, (name, found)
        assert page.locator(SCORE).evaluate("img => img.naturalWidth") > 600  # the wide score: 6 bars a line
        assert page.locator("[data-testid='stException']").count() == 0
        shot(page, "app.png", tmp_path)
    print(f"click to score and sound: {seconds:.2f} s")


def test_two_clicks_give_two_different_melodies(server, browser):
    with studio_page(browser, server) as page:
        click_generate(page)
        first = shown_melody(page)
        click_generate(page)
        second = shown_melody(page)
    assert first[0] != second[0] and first[1] != second[1]  # another number, another score


def test_the_downloads_hand_over_files_named_after_the_melody(server, browser):
    with studio_page(browser, server) as page:
        click_generate(page)
        number = shown_melody(page)[0].split("#")[1].split()[0]
        for label, suffix, magic in (
            ("WAV", ".wav", b"RIFF"),
            ("MIDI", ".mid", b"MThd"),
            ("MusicXML", ".musicxml", b"<?xml"),
        ):
            with page.expect_download(timeout=30_000) as download:
                page.get_by_role("button", name=label).first.click()
            name = download.value.suggested_filename
            assert name.startswith(f"folk-melody-{number}-") and name.endswith(suffix)
            assert pathlib.Path(download.value.path()).read_bytes().startswith(magic)
        assert page.locator("[data-testid='stException']").count() == 0


def test_the_link_opens_the_same_melody_in_a_fresh_browser(server, browser):
    with studio_page(browser, server) as page:
        page.get_by_text("How adventurous").wait_for()
        click_generate(page)
        made, link = shown_melody(page), page.url
        assert "melody=" in link and "bars=16" in link
        page.get_by_role("button", name="Generate").wait_for()
        copy = page.frame_locator("iframe").first.get_by_role("button", name="Copy link")
        copy.click()
        page.frame_locator("iframe").first.get_by_text("Copied").wait_for(timeout=10_000)
    with studio_page(browser, link) as fresh:  # no click: the link makes its melody on load
        fresh.locator(SCORE).wait_for(state="attached", timeout=60_000)
        assert shown_melody(fresh) == made
        assert fresh.get_by_text("Settings changed").count() == 0


def test_the_phone_gets_a_narrow_readable_score_and_can_reach_generate(server, browser, tmp_path):
    with studio_page(browser, server, PHONE) as page:
        generate = page.get_by_role("button", name="Generate")
        assert generate.is_visible() and box(page, generate)["width"] > 250  # a big target
        assert box(page, generate)["y"] + box(page, generate)["height"] <= PHONE["height"]  # on the first screen
        click_generate(page)
        score = page.locator(SCORE)
        score.scroll_into_view_if_needed()
        loaded = "(selector) => { const img = document.querySelector(selector); return img && img.naturalWidth > 0; }"
        page.wait_for_function(loaded, arg=SCORE, timeout=30_000)
        drawn, natural = box(page, score)["width"], score.evaluate("img => img.naturalWidth")
        assert score.is_visible() and natural < 500  # the narrow score, engraved for the phone
        assert drawn >= 330 and drawn / natural > 0.8  # drawn near its own size: about 3 bars a line
        shot(page, "app-phone.png", tmp_path)


def test_screenshots_of_the_explanation_pages(server, browser, tmp_path):
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        with studio_page(browser, server, viewport) as page:
            click_generate(page)
            for path, name, ready in (
                ("How_it_works", "how-it-works", "How sure it is, and how adventurous"),
                ("The_model", "the-model", "the chance it gave the right note"),  # the table is drawn
            ):
                page.goto(f"{server}/{path}", timeout=60_000)
                page.get_by_text(ready).first.wait_for(timeout=60_000)
                assert page.locator("[data-testid='stException']").count() == 0
                if name == "how-it-works":  # the example song's score: narrow on a phone
                    example = page.locator(".st-key-score-example img")
                    example.wait_for(state="visible", timeout=30_000)
                    width = example.evaluate("img => img.naturalWidth")
                    assert (width < 500) if suffix else (width > 600), width
                shot(page, f"{name}{suffix}.png", tmp_path)


# the rendered size of each shown text in the network diagram, in CSS px: its font size times the
# scale it is drawn at (an SVG's viewBox and transforms through getScreenCTM, an HTML box's CSS scale)
TEXT_PX = """(selector) => {
  const sizes = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, element = node.parentElement;
      if (!node.textContent.trim() || element.closest('style') || !element.getClientRects().length) continue;
      let scale = 1;
      if (element instanceof SVGElement) {
        const m = element.getScreenCTM();
        scale = Math.hypot(m.a, m.b);
      } else if (element.offsetWidth) {
        scale = element.getBoundingClientRect().width / element.offsetWidth;
      }
      sizes.push([node.textContent.trim(), parseFloat(getComputedStyle(element).fontSize) * scale]);
    }
  }
  return sizes;
}"""
DIAGRAM = "[data-testid='stHtml'] .flow, [data-testid='stHtml'] .flow-again, [data-testid='stGraphVizChart'] svg"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400x900", "390x844"])
def test_the_network_diagram_text_is_at_least_12_px_as_drawn(server, browser, viewport):
    phone = {"user_agent": PHONE_AGENT, "is_mobile": True, "has_touch": True} if viewport == PHONE else {}
    context = browser.new_context(viewport=viewport, **phone)
    try:
        page = context.new_page()
        page.goto(f"{server}/How_it_works", timeout=60_000)
        page.get_by_text("A chance for each next symbol").wait_for(timeout=60_000)
        sizes = page.evaluate(TEXT_PX, DIAGRAM)
        assert len(sizes) >= 10 and any("The notes so far" in text for text, _ in sizes)  # the boxes were measured
        assert min(px for _, px in sizes) >= 12, sorted(sizes, key=lambda size: size[1])[:3]  # was 8.2 (graphviz)
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_an_uploaded_song_becomes_the_seed_and_a_bad_one_is_refused(server, browser, tmp_path):
    from conftest import DATA

    (tmp_path / "not-music.mid").write_bytes(b"this is not a MIDI file")
    with studio_page(browser, server) as page:
        upload = page.locator(".st-key-upload input[type=file]")
        upload.set_input_files(str(DATA / "two_tunes.abc"))
        page.get_by_text("Seed from two_tunes.abc").wait_for(timeout=30_000)
        page.wait_for_function(  # the menu says the file replaced the ready seed (a menu's value is its input's)
            "() => [...document.querySelectorAll('[data-testid=\"stSelectbox\"] input')]"
            ".some(menu => menu.value === 'Your file: two_tunes.abc')",
            timeout=30_000,
        )
        page.wait_for_function(  # A | d2e f2g in D minor, its own key, as note names
            "() => [...document.querySelectorAll('input[aria-label=\"Seed melody\"]')]"
            ".some(box => box.value.startsWith('A4 _ D5 _ _ _ E5 _ F5'))",
            timeout=30_000,
        )
        upload.set_input_files(str(tmp_path / "not-music.mid"))
        page.get_by_text("not-music.mid cannot be used").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Generate").is_enabled()  # the page keeps working


def test_after_each_hostile_upload_the_page_says_why_and_generate_still_works(server, browser, tmp_path):
    from test_hostile_files import ABC_BOMB, MIDI_BOMB, mxl_bomb

    files = {  # name -> bytes: size bombs, too many bars, junk
        "bomb.abc": ABC_BOMB,
        "bomb.mid": MIDI_BOMB,
        "bomb.mxl": mxl_bomb(),
        "bars.abc": b"X:1\nM:1/16\nL:1/16\nK:C\n" + b"C2|" * 1000,
        "junk.mid": b"MThd\x00\x00\x00\x06" + bytes(range(256)) * 4,
    }
    refused_s = {}
    with studio_page(browser, server) as page:
        upload = page.locator(".st-key-upload input[type=file]")
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
            started = time.perf_counter()
            upload.set_input_files(str(tmp_path / name))
            page.get_by_text(f"{name} cannot be used").wait_for(timeout=30_000)
            refused_s[name] = time.perf_counter() - started
            click_generate(page)  # each click a new melody, so a new sound to wait for
            assert page.get_by_text(f"{name} cannot be used").is_visible()  # the reason stays beside the upload
            assert page.locator("[data-testid='stException']").count() == 0  # never a traceback
    print("upload to its error, in the browser: " + ", ".join(f"{n} {s:.2f} s" for n, s in refused_s.items()))
    assert max(refused_s.values()) < 10  # server and browser share 2 cores; the server-side limit is 2 s


def test_a_phishing_or_pixel_link_shows_text_not_a_link_or_an_image(server, browser):
    from urllib.parse import quote

    phishing = quote("[log in](https://evil.example)")  # short: whole in the message
    pixel = quote("![](http://pixel.invalid/p.png)")
    context = browser.new_context(viewport=DESKTOP)
    page, asked = context.new_page(), []
    page.on("request", lambda request: asked.append(request.url))
    try:
        page.goto(f"{server}/?key={phishing}&tempo={pixel}&inst=www.evil.example&melody=1", timeout=60_000)
        page.get_by_text("log in").first.wait_for(timeout=60_000)
        page.get_by_text("p.png").first.wait_for(timeout=60_000)
        page.get_by_text("evil.example").first.wait_for(timeout=60_000)
        # no link in the warnings (nor a bare-URL link), none in any paragraph
        assert page.locator('[data-testid="stAlertContainer"] a').count() == 0
        assert page.locator('[data-testid="stMarkdownContainer"] p a[href*="evil"]').count() == 0
        assert page.locator('img[src*="pixel"]').count() == 0
        assert not [url for url in asked if url.startswith(("http://pixel.invalid", "https://evil.example"))]
    finally:
        context.close()
