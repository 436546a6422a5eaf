"""The browser suite: Debian's headless Chromium driven by Playwright against the real service (real Uvicorn,
real OPA, a real database), with an axe-core accessibility check and a screenshot of every page it opens."""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE_REPORT = ROOT / "test-output" / "axe-results.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The browser suite runs on SQLite: the pages add no SQL of their own (the API suite covers PostgreSQL)."""
    from app.migrations_runner import upgrade_to_head

    url = f"sqlite:///{tmp_path / 'pages.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture
def browser(directory_tokens: dict[str, str]) -> Iterator[Browser]:
    # Per test and after the tokens: Playwright's sync API runs an event loop on this thread while it is
    # open, and the fixtures that issue tokens straight in the database need asyncio.run().
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run scripts/install-chromium.sh (scripts/test.sh does)")
    with sync_playwright() as playwright:
        # Debian's Chromium, never a browser Playwright downloads.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_axe_report() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.write_text("", encoding="utf-8")


class Visitor:
    """One person's browser: each page it lands on is screenshotted and checked with axe-core."""

    def __init__(self, context: BrowserContext, base_url: str, name: str) -> None:
        self.context, self.base_url, self.name = context, base_url, name
        self.page: Page = context.new_page()
        self._axe = Axe()

    def goto(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in(self, token: str) -> Page:
        self.goto("/sign-in")
        self.page.get_by_label("Personal token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        return self.page

    def session_client(self) -> tuple[httpx.Client, str]:
        """An HTTP client holding this browser's session cookie, and the open page's form token."""
        cookie = next(c for c in self.context.cookies() if c["name"] == "so_session")
        csrf = self.page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        client = httpx.Client(base_url=self.base_url, cookies={"so_session": cookie["value"]}, follow_redirects=False)
        return client, csrf

    def check(self, shot: str) -> Path:
        """Screenshot the page (full length) and assert axe-core finds no serious or critical violation."""
        path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', shot.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        results = self._axe.run(self.page)
        violations = results.response["violations"]
        grave = [v for v in violations if v["impact"] in ("serious", "critical")]
        with AXE_REPORT.open("a", encoding="utf-8") as report:
            summary = ", ".join(f"{v['id']} ({v['impact']})" for v in violations) or "none"
            report.write(f"{path.name}\t{self.page.url}\tviolations: {summary}\n")
        assert not grave, f"{shot}: axe-core found {[(v['id'], v['impact'], v['help']) for v in grave]}"
        return path


@pytest.fixture
def visitors(browser: Browser, live_url: str) -> Iterator[Callable[..., Visitor]]:
    contexts: list[BrowserContext] = []

    def visitor(name: str, *, phone: bool = False) -> Visitor:
        context = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 900})
        contexts.append(context)
        return Visitor(context, live_url, name)

    yield visitor
    for context in contexts:
        context.close()
