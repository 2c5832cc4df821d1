"""Browser tests: Playwright drives Debian's Chromium against a live server.

Chromium is never skipped: `make test` installs it when missing (as root), and a missing
browser fails these tests loudly rather than hiding them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls
# (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def browser(transactional_db) -> Iterator:
    """Chromium for one test, started after the test database is ready.

    Playwright runs an event loop in the test thread. Started once per session, it would be
    running before a test's database fixture reloads the serialized catalogue after an
    earlier transactional test's flush, and that test then sees an empty database. Starting
    it per test, after `transactional_db`, costs about a second a test and keeps the order.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test` as root, or apt-get install chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # Kept on the browser so a test can check the listener itself.
        browser.csp_violations = violations = _listen_for_csp_violations(browser)
        yield browser
        browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def _listen_for_csp_violations(browser) -> list[str]:
    """Collect every CSP violation Chromium reports in any page of this browser.

    Chromium logs each refused inline script, style attribute or foreign resource as a
    console error; a page that needs one would silently lose it in production.
    """
    violations: list[str] = []

    def listen(target) -> None:
        def on_console(message) -> None:
            # A violation with no source URL comes from a script the test itself evaluated
            # (axe-core adds a <style> while it checks some pages), not from the app.
            where = message.location.get("url")
            if message.type == "error" and "Content Security Policy" in message.text and where:
                violations.append(f"{where}: {message.text}")

        target.on("console", on_console)

    new_context, new_page = browser.new_context, browser.new_page

    def new_context_listening(*args, **kwargs):
        context = new_context(*args, **kwargs)
        listen(context)
        return context

    def new_page_listening(*args, **kwargs):
        page = new_page(*args, **kwargs)
        listen(page)
        return page

    browser.new_context = new_context_listening
    browser.new_page = new_page_listening
    return violations


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport=PHONE, locale="en-CA", timezone_id="America/Toronto")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str, folder: Path | None = None) -> Path:
    """A full-page screenshot in `folder` (a test's tmp_path), else in var/screenshots."""
    folder = folder or SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible_without_javascript(page) -> None:
    """axe on a page opened with JavaScript off, where axe itself cannot run: the same
    HTML (its scripts removed) at the same address and size, in a page that runs axe."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.DOTALL)
    url = page.url
    checker = page.context.browser.new_page(viewport=page.viewport_size)
    checker.route(lambda address: address == url, lambda route: route.fulfill(body=html, content_type="text/html"))
    checker.goto(url)
    try:
        assert_accessible(checker)
    finally:
        checker.close()


def assert_accessible(page) -> None:
    """Run axe-core (bundled in axe-playwright-python) on the page; fail on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    assert not violations, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    )
