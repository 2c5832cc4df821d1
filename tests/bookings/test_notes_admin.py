"""Charting in the admin never loses work: a refused save shows the page again with
everything typed and the conflicting body-map row marked; quick picks never collide with
the rows typed in the table."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from bookings.admin.notes import BODY_MAP_ROW_REFUSED, NOTE_NOT_SAVED
from bookings.models import BodyMapEntry, SessionNote
from bookings.services import notes as services
from tests.factories import start_note, visit_asked
from treatments.models import BodySite
from treatments.screening import screen
from treatments.selectors import catalogue_entries

pytestmark = pytest.mark.django_db


def note_post(**fields) -> dict:
    data = {"treated": "on", "below_knee": "", "tingling_numbness": ""}
    for prefix in ("body_map", "referrals", "addenda"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(fields)
    return data


def body_map_row(n: int, site: BodySite, side: str = "both", **extra) -> dict:
    row = {"site": site.pk, "side": side, "trigger_point": "none", "tension": "none", **extra}
    return {f"body_map-{n}-{k}": v for k, v in row.items()}


@pytest.fixture
def draft(client_person, therapist, option_60):
    return start_note(client_person, therapist, option_60)


def test_a_refused_save_keeps_what_was_typed_and_marks_the_conflicting_row(client, draft, therapist):
    # Varicose veins: screening marks the leg sites of this treatment "avoid" on save, so a
    # row typed as treated on the same site and side cannot be stored.
    avoided = sorted(sites_avoided_for(draft, "ci-varicose"))
    site = BodySite.objects.get(code=avoided[0])
    client.force_login(therapist.user)
    url = f"/admin/bookings/sessionnote/{draft.pk}/change/"
    data = note_post(complaint="Typed words that must survive", plan="Weekly for a month")
    data["ck_ci-varicose"] = "yes"
    data.update({"body_map-TOTAL_FORMS": "1", **body_map_row(0, site, treated="on")})

    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Typed words that must survive" in page and "Weekly for a month" in page
    assert escape(NOTE_NOT_SAVED) in page
    assert escape(BODY_MAP_ROW_REFUSED) in page
    fresh = SessionNote.objects.get(pk=draft.pk)
    assert fresh.complaint == "" and not fresh.verdict  # nothing was saved
    assert not BodyMapEntry.objects.filter(note=draft).exists()


def sites_avoided_for(note, code: str) -> frozenset[str]:
    treatment = note.appointment.treatment_type
    return screen({code: "yes"}, treatment, catalogue=catalogue_entries()).sites_to_avoid


def test_a_quick_pick_of_a_site_typed_in_the_table_is_not_a_conflict(client, draft, therapist):
    site = BodySite.objects.get(code="piriformis")
    client.force_login(therapist.user)
    data = note_post(complaint="Both ways", sites_treated=[site.pk])
    data.update({"body_map-TOTAL_FORMS": "1", **body_map_row(0, site, treated="on", pressure="3")})
    response = client.post(f"/admin/bookings/sessionnote/{draft.pk}/change/", data)
    assert response.status_code == 302
    entry = BodyMapEntry.objects.get(note=draft)
    assert (entry.site, entry.side, entry.pressure) == (site, "both", 3)


def test_the_addendum_and_home_care_forms_sit_outside_the_note_form(client, draft, therapist):
    services.note_save_checklist(note=draft, answers=visit_asked(), by=therapist.user)
    services.note_sign(note=draft, by=therapist.user)
    client.force_login(therapist.user)
    page = client.get(f"/admin/bookings/sessionnote/{draft.pk}/change/").content.decode()
    note_form_end = page.index("</form>", page.index('id="sessionnote_form"'))
    assert page.index(f"/admin/bookings/sessionnote/{draft.pk}/addendum/") > note_form_end
