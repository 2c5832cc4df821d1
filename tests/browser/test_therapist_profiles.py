"""The public team pages at phone width, with a photo: readable and accessible."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from bookings.services.therapists import therapist_save
from tests.bookings.conftest import add_hours
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_therapist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_team_and_profile_pages_at_phone_width_pass_axe(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    maya = make_therapist(
        "Maya Chen-Abernathy-Vanderberg-Rosenthal-Okonkwo-Fitzgerald-Hargreaves",
        registration_number="RMT-4411",
        bio="Sciatica and hip pain, with gentle trigger point work.",
    )
    add_hours(maya)
    out = io.BytesIO()
    Image.new("RGB", (900, 900), (90, 140, 170)).save(out, format="JPEG")
    maya.photo = SimpleUploadedFile("maya.jpg", out.getvalue(), content_type="image/jpeg")
    therapist_save(therapist=maya)

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Therapists").click()
    expect(page.get_by_role("heading", name="Our therapists")).to_be_visible()
    # The heading can show before the photo has loaded: wait for it, not for a fixed time.
    page.wait_for_function("document.querySelector('.therapist-photo').complete")
    assert page.evaluate("document.querySelector('.therapist-photo').naturalWidth") == 600
    # A very long name wraps instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "therapists-phone")

    page.get_by_role("link", name="Maya Chen").click()
    expect(page.get_by_role("heading", name="Next available")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "therapist-profile-phone")
