"""Every page that shows clinical data writes exactly one access-log row per read, for each
role that may see it; the front desk gets no page and leaves no row."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.admin.access import AccessLogged
from bookings.models import AccessLog
from bookings.models.notes import AccessAction
from tests.factories import screened, signed_note_with_parts
from treatments import services as treatment_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def chart(client_person, therapist, option_60, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    by = therapist.user
    screened(client_person, by=by)
    treatment_services.consent_give(client=client_person, kind="general", method="written", by=by)
    clearance = treatment_services.clearance_record(
        client=client_person, given_by="Dr. Okafor", given_on=date(2026, 11, 1), by=by,
        document=SimpleUploadedFile("letter.pdf", b"%PDF-1.4"),
    )
    note = signed_note_with_parts(client_person, therapist, option_60)
    return {"client": client_person, "note": note, "clearance": clearance}


def clinical_admins():
    return [ma for ma in admin.site._registry.values() if isinstance(ma, AccessLogged)]


def reads(user) -> list[tuple[str, str, str]]:
    """(label, method, url) of every clinical page: each logged admin's list, and the
    change and history page of one row it shows this user; the other clinical pages."""
    from django.test import RequestFactory

    out = []
    request = RequestFactory().get("/")
    request.user = user
    for ma in clinical_admins():
        opts = ma.model._meta
        out.append((opts.label_lower, "get", reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
        row = ma.get_queryset(request).first()
        if row is not None:
            out.append((opts.label_lower, "get", reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])))
            out.append((opts.label_lower, "get", reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[row.pk])))
    return out


def test_the_walk_covers_every_clinical_admin(chart, manager):
    labels = {label for label, _, _ in reads(manager)}
    assert {
        "bookings.sessionnote", "treatments.healthintake", "treatments.consent",
        "treatments.medicalclearance", "treatments.healthrecordchange", "bookings.treatmentplan",
        "bookings.onlinesubmission",
    } <= labels


@pytest.mark.parametrize("persona", ["manager", "therapist"])
def test_each_read_adds_exactly_one_row(client, chart, persona, request):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    client.force_login(user)
    pages = reads(user) + [
        ("bookings.sessionnote", "get", reverse("admin:bookings_sessionnote_to_sign")),
        ("bookings.sessionnote", "get", reverse("bookings:note_print", args=[chart["note"].public_id])),
        ("treatments.medicalclearance", "get", reverse("bookings:clearance_document", args=[chart["clearance"].pk])),
    ]
    assert len(pages) > 12
    for label, method, url in pages:
        before = AccessLog.objects.count()
        response = getattr(client, method)(url)
        assert response.status_code == 200, (url, response.status_code)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        added = list(AccessLog.objects.order_by("-pk")[: AccessLog.objects.count() - before])
        assert len(added) == 1, (url, [(a.action, a.object_type) for a in added])
        assert added[0].user == user
        assert added[0].object_type == label, url
        assert added[0].action in (AccessAction.VIEW, AccessAction.PRINT, AccessAction.DOWNLOAD)


def test_the_front_desk_gets_no_clinical_page_and_leaves_no_row(client, chart, front_desk, manager):
    client.force_login(front_desk)
    before = AccessLog.objects.count()
    for _, method, url in reads(manager):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404), (url, response.status_code)
    assert client.get(reverse("bookings:note_print", args=[chart["note"].public_id])).status_code in (403, 404)
    assert AccessLog.objects.count() == before


def test_a_list_filtered_to_one_client_names_that_client(client, chart, manager):
    client.force_login(manager)
    client.get(reverse("admin:bookings_sessionnote_changelist"), {"client__id__exact": chart["client"].pk})
    row = AccessLog.objects.latest("pk")
    assert (row.object_type, row.object_id, row.client) == ("bookings.sessionnote", "list", chart["client"])
