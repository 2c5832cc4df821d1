"""The manager reads the access log per client and per staff member, and exports it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from bookings.models import AccessLog
from bookings.models.notes import AccessAction
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(client_person, other_client, therapist, manager):
    for user, client, action in [
        (therapist.user, client_person, AccessAction.VIEW),
        (therapist.user, other_client, AccessAction.PRINT),
        (manager, client_person, AccessAction.EXPORT),
    ]:
        AccessLog.objects.create(user=user, client=client, action=action, object_type="clinic.client", object_id=str(client.pk))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_manager_filters_by_staff_member(client, rows, manager, therapist):
    client.force_login(manager)
    page = client.get(reverse("admin:bookings_accesslog_changelist"), {"user": therapist.user.pk})
    assert page.status_code == 200
    assert [r.user for r in page.context["cl"].result_list] == [therapist.user, therapist.user]
    assert "Export these rows as CSV" in page.content.decode()


def test_the_csv_export_has_the_filtered_rows(client, rows, manager, therapist, client_person):
    client.force_login(manager)
    response = client.get(reverse("admin:bookings_accesslog_export"), {"user": therapist.user.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    table = _csv(response)
    assert table[0] == ["time", "staff member", "action", "record type", "record id", "client id", "ip"]
    assert [(r[1], r[2]) for r in table[1:]] == [(therapist.user.username, "view"), (therapist.user.username, "print")]
    per_client = _csv(client.get(reverse("admin:bookings_accesslog_export"), {"client__id__exact": client_person.pk}))
    assert {r[5] for r in per_client[1:]} == {str(client_person.pk)}
    assert len(per_client) == 3


@pytest.mark.parametrize("role", ["Front desk", "Therapist"])
def test_others_cannot_read_or_export_the_log(client, rows, role):
    client.force_login(make_staff(role))
    assert client.get(reverse("admin:bookings_accesslog_export")).status_code == 403
    assert client.get(reverse("admin:bookings_accesslog_changelist")).status_code == 403
