"""The appointments CSV export: streamed, a default date range, flat memory."""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.admin.appointments import _csv_response
from bookings.models import Appointment
from tests.bookings.conftest import NOW, local, make_history
from tests.conftest import make_client, make_therapist, text_of

pytestmark = pytest.mark.django_db

EXPORT = "admin:bookings_appointment_export"


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_of(response))))


def expected_rows(appointments) -> list[list[str]]:
    """The rows as the export wrote them before it streamed (one model per row)."""
    from bookings.admin.appointments import CSV_HEADER
    from bookings.selectors.availability import clinic_zone

    zone = clinic_zone()
    rows = [CSV_HEADER]
    for a in sorted(appointments, key=lambda a: a.starts_at):
        a.refresh_from_db()
        start = a.starts_at.astimezone(zone)
        rows.append([
            f"{start:%Y-%m-%d}", f"{start:%H:%M}", f"{a.ends_at.astimezone(zone):%H:%M}",
            a.client.full_name, a.client.email, a.client.phone, a.therapist.display_name,
            a.treatment_type.name, str(a.duration_minutes), str(a.price), a.get_status_display(),
            a.get_source_display(), "yes" if a.needs_clearance else "no",
            "yes" if a.late_cancellation else "no",
        ])
    return rows


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_export_streams_the_same_rows_for_a_chosen_range(client, manager, therapist, option_60):
    regular = make_client("Rita", "Regular", phone="+1 416 555 0199")
    visits = make_history(regular, therapist, option_60, 420)
    client.force_login(manager)
    response = client.get(reverse(EXPORT), {"starts_at__year": "2026"})
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    in_2026 = [a for a in visits if a.starts_at.astimezone(local(NOW.date(), 0).tzinfo).year == 2026]
    assert 300 < len(in_2026) < 420
    assert rows_of(response) == expected_rows(in_2026)


def test_without_dates_the_export_covers_90_days_back_and_ahead(client, manager, therapist, option_60):
    visits = make_history(make_client(), therapist, option_60, 120)
    client.force_login(manager)
    rows = rows_of(client.get(reverse(EXPORT)))
    recent = [a for a in visits if a.starts_at >= NOW - timedelta(days=90)]
    assert rows == expected_rows(recent) and len(recent) < len(visits)


def _many(count: int) -> None:
    therapists = [make_therapist() for _ in range(10)]
    # One client per therapist: a client is never in two places at once (the database says so).
    clients = [make_client() for _ in range(10)]
    from treatments.models import TreatmentOption

    option = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )
    start = local(NOW.date(), 9) - timedelta(days=count // 10 + 1)
    Appointment.objects.bulk_create(
        (
            Appointment(
                client=clients[i % 10], therapist=therapists[i % 10], treatment_type=option.treatment_type,
                option=option, duration_minutes=60, price=option.price, source="staff",
                status="completed", starts_at=start + timedelta(days=i // 10),
                ends_at=start + timedelta(days=i // 10, hours=1),
                buffer_ends_at=start + timedelta(days=i // 10, minutes=70),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )


def _peak_while_streaming(count: int) -> int:
    response = _csv_response(Appointment.objects.all())
    gc.collect()
    tracemalloc.start()
    try:
        lines = sum(1 for _ in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == count + 1
    return peak


def test_streaming_memory_does_not_grow_with_the_number_of_rows():
    _many(10_000)
    small = _peak_while_streaming(10_000)
    _many(40_000)
    large = _peak_while_streaming(50_000)
    # Building the rows in memory took several megabytes at 50,000 rows.
    assert small < 2_500_000 and large < 2_500_000
    assert large < small * 1.5
