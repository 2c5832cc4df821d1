"""Every read of a note leaves exactly one append-only access record; nobody, the
superuser included, can change or delete those records through the admin."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory

from bookings.models import AccessLog
from bookings.models.notes import AccessAction
from bookings.services import notes as services
from tests.factories import answer

pytestmark = pytest.mark.django_db


def reads_of(obj, action=AccessAction.VIEW):
    return AccessLog.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


def test_each_admin_view_of_a_note_writes_exactly_one_record(client, note, therapist):
    client.force_login(therapist.user)
    for expected in (1, 2):
        assert client.get(f"/admin/bookings/sessionnote/{note.pk}/change/").status_code == 200
        assert reads_of(note).count() == expected
    row = reads_of(note).first()
    assert (row.user, row.client, row.ip) == (therapist.user, note.client, "127.0.0.1")


def test_each_print_of_a_note_writes_exactly_one_record_and_is_not_cached(client, clear_note, therapist):
    services.note_sign(note=clear_note, by=therapist.user)
    client.force_login(therapist.user)
    response = client.get(f"/staff/notes/{clear_note.public_id}/print/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert reads_of(clear_note, AccessAction.PRINT).count() == 1
    assert b"Signed by" in response.content


def test_each_view_of_a_note_history_writes_exactly_one_record(client, note, therapist):
    client.force_login(therapist.user)
    assert client.get(f"/admin/bookings/sessionnote/{note.pk}/history/").status_code == 200
    assert reads_of(note).count() == 1


def test_a_refused_read_leaves_no_record_and_answers_404(client, note, other_therapist):
    client.force_login(other_therapist.user)
    assert client.get(f"/admin/bookings/sessionnote/{note.pk}/history/").status_code == 404
    assert client.get(f"/admin/bookings/sessionnote/{note.pk}/change/").status_code == 404
    assert client.get(f"/staff/notes/{note.public_id}/print/").status_code == 404
    assert not reads_of(note).exists()


def test_viewing_a_health_intake_is_logged_once(client, client_person, therapist, note):
    intake = answer(client_person, therapist.user, ci_fever="no")
    client.force_login(therapist.user)
    assert client.get(f"/admin/treatments/healthintake/{intake.pk}/change/").status_code == 200
    assert reads_of(intake).count() == 1


def test_sign_and_change_are_logged(clear_note, therapist):
    services.note_update(note=clear_note, by=therapist.user, complaint="x")
    services.note_sign(note=clear_note, by=therapist.user)
    assert reads_of(clear_note, AccessAction.SIGN).count() == 1
    assert reads_of(clear_note, AccessAction.CHANGE).exists()


def test_the_superuser_cannot_add_change_or_delete_access_records(client, note, therapist):
    services.access_record(user=therapist.user, action=AccessAction.VIEW, obj=note, client=note.client)
    row = AccessLog.objects.first()
    root = User.objects.create_superuser("root", "root@example.com", "correct horse battery")
    request = RequestFactory().get("/")
    request.user = root
    model_admin = admin.site._registry[AccessLog]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    client.force_login(root)
    assert client.post(f"/admin/bookings/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/bookings/accesslog/{row.pk}/change/", {"action": "print"})
    client.post(
        "/admin/bookings/accesslog/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    row.refresh_from_db()
    assert row.action == AccessAction.VIEW
    assert AccessLog.objects.filter(pk=row.pk).exists()
    with pytest.raises(TypeError):
        AccessLog.objects.filter(pk=row.pk).update(action="print")


def test_the_manager_reads_the_log_per_client(client, note, manager, other_client, therapist):
    services.access_record(user=therapist.user, action=AccessAction.VIEW, obj=note, client=note.client)
    services.access_record(user=therapist.user, action=AccessAction.VIEW, obj=other_client, client=other_client)
    client.force_login(manager)
    page = client.get(f"/admin/bookings/accesslog/?client__id__exact={note.client.pk}")
    assert page.status_code == 200
    assert page.context["cl"].result_count == AccessLog.objects.filter(client=note.client).count()
