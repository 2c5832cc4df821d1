"""A therapist enrols an authenticator app at first sign-in, then signs in with a code."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    key = b32decode(secret.replace(" ", ""))
    # django-otp accepts the next 30-second step too (OTP_TOTP_TOLERANCE), and refuses a
    # code it has already seen: the second sign-in uses the next step's code.
    return f"{totp(key, drift=steps_ahead):06d}"


def _password_sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_therapist_enrols_an_app_then_signs_in_with_its_code(browser, live_server, settings):
    settings.STAFF_MFA_REQUIRED = True
    therapist = make_therapist("Maya Chen")
    username = therapist.user.username

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _password_sign_in(page, live_server.url, username)
    expect(page.get_by_role("heading", name="Set up your sign-in code")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "staff-mfa-enrol")
    secret = page.locator("#totp-secret").inner_text()

    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code did not match")).to_be_visible()
    # django-otp makes the next try wait a second after a wrong code; skip the wait.
    TOTPDevice.objects.filter(user=therapist.user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    page.get_by_role("textbox", name="Code").fill(_code(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "staff-mfa-recovery-codes")
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()
    context.close()

    # A new browser: the password alone is not enough.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _password_sign_in(page, live_server.url, username)
    expect(page.get_by_role("heading", name="Your sign-in code")).to_be_visible()
    page.goto(live_server.url + "/admin/clinic/client/")
    expect(page.get_by_role("heading", name="Your sign-in code")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("textbox", name="Code").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/admin/clinic/client/")
    context.close()
