"""The staff calendar's endpoints: roles, constant queries, bad input, and every write
through the booking service."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bookings.models import Appointment, AppointmentSource, AppointmentStatus, Closure, TimeOff
from bookings.selectors.calendar import floating, staff_starts
from bookings.selectors.screening import NOT_TODAY, TODAY_UNANSWERED
from bookings.services.appointments import appointment_book
from clinic.models import Client
from tests.bookings.conftest import MONDAY, NOW, add_hours, local
from tests.conftest import make_client, make_staff, make_therapist
from tests.factories import screened, today_no

pytestmark = pytest.mark.django_db

API = "/api/staff/"


def _as(user) -> HttpClient:
    http = HttpClient(enforce_csrf_checks=False)
    http.force_login(user)
    return http


def _post(http: HttpClient, path: str, body: dict):
    return http.post(API + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def diary(clock, working_therapist, other_therapist, client_person, option_60):
    add_hours(other_therapist)
    first = appointment_book(
        client=client_person,
        option=option_60,
        starts_at=local(MONDAY, 10),
        source=AppointmentSource.STAFF,
        therapist=working_therapist,
        now=NOW,
    )
    return first


def _calendar(http, day=MONDAY, view="therapists"):
    return http.get(API + "calendar", {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat(), "view": view})


# -- roles ---------------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(diary):
    http = HttpClient()
    assert _calendar(http).status_code == 401
    assert http.get(API + "clients", {"q": "ada"}).status_code == 401
    assert _post(http, f"appointments/{diary.pk}/status", {"to_status": "confirmed"}).status_code == 401


def test_portal_client_without_staff_role_is_refused(diary, client_person):
    from django.contrib.auth.models import User

    user = User.objects.create_user("ada-portal", password="x")
    client_person.user = user
    client_person.save()
    http = _as(user)
    assert _calendar(http).status_code == 403
    assert _post(http, f"appointments/{diary.pk}/status", {"to_status": "confirmed"}).status_code == 403


@pytest.mark.parametrize("persona", ["front_desk", "manager", "therapist"])
def test_staff_roles_read_the_calendar(persona, diary, request):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    response = _calendar(_as(user))
    assert response.status_code == 200
    events = [e for e in response.json()["events"] if e.get("display") != "background"]
    assert [e["extendedProps"]["client"] for e in events] == ["Ada Lovelace"]


def test_front_desk_sees_no_clinical_links(diary, front_desk, manager):
    desk = [e for e in _calendar(_as(front_desk)).json()["events"] if e["id"] == str(diary.pk)][0]
    assert desk["extendedProps"]["noteUrl"] == ""
    boss = [e for e in _calendar(_as(manager)).json()["events"] if e["id"] == str(diary.pk)][0]
    assert boss["extendedProps"]["noteUrl"].endswith(f"?appointment={diary.pk}")


def test_a_role_without_change_permission_cannot_move(diary, other_therapist):
    viewer = make_staff(None, username="viewer")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    http = _as(viewer)
    assert _calendar(http).status_code == 200
    response = _post(http, f"appointments/{diary.pk}/move", {"start": "2026-11-23T14:00"})
    assert response.status_code == 403
    assert response.json()["detail"]


# -- what the calendar shows ------------------------------------------------------------------


def test_event_carries_flags_phone_and_floating_times(diary, front_desk):
    events = _calendar(_as(front_desk)).json()["events"]
    event = next(e for e in events if e["id"] == str(diary.pk))
    assert event["start"] == "2026-11-23T10:00"
    assert event["end"] == "2026-11-23T11:00"
    assert event["resourceIds"] == [f"t{diary.therapist_id}"]
    assert event["extendedProps"]["phone"] == "+1 416 555 0100"
    # A client never screened: the schedule asks for a screening review before the day.
    assert event["extendedProps"]["flags"] == ["first visit", "needs screening review"]
    assert event["editable"] is True


def test_working_hours_time_off_and_closures_are_shaded(diary, front_desk, working_therapist):
    TimeOff.objects.create(therapist=working_therapist, starts_at=local(MONDAY, 14), ends_at=local(MONDAY, 15))
    Closure.objects.create(date=MONDAY + timedelta(days=1), reason="Holiday")
    response = _as(front_desk).get(
        API + "calendar", {"start": MONDAY.isoformat(), "end": (MONDAY + timedelta(days=2)).isoformat()}
    )
    events = response.json()["events"]
    away = [e for e in events if "cal-away" in e.get("classNames", [])]
    assert [(e["start"], e["end"]) for e in away] == [("2026-11-23T14:00", "2026-11-23T15:00")]
    closed = [e for e in events if "cal-closed" in e.get("classNames", [])]
    assert closed and closed[0]["start"].startswith("2026-11-24")
    shade = [
        (e["start"], e["end"])
        for e in events
        if "cal-not-working" in e.get("classNames", []) and e["resourceIds"] == [f"t{working_therapist.pk}"]
        and e["start"].startswith("2026-11-23")
    ]
    assert shade == [("2026-11-23T07:00", "2026-11-23T09:00"), ("2026-11-23T17:00", "2026-11-23T21:00")]


def test_cancelled_blocks_are_marked_inactive_and_not_draggable(diary, front_desk):
    from bookings.services.appointments import appointment_cancel

    appointment_cancel(appointment=diary, reason="Client asked", now=NOW)
    event = next(e for e in _calendar(_as(front_desk)).json()["events"] if e["id"] == str(diary.pk))
    assert "cal-inactive" in event["classNames"]
    assert event["editable"] is False


def test_room_view_puts_appointments_in_their_room(clock, working_therapist, client_person, option_60, room, front_desk):
    booked = appointment_book(
        client=client_person, option=option_60, starts_at=local(MONDAY, 10),
        source=AppointmentSource.STAFF, therapist=working_therapist, now=NOW,
    )
    data = _calendar(_as(front_desk), view="rooms").json()
    assert [r["id"] for r in data["resources"]] == [f"r{room.pk}", "room-none"]
    event = next(e for e in data["events"] if e["id"] == str(booked.pk))
    assert event["resourceIds"] == [f"r{room.pk}"]


def test_calendar_queries_do_not_grow_with_appointments_or_therapists(diary, front_desk, option_60):
    http = _as(front_desk)
    http.get(API + "calendar", {"start": "2026-11-23", "end": "2026-11-24"})  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert http.get(API + "calendar", {"start": "2026-11-23", "end": "2026-11-30"}).status_code == 200
        last[:] = ctx.captured_queries
        return len(ctx.captured_queries)

    last: list = []
    small = count()
    for i in range(6):
        t = make_therapist(f"Extra {i}")
        add_hours(t)
        for hour in (9, 11, 13, 15):
            appointment_book(
                client=make_client(), option=option_60, starts_at=local(MONDAY + timedelta(days=i), hour),
                source=AppointmentSource.STAFF, therapist=t, now=NOW,
            )
    assert count() == small
    assert small <= 12, "\n".join(q["sql"][:120] for q in last)


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-11-23", "end": "2026-11-23"},
        {"start": "2026-11-23", "end": "2027-03-01"},
        {"start": "9999-12-31", "end": "2026-11-24"},
        {"start": "not-a-date", "end": "2026-11-24"},
        {"start": "2026-11-23", "end": "2026-11-24", "view": "everything"},
        {"start": "2026-11-23\x00", "end": "2026-11-24"},
        {"end": "2026-11-24"},
    ],
)
def test_bad_calendar_parameters_answer_400_with_a_message(params, front_desk):
    response = _as(front_desk).get(API + "calendar", params)
    assert response.status_code == 400
    body = response.json()
    assert body.get("detail") or body.get("errors")


@pytest.mark.parametrize(
    "body",
    [
        {"option": 1, "start": "tomorrow at two"},
        {"option": 1, "start": "2026-11-23T14:00\x00"},
        {"option": 999999, "start": "2026-11-23T14:00", "client": 1},
        {"option": 1, "start": "2026-11-23T14:00"},
        {"option": 1, "start": "2026-11-23T14:00", "client": 2**40},
        {"option": -1, "start": "2026-11-23T14:00", "client": 1},
    ],
)
def test_bad_booking_bodies_answer_400(body, clock, front_desk, client_person, option_60):
    body = {**body}
    if body.get("option") == 1:
        body["option"] = option_60.pk
    if body.get("client") == 1:
        body["client"] = client_person.pk
    response = _post(_as(front_desk), "appointments", body)
    assert response.status_code == 400, response.content
    assert Appointment.objects.count() == 0


# -- writes go through the booking service -----------------------------------------------------


def test_front_desk_books_an_existing_client(clock, working_therapist, client_person, option_60, front_desk):
    response = _post(
        _as(front_desk),
        "appointments",
        {"client": client_person.pk, "option": option_60.pk, "therapist": working_therapist.pk, "start": "2026-11-23T14:00"},
    )
    assert response.status_code == 201, response.content
    booked = Appointment.objects.get()
    assert booked.source == AppointmentSource.STAFF
    assert floating(booked.starts_at) == "2026-11-23T14:00"
    assert response.json()["start"] == "2026-11-23T14:00"


def test_front_desk_books_a_new_client_in_one_go(clock, working_therapist, option_60, front_desk):
    response = _post(
        _as(front_desk),
        "appointments",
        {
            "new_client": {"first_name": "Nia", "last_name": "Phone", "phone": "+1 416 555 0199"},
            "option": option_60.pk,
            "start": "2026-11-23T14:00",
        },
    )
    assert response.status_code == 201, response.content
    assert Client.objects.get().full_name == "Nia Phone"


def test_a_refused_booking_saves_no_new_client(diary, front_desk, working_therapist, option_60):
    response = _post(
        _as(front_desk),
        "appointments",
        {
            "new_client": {"first_name": "Nia", "last_name": "Phone"},
            "option": option_60.pk,
            "therapist": working_therapist.pk,
            "start": "2026-11-23T10:00",
        },
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "That time has just been taken."
    assert not Client.objects.filter(first_name="Nia").exists()


def test_drag_to_another_therapists_free_time_moves(diary, front_desk, other_therapist):
    response = _post(
        _as(front_desk), f"appointments/{diary.pk}/move", {"start": "2026-11-23T13:00", "therapist": other_therapist.pk}
    )
    assert response.status_code == 200, response.content
    diary.refresh_from_db()
    assert (diary.therapist_id, floating(diary.starts_at)) == (other_therapist.pk, "2026-11-23T13:00")


def test_drag_onto_a_taken_time_is_refused_and_nothing_moves(diary, front_desk, other_therapist, other_client, option_60):
    taken = appointment_book(
        client=other_client, option=option_60, starts_at=local(MONDAY, 13),
        source=AppointmentSource.STAFF, therapist=other_therapist, now=NOW,
    )
    response = _post(
        _as(front_desk), f"appointments/{diary.pk}/move", {"start": "2026-11-23T13:00", "therapist": other_therapist.pk}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "That time has just been taken."
    diary.refresh_from_db()
    assert floating(diary.starts_at) == "2026-11-23T10:00"
    assert taken.pk != diary.pk


def test_status_and_cancel_through_the_service(diary, front_desk):
    http = _as(front_desk)
    response = _post(http, f"appointments/{diary.pk}/status", {"to_status": "completed"})
    assert response.status_code == 409  # booked cannot jump to completed
    assert "cannot go from Booked to Completed" in response.json()["detail"]
    response = _post(http, f"appointments/{diary.pk}/status", {"to_status": "confirmed"})
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    response = _post(http, f"appointments/{diary.pk}/cancel", {"reason": "Client phoned", "by_client": True})
    assert response.status_code == 200
    diary.refresh_from_db()
    assert diary.status == AppointmentStatus.CANCELLED
    assert _post(http, "appointments/2147483000/cancel", {"reason": "x"}).status_code == 404


def test_unknown_status_is_400(diary, front_desk):
    response = _post(_as(front_desk), f"appointments/{diary.pk}/status", {"to_status": "cancelled"})
    assert response.status_code == 400


# -- offered starts always book ------------------------------------------------------------------


def test_starts_endpoint_offers_what_diary_allows(diary, front_desk, option_60, working_therapist):
    response = _as(front_desk).get(
        API + "starts", {"option": option_60.pk, "date": "2026-11-23", "therapist": working_therapist.pk}
    )
    starts = [s["start"][11:] for s in response.json()["starts"]]
    assert "10:00" not in starts and "09:00" not in starts  # 09:00 would run into the 10:00 booking
    assert "11:30" in starts
    moving = _as(front_desk).get(
        API + "starts",
        {"option": option_60.pk, "date": "2026-11-23", "therapist": working_therapist.pk, "appointment": diary.pk},
    )
    assert "10:00" in [s["start"][11:] for s in moving.json()["starts"]]


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    busy=st.lists(st.integers(min_value=0, max_value=15), max_size=5, unique=True),
    pick=st.integers(min_value=0, max_value=200),
)
def test_every_offered_start_books(busy, pick, clock, working_therapist, option_60, front_desk):
    """For a random diary, whatever start the calendar offers books through the service."""
    Appointment.objects.all().delete()
    Client.objects.all().delete()
    for slot in busy:
        try:
            appointment_book(
                client=make_client(), option=option_60, starts_at=local(MONDAY, 9) + timedelta(minutes=30 * slot),
                source=AppointmentSource.STAFF, therapist=working_therapist, now=NOW,
            )
        except ValidationError:  # an overlapping random booking is simply not made
            continue
    offered = staff_starts(option=option_60, day=MONDAY, therapist_id=working_therapist.pk, now=NOW)
    if not offered:
        return
    chosen = offered[pick % len(offered)]
    booked = appointment_book(
        client=make_client(), option=option_60, starts_at=chosen.start,
        source=AppointmentSource.STAFF, therapist=working_therapist, now=NOW,
    )
    assert booked.starts_at == chosen.start


def test_check_in_needs_todays_answers_and_a_no_to_each(working_therapist, client_person, option_60, front_desk):
    screened(client_person)
    with time_machine.travel(NOW, tick=False):
        visit = appointment_book(
            client=client_person, option=option_60, starts_at=local(MONDAY, 10),
            source=AppointmentSource.STAFF, therapist=working_therapist, now=NOW,
        )
    http = _as(front_desk)
    path = f"appointments/{visit.pk}/status"
    with time_machine.travel(local(MONDAY, 9, 55), tick=False):
        response = _post(http, path, {"to_status": "checked_in"})
        assert response.status_code == 409
        assert response.json()["detail"] == TODAY_UNANSWERED
        response = _post(http, path, {"to_status": "checked_in", "today": {"ci-fever": "yes"}})
        assert response.status_code == 409 and response.json()["detail"].startswith(NOT_TODAY)
        response = _post(http, path, {"to_status": "checked_in", "today": {"ci-fever": "maybe"}})
        assert response.status_code == 400
        response = _post(http, path, {"to_status": "checked_in", "today": today_no(visit)})
        assert response.status_code == 200 and response.json()["status"] == "checked_in"
