"""The scheduling rules of `bookings.rules`, through every path that uses them: late
cancellation judged the same way everywhere, the clock rules of status changes, and the
one error table."""

from __future__ import annotations

import ast
import pathlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings import errors, rules
from bookings.models import Appointment, AppointmentSource, AppointmentStatus, BookingPolicy
from bookings.services.appointments import (
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from bookings.services.online import client_cancel, client_move
from tests.bookings.conftest import MONDAY, NOW, book, book_online, local
from tests.factories import screened, today_no

pytestmark = pytest.mark.django_db
Status = AppointmentStatus
TUESDAY = MONDAY + timedelta(days=1)


def code_of(excinfo) -> str | None:
    return errors.first_code(excinfo.value)


# -- late cancellation ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["desk", "manage link"])
def test_desk_and_manage_link_judge_late_cancellation_alike_after_the_policy_changes(
    working_therapist, option_60, path
):
    booking = book_online(option_60, local(MONDAY, 10))  # accepted a 24-hour window
    BookingPolicy.objects.filter(pk=1).update(cancellation_window=timedelta(hours=2))
    five_hours_before = local(MONDAY, 5)
    if path == "desk":
        appointment_cancel(
            appointment=booking.appointment, reason="Client phoned", by_client=True,
            now=five_hours_before,
        )
    else:
        client_cancel(appointment=booking.appointment, now=five_hours_before)
    assert Appointment.objects.get(pk=booking.appointment_id).late_cancellation is True


def test_a_staff_booking_keeps_the_window_in_force_when_it_was_made(
    working_therapist, client_person, option_60
):
    appointment = book(client_person, option_60, local(MONDAY, 10), source=AppointmentSource.STAFF)
    assert appointment.cancellation_window == timedelta(hours=24)
    BookingPolicy.objects.filter(pk=1).update(cancellation_window=timedelta(hours=48))
    cancelled = appointment_cancel(
        appointment=appointment, reason="Client phoned", by_client=True, now=local(MONDAY, 10) - timedelta(hours=30)
    )
    assert cancelled.late_cancellation is False


def test_the_recorded_window_is_rounded_up_to_whole_hours_like_the_one_shown(
    working_therapist, option_60
):
    BookingPolicy.objects.filter(pk=1).update(cancellation_window=timedelta(minutes=90))
    booking = book_online(option_60, local(MONDAY, 10))
    assert booking.appointment.cancellation_window == timedelta(hours=2)
    assert booking.cancellation_window_hours == 2


def test_moving_inside_the_window_then_cancelling_is_late(working_therapist, option_60):
    booking = book_online(option_60, local(MONDAY, 10), therapist=working_therapist)
    # Sunday 14:00, 20 hours before: the client moves it to Tuesday, then cancels on Monday
    # morning, more than 24 hours before Tuesday's time.
    client_move(appointment=booking.appointment, starts_at=local(TUESDAY, 10), now=local(MONDAY, 10) - timedelta(hours=20))
    booking.refresh_from_db()
    assert booking.appointment.changed_late is True
    client_cancel(appointment=booking.appointment, now=local(MONDAY, 8))
    assert Appointment.objects.get(pk=booking.appointment_id).late_cancellation is True


def test_moving_with_notice_then_cancelling_with_notice_is_not_late(working_therapist, option_60):
    booking = book_online(option_60, local(MONDAY, 10), therapist=working_therapist)
    client_move(appointment=booking.appointment, starts_at=local(TUESDAY, 10), now=NOW)
    booking.refresh_from_db()
    assert booking.appointment.changed_late is False
    client_cancel(appointment=booking.appointment, now=local(MONDAY, 8))
    assert Appointment.objects.get(pk=booking.appointment_id).late_cancellation is False


def test_a_clinic_move_inside_the_window_does_not_count_against_the_client(
    working_therapist, client_person, option_60
):
    appointment = book(client_person, option_60, local(MONDAY, 10))
    moved = appointment_reschedule(
        appointment=appointment, starts_at=local(TUESDAY, 10), by_staff=True, now=local(MONDAY, 7)
    )
    assert moved.changed_late is False


# -- the clock ----------------------------------------------------------------------------------


def test_check_in_opens_the_configured_time_before_the_start_on_the_day(
    working_therapist, client_person, option_60, time_machine
):
    BookingPolicy.objects.filter(pk=1).update(check_in_opens=timedelta(minutes=30))
    screened(client_person)
    appointment = book(client_person, option_60, local(MONDAY, 10))
    time_machine.move_to(local(MONDAY, 9, 29))
    with pytest.raises(ValidationError, match="Check-in opens 09:30") as refused:
        appointment_set_status(appointment=appointment, from_status=Status.BOOKED, to_status=Status.CHECKED_IN)
    assert code_of(refused) == "check_in_not_yet"
    time_machine.move_to(local(MONDAY, 9, 30))
    checked_in = appointment_set_status(
        appointment=appointment, from_status=Status.BOOKED, to_status=Status.CHECKED_IN,
        today_answers=today_no(appointment),
    )
    assert checked_in.status == Status.CHECKED_IN


def test_check_in_is_refused_on_another_day(working_therapist, client_person, option_60, time_machine):
    appointment = book(client_person, option_60, local(MONDAY, 10))
    time_machine.move_to(local(MONDAY, 10) - timedelta(hours=13))  # Sunday 21:00
    with pytest.raises(ValidationError) as refused:
        appointment_set_status(appointment=appointment, from_status=Status.BOOKED, to_status=Status.CHECKED_IN)
    assert code_of(refused) == "check_in_other_day"
    assert Appointment.objects.get(pk=appointment.pk).status == Status.BOOKED


@pytest.mark.parametrize("to_status", [Status.NO_SHOW, Status.COMPLETED])
def test_no_show_and_completed_only_after_the_start(
    working_therapist, client_person, option_60, time_machine, to_status
):
    screened(client_person)
    appointment = book(client_person, option_60, local(MONDAY, 10))
    from_status = Status.BOOKED
    if to_status == Status.COMPLETED:
        time_machine.move_to(local(MONDAY, 9, 45))
        appointment_set_status(
            appointment=appointment, from_status=Status.BOOKED, to_status=Status.CHECKED_IN,
            today_answers=today_no(appointment),
        )
        from_status = Status.CHECKED_IN
    time_machine.move_to(local(MONDAY, 9, 59))
    with pytest.raises(ValidationError, match="has not started yet") as refused:
        appointment_set_status(appointment=appointment, from_status=from_status, to_status=to_status)
    assert code_of(refused) == "not_started_yet"
    time_machine.move_to(local(MONDAY, 10))
    assert appointment_set_status(
        appointment=appointment, from_status=from_status, to_status=to_status
    ).status == to_status


def test_the_admin_action_shows_why_a_no_show_is_refused(
    client, front_desk, working_therapist, client_person, option_60, time_machine
):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    appointment = book(client_person, option_60, local(MONDAY, 10))
    time_machine.move_to(local(MONDAY, 10) - timedelta(hours=13))
    client.force_login(front_desk)
    response = client.post(
        reverse("admin:bookings_appointment_changelist"),
        {"action": "mark_no_show", "_selected_action": [appointment.pk]},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("has not started yet" in t for t in texts), texts
    assert Appointment.objects.get(pk=appointment.pk).status == Status.BOOKED


# -- one error table ------------------------------------------------------------------------------


def _raised_codes() -> set[str]:
    """Every literal code passed as `code=` or to `refused()` / returned by `Diary.refusal`
    in the bookings app."""
    return {code for _, code in _raised_codes_by_file()}


def _raised_codes_by_file() -> set[tuple[pathlib.Path, str]]:
    found: set[tuple[pathlib.Path, str]] = set()
    root = pathlib.Path(rules.__file__).parent
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and kw.value.value:
                        found.add((path.relative_to(root), kw.value.value))
                func = node.func
                name = getattr(func, "attr", getattr(func, "id", None))
                if name == "refused" and node.args and isinstance(node.args[0], ast.Constant):
                    found.add((path.relative_to(root), node.args[0].value))
            if (
                isinstance(node, ast.Return)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and path.name == "availability.py"
            ):
                found.add((path.relative_to(root), node.value.value))
    return found


def test_every_scheduling_error_code_has_a_route():
    scheduling = {
        code
        for code in _raised_codes()
        if code in errors.MESSAGES or code.startswith(("check_in", "not_started", "client_busy"))
    }
    missing = sorted(scheduling - set(errors.ROUTES))
    assert not missing, f"add these codes to bookings.errors.ROUTES: {missing}"


def test_every_code_a_service_selector_or_model_raises_has_a_route():
    layers = ("services", "selectors", "models")
    raised = {code for path, code in _raised_codes_by_file() if set(layers) & set(path.parts)}
    missing = sorted(raised - set(errors.ROUTES))
    assert not missing, f"add these codes to bookings.errors.ROUTES: {missing}"


def test_refusals_about_who_may_act_are_403_and_the_gates_409_on_the_status():
    for code in ("not_your_appointment", "not_staff", "not_yours", "not_author", "glass_not_allowed"):
        assert errors.http_status(ValidationError("x", code=code)) == 403, code
    for code in ("needs_clearance", "needs_consent", "red_flags_unanswered"):
        assert errors.route(code) == errors.Route(409, "status"), code


def test_every_message_constant_has_its_code():
    for code in errors.MESSAGES:
        assert code in errors.ROUTES
        assert errors.refused(code).code == code


def test_routing_ignores_the_wording():
    reworded = ValidationError("Sorry, someone was quicker.", code="slot_taken")
    assert errors.http_status(reworded) == 409
    assert errors.field_errors(reworded) == [("start", "Sorry, someone was quicker.")]
    nested = ValidationError({"client": [ValidationError("Any words", code="email_invalid")]})
    assert errors.field_errors(nested) == [("client.email", "Any words")]
    assert errors.form_errors(nested, {"email"}) == {None: ["Any words"]}
