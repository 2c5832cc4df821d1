"""The back office works in Chromium under the Content-Security-Policy (no 'unsafe-inline').

The browser fixture fails any test on a CSP violation; these walk the staff pages that carry
their own styles and scripts, and check the fixture's listener really catches one.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bookings.models import Closure
from clinic.roles import MANAGER
from tests.bookings.conftest import add_hours
from tests.conftest import make_staff, make_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_the_staff_pages_work_without_inline_code(browser, live_server):
    make_staff(MANAGER, username="boss", is_superuser=False)
    therapist = make_therapist("Maya Chen")
    add_hours(therapist)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server.url, "boss")
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()

    # A model form with the admin's own JavaScript widgets (calendar shortcut for a date).
    page.goto(live_server.url + "/admin/clinic/client/add/")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_role("link", name="Today").first.click()
    assert page.get_by_label("Date of birth").input_value()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Nia Newcomer")

    # The diary: block positions come from the page's nonce'd style sheet.
    page.goto(live_server.url + "/admin/bookings/appointment/schedule/")
    column = page.locator(f'section.ws-col[data-therapist="{therapist.pk}"]')
    expect(column).to_be_visible()
    hours = column.locator(".ws-hours").first
    assert hours.evaluate("e => getComputedStyle(e).position") == "absolute"
    assert float(hours.evaluate("e => parseFloat(getComputedStyle(e).height)")) > 60
    colour = column.locator("h2").evaluate("e => getComputedStyle(e).borderTopColor")
    assert colour != "rgba(0, 0, 0, 0)"
    page.goto(live_server.url + "/admin/bookings/appointment/schedule/week/")
    expect(page.locator(".ws-grid")).to_be_visible()
    page.goto(live_server.url + "/admin/bookings/appointment/reports/")
    assert page.locator("form.report-filter").evaluate("e => getComputedStyle(e).marginBottom") != "0px"
    Closure.objects.create(date="2030-01-01", reason="New year")
    page.goto(live_server.url + "/admin/bookings/closure/")
    expect(page.get_by_text("New year").first).to_be_visible()
    context.close()


def test_the_listener_catches_an_inline_style(browser, live_server):
    page = browser.new_page()
    policy = page.goto(live_server.url + "/").headers["content-security-policy"]
    # A page served under the app's policy with a style attribute, as a template might have.
    probe = live_server.url + "/csp-probe/"
    page.route(probe, lambda route: route.fulfill(
        status=200,
        headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
        body='<!doctype html><title>probe</title><p style="color: red">x</p>',
    ))
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.goto(probe)
    caught = list(browser.csp_violations)
    browser.csp_violations.clear()  # expected here: do not fail the test on it
    assert any("style-src" in violation for violation in caught), caught
