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
from playwright.sync_api import expect

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
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"390": PHONE, "1280": DESKTOP}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


# Playwright's assertions wait 5 s by default; CI runs both databases' suites side by side on
# two cores, where a page can take longer. The same 10 s as the pages' own waits.
expect.set_options(timeout=10_000)


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


def open_page(browser, viewport: dict = PHONE):
    """A page in a fresh context (its own cookies) at `viewport`, in the clinic's locale and zone."""
    context = browser.new_context(viewport=viewport, locale="en-CA", timezone_id="America/Toronto")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(browser) -> Iterator:
    page = open_page(browser)
    yield page
    page.context.close()


def screenshot(page, name: str, directory: Path | None = None) -> Path:
    directory = directory or SCREENSHOTS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_wcag22_without_javascript(page) -> None:
    """`assert_wcag22` for a page opened with JavaScript off, where axe cannot run: the same
    HTML (its scripts removed) at the same address and size, in a page that runs axe."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.DOTALL)
    url = page.url
    checker = page.context.browser.new_page(viewport=page.viewport_size)
    checker.route(lambda address: address == url, lambda route: route.fulfill(body=html, content_type="text/html"))
    checker.goto(url)
    try:
        assert_wcag22(checker)
    finally:
        checker.close()


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page (bundled in axe-playwright-python), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def assert_accessible(page) -> None:
    """Run axe-core on the page; fail on any violation."""
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


def assert_wcag22(page) -> None:
    """axe-core and the WCAG 2.2 checks it lacks (`layout_problems`); fail on any."""
    problems = axe_violations(page) + layout_problems(page)
    assert not problems, "\n".join(problems)


# What axe does not check, measured in the page (WCAG 2.2 AA):
# - 2.5.8 target size: every control at least 24 x 24 px, unless it is a link inside a
#   sentence, a control with a label that large, or spaced so a 24 px circle around it
#   touches no other control;
# - 2.4.11 focus not obscured: each control, once focused, is on screen and is what shows
#   at its own centre (no sticky bar or dialog over it);
# - reflow: the page is never wider than the window (a long name or address wraps);
# - no double full stop in the text.
_LAYOUT_JS = r"""
() => {
  const problems = [];
  const describe = el => (el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
    + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"');
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  // A control drawn by its label (Bootstrap's .btn-check radios are clipped away and the
  // label is the button): its label is what is seen, tapped and shows the focus.
  const face = el => {
    const s = getComputedStyle(el);
    const clipped = s.clip.startsWith('rect(0') || (s.clipPath && s.clipPath !== 'none');
    return clipped && el.labels && el.labels.length ? el.labels[0] : el;
  };
  const controls = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]'
  )].filter(el => visible(face(el)));
  const rects = controls.map(el => face(el).getBoundingClientRect());
  const big = r => r.width >= 23.5 && r.height >= 23.5;
  const inSentence = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, dd, td, small, figcaption');
    return !!block && block.innerText.trim().length > el.innerText.trim().length;
  };
  const gap = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  controls.forEach((el, i) => {
    const r = rects[i];
    if (big(r) || inSentence(el)) return;
    if (el.labels && [...el.labels].some(l => big(l.getBoundingClientRect()))) return;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const spaced = controls.every((other, j) => j === i || other.contains(el) || el.contains(other)
      || gap(x, y, rects[j]) >= 12);
    if (!spaced) problems.push(`target smaller than 24 px: ${describe(el)} ${Math.round(r.width)}x${Math.round(r.height)}`);
  });
  const before = window.scrollY;
  for (const el of controls) {
    if (el.disabled || el.tabIndex < 0) continue;
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;
    // Where focusing scrolls to, without the smooth scrolling that would still be moving.
    face(el).scrollIntoView({block: 'nearest', inline: 'nearest', behavior: 'instant'});
    const r = face(el).getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) {
      problems.push(`focused but off screen: ${describe(el)}`);
      continue;
    }
    const hit = document.elementFromPoint(x, y);
    const ok = hit && (hit === el || el.contains(hit) || hit.contains(el)
      || (el.labels && [...el.labels].some(l => l === hit || l.contains(hit) || hit.contains(l))));
    if (!ok) problems.push(`focus hidden: ${describe(el)} is covered by ${hit ? describe(hit) : 'nothing'}`);
  }
  if (document.activeElement) document.activeElement.blur();
  window.scrollTo({top: before, behavior: 'instant'});
  if (document.documentElement.scrollWidth > innerWidth) {
    problems.push(`page wider than the window: ${document.documentElement.scrollWidth} > ${innerWidth}`);
  }
  const text = document.body.innerText.replace(/\.\.\./g, '');
  const doubled = text.match(/.{0,30}\.\.(?!\.).{0,10}/);
  if (doubled) problems.push(`double full stop: "${doubled[0]}"`);
  return problems;
}
"""


def layout_problems(page) -> list[str]:
    """The WCAG 2.2 and layout checks axe lacks (see `_LAYOUT_JS`), one line each."""
    return page.evaluate(_LAYOUT_JS)
