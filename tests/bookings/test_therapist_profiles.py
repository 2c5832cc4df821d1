"""Public therapist profiles: the team page, one page each with the next free time, and
photos stored small and without their EXIF data."""

from __future__ import annotations

import io
import os

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bookings.services.therapists import therapist_save
from clinic.models import Therapist
from tests.bookings.conftest import NOW, add_hours
from tests.conftest import make_therapist

pytestmark = pytest.mark.django_db


def _jpeg(width: int = 1600, height: int = 1200, camera: str = "SENTINEL-CAMERA") -> SimpleUploadedFile:
    image = Image.new("RGB", (width, height), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = camera  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("portrait.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_team_page_lists_active_therapists_with_what_they_offer(client, django_assert_max_num_queries):
    maya = make_therapist("Maya Chen", registration_number="RMT-4411", bio="Sciatica and hip pain.")
    make_therapist("Gone Away", active=False)
    with django_assert_max_num_queries(4):
        page = client.get(reverse("bookings:therapist_list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Maya Chen" in text and "RMT-4411" in text and "Sciatica and hip pain." in text
    assert "Trigger point therapy" in text
    assert "Gone Away" not in text
    assert reverse("bookings:therapist_detail", args=[maya.pk]) in text


def test_a_profile_shows_the_next_free_time(client):
    maya = make_therapist("Maya Chen", treatments=["trigger-point"])
    add_hours(maya)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("bookings:therapist_detail", args=[maya.pk]))
    text = page.content.decode()
    assert "Next available" in text
    assert "Saturday 21 November 2026 at 9:00 a.m." in text  # the first time past the 12-hour notice
    assert "?treatment=trigger-point" in text


def test_a_profile_without_free_time_says_to_call(client):
    maya = make_therapist("Maya Chen")
    text = client.get(reverse("bookings:therapist_detail", args=[maya.pk])).content.decode()
    assert "please call us" in text


def test_inactive_and_unknown_profiles_are_404(client):
    gone = make_therapist("Gone Away", active=False)
    assert client.get(reverse("bookings:therapist_detail", args=[gone.pk])).status_code == 404
    assert client.get("/therapists/999999/").status_code == 404


def test_an_uploaded_photo_is_stored_small_without_exif_and_served(client):
    maya = make_therapist("Maya Chen")
    maya.photo = _jpeg()
    therapist_save(therapist=maya)
    maya.refresh_from_db()
    stored = Image.open(maya.photo.path)
    assert max(stored.size) == 600
    with open(maya.photo.path, "rb") as stored_file:
        assert b"SENTINEL-CAMERA" not in stored_file.read()
    response = client.get(reverse("bookings:therapist_photo", args=[maya.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_replacing_a_photo_removes_the_old_file(django_capture_on_commit_callbacks):
    maya = make_therapist("Maya Chen")
    maya.photo = _jpeg()
    therapist_save(therapist=maya)
    first = maya.photo.path
    maya = Therapist.objects.get(pk=maya.pk)
    maya.photo = _jpeg(camera="SECOND")
    with django_capture_on_commit_callbacks(execute=True):
        therapist_save(therapist=maya)
    assert not os.path.exists(first)
    assert os.path.exists(Therapist.objects.get(pk=maya.pk).photo.path)


def test_a_file_that_is_not_a_photo_is_refused_in_the_admin(client, manager):
    maya = make_therapist("Maya Chen")
    client.force_login(manager)
    url = reverse("admin:clinic_therapist_change", args=[maya.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "photo"}
    data.update(
        {
            "user": maya.user_id,
            "display_name": "Maya Chen",
            "calendar_colour": "#3a7bd5",
            "active": "on",
            "photo": SimpleUploadedFile("notes.jpg", b"this is not a picture", content_type="image/jpeg"),
        }
    )
    for prefix_field in ("treatment_types-TOTAL_FORMS", "treatment_types-INITIAL_FORMS"):
        data.setdefault(prefix_field, "0")
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["photo"], errors
    assert not Therapist.objects.get(pk=maya.pk).photo


def test_no_photo_is_404(client):
    maya = make_therapist("Maya Chen")
    assert client.get(reverse("bookings:therapist_photo", args=[maya.pk])).status_code == 404


def test_treatment_pages_and_the_therapist_step_link_the_profiles(client):
    maya = make_therapist("Maya Chen")
    text = client.get(reverse("treatments:treatment_list")).content.decode()
    assert reverse("bookings:therapist_detail", args=[maya.pk]) in text
    home = client.get("/").content.decode()
    assert reverse("bookings:therapist_list") in home


def test_the_service_refuses_a_file_that_is_not_a_photo():
    from django.core.exceptions import ValidationError

    from clinic.images import PHOTO_UNREADABLE

    maya = make_therapist("Maya Chen")
    maya.photo = SimpleUploadedFile("x.png", b"GIF89a not really", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        therapist_save(therapist=maya)
    assert refused.value.message_dict["photo"] == [PHOTO_UNREADABLE]
    assert not Therapist.objects.get(pk=maya.pk).photo
