"""Admin writes to the diary go through services, and a change that strands booked
appointments asks what to do with each (keep, move, cancel), never silently."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment, BookingPolicy, Closure, TimeOff, WorkingHours
from bookings.services.schedule import (
    DECISION_NEEDED,
    Choice,
    Decision,
    booking_policy_save,
    closure_save,
    room_save,
    time_off_save,
    working_hours_save,
)
from bookings.services.therapists import therapist_save
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def colleague(other_therapist):
    add_hours(other_therapist)
    return other_therapist


@pytest.fixture
def booked(working_therapist, client_person, option_60):
    return book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)


def monday_off(therapist) -> TimeOff:
    return TimeOff(therapist=therapist, starts_at=local(MONDAY, 9), ends_at=local(MONDAY, 13), reason="ill")


# --- services -------------------------------------------------------------------------------


def test_time_off_over_a_booking_without_a_decision_is_refused_and_saves_nothing(working_therapist, booked):
    with pytest.raises(ValidationError) as caught:
        time_off_save(time_off=monday_off(working_therapist))
    assert caught.value.code == "decision_needed"
    assert caught.value.messages == [DECISION_NEEDED]
    assert not TimeOff.objects.exists()
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_time_off_keep_leaves_the_appointment_as_booked(working_therapist, booked):
    time_off_save(time_off=monday_off(working_therapist), decisions={booked.pk: Decision(Choice.KEEP)})
    assert TimeOff.objects.count() == 1
    booked.refresh_from_db()
    assert (booked.status, booked.therapist_id, booked.starts_at) == ("booked", working_therapist.pk, local(MONDAY, 10))


def test_time_off_move_hands_the_appointment_to_a_colleague(working_therapist, colleague, booked):
    time_off_save(
        time_off=monday_off(working_therapist),
        decisions={booked.pk: Decision(Choice.MOVE, therapist=colleague)},
    )
    booked.refresh_from_db()
    assert booked.therapist_id == colleague.pk and booked.starts_at == local(MONDAY, 10)
    assert TimeOff.objects.count() == 1


def test_time_off_move_to_a_later_time_the_same_day(working_therapist, booked):
    time_off_save(
        time_off=monday_off(working_therapist),
        decisions={booked.pk: Decision(Choice.MOVE, starts_at=local(MONDAY, 14))},
    )
    booked.refresh_from_db()
    assert booked.starts_at == local(MONDAY, 14) and booked.therapist_id == working_therapist.pk


def test_time_off_cancel_cancels_through_the_booking_service(working_therapist, booked):
    time_off_save(time_off=monday_off(working_therapist), decisions={booked.pk: Decision(Choice.CANCEL)})
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert booked.cancellation_reason
    assert not booked.late_cancellation  # the clinic cancelled, not the client


def test_a_refused_move_names_the_appointment_and_saves_nothing(
    working_therapist, colleague, booked, client_person, other_client, option_60
):
    second = book(other_client, option_60, local(MONDAY, 11, 30), therapist=working_therapist)
    book(client_person, option_60, local(MONDAY, 11, 30), therapist=colleague, source="staff")
    with pytest.raises(ValidationError) as caught:
        time_off_save(
            time_off=monday_off(working_therapist),
            decisions={
                booked.pk: Decision(Choice.CANCEL),
                second.pk: Decision(Choice.MOVE, therapist=colleague),  # colleague is busy then
            },
        )
    assert "11:30" in caught.value.messages[0] and other_client.full_name in caught.value.messages[0]
    assert not TimeOff.objects.exists()
    booked.refresh_from_db()
    assert booked.status == "booked"  # the cancellation rolled back with the rest


def test_time_off_that_touches_no_booking_needs_no_decision(working_therapist, booked):
    off = TimeOff(therapist=working_therapist, starts_at=local(MONDAY, 13), ends_at=local(MONDAY, 17))
    time_off_save(time_off=off)
    assert TimeOff.objects.count() == 1


def test_a_closure_asks_about_every_booking_that_day(working_therapist, colleague, booked, other_client, option_60):
    other = book(other_client, option_60, local(MONDAY, 15), therapist=colleague)
    with pytest.raises(ValidationError) as caught:
        closure_save(closure=Closure(date=MONDAY, reason="Flood"))
    assert sorted(caught.value.params["appointments"]) == sorted([booked.pk, other.pk])
    closure_save(
        closure=Closure(date=MONDAY, reason="Flood"),
        decisions={booked.pk: Decision(Choice.CANCEL), other.pk: Decision(Choice.KEEP)},
    )
    assert Closure.objects.filter(date=MONDAY).exists()
    assert Appointment.objects.get(pk=booked.pk).status == "cancelled"
    assert Appointment.objects.get(pk=other.pk).status == "booked"


def test_shorter_working_hours_ask_about_bookings_left_outside(working_therapist, booked, other_client, option_60):
    afternoon = book(other_client, option_60, local(MONDAY, 15), therapist=working_therapist)
    hours = WorkingHours.objects.get(therapist=working_therapist, weekday=MONDAY.isoweekday())
    hours.end_time = time(13, 0)
    with pytest.raises(ValidationError) as caught:
        working_hours_save(hours=hours)
    assert caught.value.params["appointments"] == [afternoon.pk]  # 10:00 still fits
    hours.refresh_from_db()
    assert hours.end_time == time(17, 0)
    hours.end_time = time(13, 0)
    working_hours_save(hours=hours, decisions={afternoon.pk: Decision(Choice.MOVE, starts_at=local(MONDAY, 12))})
    afternoon.refresh_from_db()
    assert afternoon.starts_at == local(MONDAY, 12)


def test_deactivating_a_therapist_with_future_bookings_asks_and_cancels(working_therapist, booked):
    working_therapist.active = False
    with pytest.raises(ValidationError) as caught:
        therapist_save(therapist=working_therapist)
    assert caught.value.code == "decision_needed"
    working_therapist.refresh_from_db()
    assert working_therapist.active
    working_therapist.active = False
    therapist_save(therapist=working_therapist, decisions={booked.pk: Decision(Choice.CANCEL)})
    working_therapist.refresh_from_db()
    assert not working_therapist.active
    assert Appointment.objects.get(pk=booked.pk).status == "cancelled"


def test_deactivating_a_therapist_can_hand_bookings_to_a_colleague(working_therapist, colleague, booked):
    working_therapist.active = False
    therapist_save(therapist=working_therapist, decisions={booked.pk: Decision(Choice.MOVE, therapist=colleague)})
    assert Appointment.objects.get(pk=booked.pk).therapist_id == colleague.pk


def test_closing_a_room_moves_its_bookings_to_another_room(working_therapist, client_person, option_60, room):
    from clinic.models import Room

    spare = Room.objects.create(name="Room 2")
    appointment = book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist, room=room)
    room.active = False
    room_save(room=room, decisions={appointment.pk: Decision(Choice.MOVE)})
    appointment.refresh_from_db()
    assert appointment.room_id == spare.pk and appointment.starts_at == local(MONDAY, 10)


# --- the booking policy ---------------------------------------------------------------------


def test_reading_the_policy_is_one_select(django_assert_num_queries):
    with django_assert_num_queries(1):
        BookingPolicy.current()


def test_reading_a_missing_policy_writes_nothing_and_gives_the_defaults():
    BookingPolicy.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        policy = BookingPolicy.current()
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE")) for q in queries)
    assert not BookingPolicy.objects.exists()
    assert policy.slot_step_minutes == 15 and policy.pk == BookingPolicy.SINGLETON_ID


def test_saving_the_policy_creates_a_missing_row():
    BookingPolicy.objects.all().delete()
    policy = BookingPolicy.current()
    policy.slot_step_minutes = 30
    booking_policy_save(policy=policy)
    assert BookingPolicy.objects.get().slot_step_minutes == 30


def test_the_policy_page_opens_and_saves_when_the_row_is_missing(client, manager):
    BookingPolicy.objects.all().delete()
    client.force_login(manager)
    url = f"/admin/bookings/bookingpolicy/{BookingPolicy.SINGLETON_ID}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "min_notice": "12:00:00",
            "max_advance": "90 00:00:00",
            "slot_step_minutes": 30,
            "cancellation_window": "24:00:00",
            "check_in_opens": "01:00:00",
            "cancellation_policy_text": "Tell us a day ahead.",
        },
    )
    assert response.status_code == 302, response.content[:1500]
    assert BookingPolicy.objects.get().slot_step_minutes == 30


# --- the admin asks -------------------------------------------------------------------------


def time_off_post(therapist) -> dict:
    return {
        "therapist": therapist.pk,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": "09:00",
        "ends_at_0": MONDAY.isoformat(),
        "ends_at_1": "13:00",
        "reason": "ill",
        "_save": "Save",
    }


def test_admin_time_off_over_a_booking_shows_the_decision_page_and_saves_nothing(
    client, manager, working_therapist, booked
):
    client.force_login(manager)
    response = client.post("/admin/bookings/timeoff/add/", time_off_post(working_therapist))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Booked appointments affected" in html and booked.client.full_name in html
    assert 'name="ends_at_1" value="13:00"' in html  # the form travels along
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize("choice", ["keep", "move", "cancel"])
def test_admin_time_off_saves_with_the_decision_taken(client, manager, working_therapist, colleague, booked, choice):
    client.force_login(manager)
    prefix = f"appointment-{booked.pk}"
    data = {**time_off_post(working_therapist), "_decided": "1", f"{prefix}-choice": choice}
    if choice == "move":
        data[f"{prefix}-therapist"] = colleague.pk
    response = client.post("/admin/bookings/timeoff/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert TimeOff.objects.count() == 1
    booked.refresh_from_db()
    expected = {"keep": ("booked", working_therapist.pk), "move": ("booked", colleague.pk),
                "cancel": ("cancelled", working_therapist.pk)}[choice]
    assert (booked.status, booked.therapist_id) == expected


def test_admin_refused_move_shows_the_reason_and_saves_nothing(client, manager, working_therapist, booked):
    client.force_login(manager)
    prefix = f"appointment-{booked.pk}"
    data = {
        **time_off_post(working_therapist), "_decided": "1", f"{prefix}-choice": "move",
        f"{prefix}-starts_at_0": MONDAY.isoformat(), f"{prefix}-starts_at_1": "11:00",  # inside the time off
    }
    response = client.post("/admin/bookings/timeoff/add/", data)
    assert response.status_code == 200
    assert "away" in response.content.decode()
    assert not TimeOff.objects.exists()
    assert Appointment.objects.get(pk=booked.pk).starts_at == local(MONDAY, 10)


def test_admin_deactivating_a_therapist_asks_then_hands_over(client, manager, working_therapist, colleague, booked):
    client.force_login(manager)
    url = f"/admin/clinic/therapist/{working_therapist.pk}/change/"
    page = client.get(url)
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        "user": working_therapist.user_id,
        "display_name": working_therapist.display_name,
        "bio": "",
        "registration_number": "",
        "calendar_colour": working_therapist.calendar_colour,
        # "active" left out: unticked
        **{f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()},
        "_save": "Save",
    }
    for i, form in enumerate(formset.forms):
        data[f"{formset.prefix}-{i}-id"] = form.instance.pk
        data[f"{formset.prefix}-{i}-therapist"] = working_therapist.pk
        data[f"{formset.prefix}-{i}-treatmenttype"] = form.instance.treatmenttype_id
    response = client.post(url, data)
    assert response.status_code == 200 and "Booked appointments affected" in response.content.decode()
    working_therapist.refresh_from_db()
    assert working_therapist.active
    prefix = f"appointment-{booked.pk}"
    data.update({"_decided": "1", f"{prefix}-choice": "move", f"{prefix}-therapist": colleague.pk})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    working_therapist.refresh_from_db()
    assert not working_therapist.active
    assert Appointment.objects.get(pk=booked.pk).therapist_id == colleague.pk


def test_admin_deleting_working_hours_under_a_booking_asks_first(client, manager, working_therapist, booked):
    client.force_login(manager)
    hours = WorkingHours.objects.get(therapist=working_therapist, weekday=MONDAY.isoweekday())
    url = f"/admin/bookings/workinghours/{hours.pk}/delete/"
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200 and "Booked appointments affected" in response.content.decode()
    assert WorkingHours.objects.filter(pk=hours.pk).exists()
    response = client.post(url, {"post": "yes", "_decided": "1", f"appointment-{booked.pk}-choice": "cancel"})
    assert response.status_code == 302
    assert not WorkingHours.objects.filter(pk=hours.pk).exists()
    assert Appointment.objects.get(pk=booked.pk).status == "cancelled"


def test_saving_an_already_inactive_therapist_does_not_ask_again(working_therapist, booked):
    working_therapist.active = False
    therapist_save(therapist=working_therapist, decisions={booked.pk: Decision(Choice.KEEP)})
    working_therapist.bio = "On leave until spring."
    therapist_save(therapist=working_therapist)  # the kept appointment was decided on
    working_therapist.refresh_from_db()
    assert working_therapist.bio and not working_therapist.active
    assert Appointment.objects.get(pk=booked.pk).status == "booked"
