"""Sing or hum, in a real browser (headless Debian Chromium, Playwright): a hummed tune played
into the page's recorder through Chromium's fake microphone (a WAV file as its capture) fills
the seed box, and Generate continues it; a recording uploaded on a phone does the same, and a
bad one leaves the seed as it was. FOLK_SCREENSHOTS=folder keeps the screenshots."""

from __future__ import annotations

import os

import pytest
from test_browser import CHROMIUM, DESKTOP, PHONE, PHONE_AGENT, SCORE, shot
from voices import noise, sung, wav_bytes

from melody.songs.typed import parse_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt: chromium)"),
]

TUNE = parse_seed("67 _ 69 _ 71 _ 72 _ 74 _ _ _ 72 _ 71 _ 69 _ _ _ 67 _ _ _ r _ 67 _ 67 _ _ _", tempo=96)
SEED = "G4 _ A4 _ B4 _ C5 _ D5 _ _ _ C5 _ B4 _ A4 _ _ _ G4 _ _ _ r _ G4 _ G4 _ _ _"
SEED_BOX = "input[aria-label='Seed melody']"


@pytest.fixture(scope="module")
def hum_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("sung") / "hum.wav"
    path.write_bytes(wav_bytes(sung(TUNE, lead_s=0.6), rate=44_100))  # Chromium's fake capture plays 44.1 kHz as is
    return path


@pytest.fixture(scope="module")
def singing_browser(hum_wav):
    """Chromium whose microphone plays ``hum_wav`` once (its fake capture device), allowed
    without asking."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={hum_wav}%noloop",
            ],
        )
        yield launched
        launched.close()


def open_studio(browser, url, viewport=DESKTOP):
    phone = {"user_agent": PHONE_AGENT, "is_mobile": True, "has_touch": True} if viewport == PHONE else {}
    context = browser.new_context(viewport=viewport, permissions=["microphone"], **phone)
    page = context.new_page()
    page.goto(url, timeout=60_000)
    page.get_by_role("button", name="Generate").wait_for(timeout=60_000)
    page.get_by_text("Sing, hum or bring your own song").click()
    return context, page


def wait_for_seed(page, text: str) -> None:
    page.wait_for_function(
        "([box, text]) => document.querySelector(box).value === text", arg=[SEED_BOX, text], timeout=30_000
    )


def generate(page) -> str:
    """Click Generate; the new melody's heading once its score is drawn."""
    page.get_by_role("button", name="Generate").click()
    page.locator(SCORE).wait_for(state="attached", timeout=60_000)
    page.get_by_role("button", name="WAV").first.wait_for(timeout=60_000)
    return page.get_by_text("Folk melody #").first.inner_text()


def test_a_tune_hummed_into_the_microphone_fills_the_seed_box_and_is_continued(server, singing_browser, tmp_path):
    context, page = open_studio(singing_browser, server)
    try:
        page.get_by_role("button", name="Record", exact=True).click()
        page.wait_for_timeout(7_000)  # the take lasts 6.8 s
        page.get_by_role("button", name="Stop recording").click()
        wait_for_seed(page, SEED)
        page.get_by_text("Heard 11 notes, G4 to D5, at 96 beats a minute").wait_for(timeout=10_000)
        assert page.get_by_text("G major (found from the notes)").count() >= 1
        shot(page, "sing.png", tmp_path)
        menus = page.locator("[data-testid='stSelectbox'] input")  # a menu's value is its input's
        assert "Your singing" in [menus.nth(i).input_value() for i in range(menus.count())]
        heard_player = page.locator("[data-testid='stAudio']").first
        assert heard_player.count() == 1  # "Hear what I heard"
        assert "Folk melody #" in generate(page)
        shot(page, "sing-generated.png", tmp_path)
    finally:
        context.close()


def test_a_recording_uploaded_on_a_phone_becomes_the_seed_and_noise_changes_nothing(
    server, singing_browser, hum_wav, tmp_path
):
    context, page = open_studio(singing_browser, server, PHONE)
    try:
        uploader = page.locator(".st-key-recording_file input[type='file']")
        uploader.set_input_files(str(hum_wav))
        wait_for_seed(page, SEED)
        shot(page, "sing-phone.png", tmp_path)
        noisy = tmp_path / "street.wav"
        noisy.write_bytes(wav_bytes(noise()))
        uploader.set_input_files(str(noisy))
        page.get_by_text("No singing heard, only noise").wait_for(timeout=30_000)
        assert page.locator(SEED_BOX).input_value() == SEED
        assert "Folk melody #" in generate(page)
    finally:
        context.close()
