"""The diary's admin: every appointment write goes through the booking service."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.admin import AdminSite
from django.test import RequestFactory

from bookings import errors
from bookings.admin.appointments import AppointmentAdmin
from bookings.models import Appointment, BookingPolicy
from tests.bookings.conftest import MONDAY, NOW, book, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def add_data(client_person, option, therapist, hh: int, mm: int = 0) -> dict:
    return {
        "client": client_person.pk,
        "option": option.pk,
        "therapist": therapist.pk,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": f"{hh:02d}:{mm:02d}",
        "room": "",
    }


def test_admin_add_books_through_the_service(client, manager, working_therapist, client_person, option_60):
    client.force_login(manager)
    response = client.post(
        "/admin/bookings/appointment/add/", add_data(client_person, option_60, working_therapist, 9)
    )
    assert response.status_code == 302, response.content[:2000]
    appointment = Appointment.objects.get()
    assert appointment.source == "staff"
    assert appointment.starts_at == local(MONDAY, 9)
    assert appointment.buffer_ends_at == local(MONDAY, 10, 10)


def test_admin_add_of_an_overlapping_appointment_is_refused_with_a_message(
    client, manager, working_therapist, client_person, other_client, option_60
):
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    client.force_login(manager)
    response = client.post(
        "/admin/bookings/appointment/add/", add_data(other_client, option_60, working_therapist, 9, 30)
    )
    assert response.status_code == 200
    assert errors.SLOT_TAKEN in response.content.decode()
    assert Appointment.objects.count() == 1


def test_schedule_appointment_admin_forms_call_the_services(
    manager, working_therapist, client_person, other_client, option_60
):
    """The base admin (which the workspace extends) refuses an overlap and moves through
    the reschedule service."""
    first = book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    model_admin = AppointmentAdmin(Appointment, AdminSite())
    request = RequestFactory().get("/")
    request.user = manager

    AddForm = model_admin.get_form(request)
    form = AddForm(data=add_data(other_client, option_60, working_therapist, 9, 45))
    assert not form.is_valid()
    assert errors.SLOT_TAKEN in form.non_field_errors()

    ChangeForm = model_admin.get_form(request, first, change=True)
    data = {
        "therapist": working_therapist.pk,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": "11:00",
        "status": "confirmed",
        "cancellation_reason": "",
    }
    form = ChangeForm(data=data, instance=first)
    assert form.is_valid(), form.errors
    first.refresh_from_db()
    assert first.starts_at == local(MONDAY, 11)
    assert first.status == "confirmed"


def test_booking_policy_list_opens_the_single_row(client, manager):
    client.force_login(manager)
    response = client.get("/admin/bookings/bookingpolicy/")
    assert response.status_code == 302
    assert response.url.endswith(f"/admin/bookings/bookingpolicy/{BookingPolicy.current().pk}/change/")


@pytest.mark.parametrize("model", ["workinghours", "timeoff", "closure", "appointment"])
def test_diary_admin_pages_open_for_the_manager(client, manager, working_therapist, client_person, option_60, model):
    book(client_person, option_60, local(MONDAY, 9), therapist=working_therapist)
    client.force_login(manager)
    assert client.get(f"/admin/bookings/{model}/").status_code == 200
    assert client.get(f"/admin/bookings/{model}/add/").status_code == 200


def test_front_desk_may_book_but_not_edit_the_policy(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/admin/bookings/appointment/add/").status_code == 200
    assert client.get("/admin/bookings/workinghours/add/").status_code == 403
    policy = BookingPolicy.current()
    response = client.post(f"/admin/bookings/bookingpolicy/{policy.pk}/change/", {"slot_step_minutes": 5})
    assert response.status_code == 403
