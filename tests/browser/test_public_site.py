import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_home_and_treatments_pages_render_at_phone_width_and_pass_axe(page, live_server):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("link[href*='bootstrap']").count() == 1
    # Bootstrap really loaded from our own static files: its CSS variables are defined.
    assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--bs-blue')").strip()
    assert_accessible(page)
    screenshot(page, "home-phone")

    page.get_by_role("link", name="Treatments").first.click()
    expect(page.get_by_role("heading", name="Trigger point therapy")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "treatments-phone")


def test_keyboard_users_can_skip_to_the_main_content(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
