"""Clients hear about every change: a staff move or cancellation (admin change form, the
schedule's cancel action) queues the client the same email as the online path, with an
updated calendar file, unless staff untick "Tell the client"; the queue's worker sends it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from tests.bookings.conftest import MONDAY, NOW, book, local
from tests.conftest import run_jobs

pytestmark = pytest.mark.django_db
TICKED = re.compile(r'<input type="checkbox" name="notify_client"[^>]*checked>')


@pytest.fixture
def staff_booked(working_therapist, client_person, option_60, time_machine):
    time_machine.move_to(NOW)
    return book(client_person, option_60, local(MONDAY, 10), source=AppointmentSource.STAFF)


def move_form(appointment, *, hour: int, notify: bool) -> dict:
    data = {
        "therapist": appointment.therapist_id,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": f"{hour:02d}:00",
        "status": appointment.status,
        "cancellation_reason": "",
    }
    if notify:
        data["notify_client"] = "on"
    return data


def only_calendar(message) -> Calendar:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    return Calendar.from_ical(attachment[1])


def test_a_staff_move_sends_one_email_with_the_new_time_in_its_calendar_file(
    client, front_desk, staff_booked, mailoutbox
):
    client.force_login(front_desk)
    url = reverse("admin:bookings_appointment_change", args=[staff_booked.pk])
    assert TICKED.search(client.get(url).content.decode())  # ticked by default
    response = client.post(url, move_form(staff_booked, hour=13, notify=True))
    run_jobs()
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [staff_booked.client.email]
    assert message.subject.startswith("Your appointment has moved")
    (event,) = only_calendar(message).walk("VEVENT")
    assert event.decoded("dtstart") == local(MONDAY, 13)
    assert str(event["uid"]) == str(staff_booked.public_id)
    assert event["status"] == "CONFIRMED"


def test_a_staff_cancel_from_the_schedule_action_sends_one_cancellation(
    client, front_desk, staff_booked, mailoutbox
):
    client.force_login(front_desk)
    client.post(
        reverse("admin:bookings_appointment_changelist"),
        {
            "action": "cancel_with_reason",
            "_selected_action": [staff_booked.pk],
            "apply": "1",
            "reason": "Therapist ill",
            "notify_client": "on",
        },
    )
    run_jobs()
    assert Appointment.objects.get(pk=staff_booked.pk).status == AppointmentStatus.CANCELLED
    assert len(mailoutbox) == 1
    calendar = only_calendar(mailoutbox[0])
    assert calendar["method"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert event["status"] == "CANCELLED"
    assert "Therapist ill" not in mailoutbox[0].body  # the reason is for staff


def test_the_cancel_action_offers_tell_the_client_ticked(client, front_desk, staff_booked):
    client.force_login(front_desk)
    response = client.post(
        reverse("admin:bookings_appointment_changelist"),
        {"action": "cancel_with_reason", "_selected_action": [staff_booked.pk]},
    )
    assert TICKED.search(response.content.decode())


def test_unticking_tell_the_client_sends_nothing(
    client, front_desk, staff_booked, mailoutbox
):
    client.force_login(front_desk)
    client.post(
        reverse("admin:bookings_appointment_change", args=[staff_booked.pk]),
        move_form(staff_booked, hour=13, notify=False),
    )
    client.post(
        reverse("admin:bookings_appointment_changelist"),
        {
            "action": "cancel_with_reason",
            "_selected_action": [staff_booked.pk],
            "apply": "1",
            "reason": "Client phoned",
            "by_client": "on",
        },
    )
    run_jobs()
    appointment = Appointment.objects.get(pk=staff_booked.pk)
    assert appointment.starts_at == local(MONDAY, 13)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert mailoutbox == []


def test_a_refused_move_sends_nothing(
    client, front_desk, staff_booked, mailoutbox
):
    client.force_login(front_desk)
    response = client.post(
        reverse("admin:bookings_appointment_change", args=[staff_booked.pk]),
        move_form(staff_booked, hour=23, notify=True),
    )
    run_jobs()
    assert response.status_code == 200
    assert mailoutbox == []
