"""The accessibility check itself: axe-core, injected into Debian's Chromium, finds a serious violation when
there is one, so "no violation" on the pages means something."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.web.conftest import CHROMIUM


def test_axe_reports_a_form_field_without_a_label_and_an_image_without_text() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page()
            page.set_content(
                '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
                '<img src="x.png"><form><input name="q"></form></main></body></html>'
            )
            violations = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
        finally:
            browser.close()
    assert violations.get("image-alt") == "critical"
    assert violations.get("label") == "critical"
