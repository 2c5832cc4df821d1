"""A therapist charts in Chromium: signs a note and adds an addendum from the note page; a
save the services refuse (a body-map conflict) keeps everything typed and marks the row."""

from __future__ import annotations

import re

import pytest

from bookings.admin.notes import BODY_MAP_ROW_REFUSED
from bookings.models import NoteAddendum, SessionNote
from tests.browser.conftest import screenshot
from tests.conftest import make_client, make_therapist
from tests.factories import start_note
from treatments.models import BodySite, TreatmentOption
from treatments.screening import screen
from treatments.selectors import catalogue_entries

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _clinic(settings, transactional_db):
    settings.TIME_ZONE = "America/Toronto"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def draft():
    maya = make_therapist("Maya Chen")
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    return start_note(make_client("Ada", "Lovelace"), maya, option)


def sign_in_and_open(page, live_server, note: SessionNote) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(note.therapist.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(live_server.url + f"/admin/bookings/sessionnote/{note.pk}/change/")


def test_sign_a_note_then_add_an_addendum_from_the_note_page(desk_page, live_server, draft):
    page = desk_page
    sign_in_and_open(page, live_server, draft)
    for radio in page.locator(".checklist input[type=radio][value=no]").all():
        radio.check()
    page.get_by_label("Chief complaint").fill("Ache in the left buttock when sitting")
    page.get_by_role("button", name="Save and sign").click()
    page.get_by_text("The note is signed.").wait_for()
    assert SessionNote.objects.get(pk=draft.pk).is_signed

    page.get_by_label("Reason for the addendum").fill("Side recorded wrongly")
    page.get_by_role("textbox", name="Addendum:", exact=True).fill("The ache was in the right buttock.")
    page.get_by_role("button", name="Add addendum").click()
    page.get_by_text("Addendum added.").wait_for()
    page.get_by_text("The ache was in the right buttock.").wait_for()
    screenshot(page, "note-signed-with-addendum")
    addendum = NoteAddendum.objects.get(note=draft)
    assert (addendum.reason, addendum.author) == ("Side recorded wrongly", draft.therapist.user)


def test_a_save_with_a_body_map_conflict_keeps_the_soap_text(desk_page, live_server, draft):
    # Varicose veins: screening marks the leg sites "avoid" when the note is saved, so a
    # row typed as treated on the same site and side cannot be stored.
    avoided = screen({"ci-varicose": "yes"}, "trigger-point", catalogue=catalogue_entries()).sites_to_avoid
    site = BodySite.objects.get(code=sorted(avoided)[0])
    page = desk_page
    sign_in_and_open(page, live_server, draft)
    page.locator("input[name='ck_ci-varicose'][value=yes]").check()
    page.get_by_label("Chief complaint").fill("Words the therapist typed")
    page.get_by_role("textbox", name="Clinical impression:").fill("Tight hamstrings, better than last week")
    page.get_by_role("button", name=re.compile("add another body map entry", re.IGNORECASE)).click()
    page.locator("select[name='body_map-0-site']").select_option(str(site.pk))
    page.locator("input[name='body_map-0-treated']").check()
    page.get_by_role("button", name="Save and continue editing").click()

    page.get_by_text(BODY_MAP_ROW_REFUSED).wait_for()
    screenshot(page, "note-refused-save")
    assert page.get_by_label("Chief complaint").input_value() == "Words the therapist typed"
    assert page.get_by_role("textbox", name="Clinical impression:").input_value() == "Tight hamstrings, better than last week"
    assert page.locator("input[name='ck_ci-varicose'][value=yes]").is_checked()
    assert page.locator("select[name='body_map-0-site']").input_value() == str(site.pk)
    assert SessionNote.objects.get(pk=draft.pk).complaint == ""
