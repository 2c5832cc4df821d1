"""Appointment admin actions go through the booking service; CSV export; My day; roles."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from bookings.models import AppointmentStatus
from bookings.selectors.availability import slots_available
from bookings.selectors.screening import NOT_TODAY, today_questions
from bookings.workspace_forms import TODAY_ANSWER_REQUIRED
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local
from tests.conftest import text_of
from tests.factories import screened, today_no
from treatments.models import ContraindicationItem, HealthIntake
from treatments.services import answer_record, intake_get_or_create

CHANGELIST = "admin:bookings_appointment_changelist"
SENTINEL = "SENTINEL-clinical-7c1e"


@pytest.fixture
def appointment(working_therapist, client_person, option_60):
    screened(client_person)  # the red-flag screen is on record: check-in may proceed
    return book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)


def run_action(client, action: str, *appointments, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in appointments], **extra}
    return client.post(reverse(CHANGELIST), data)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def check_in_page(client, appointment, answers=None):
    """Answer today's questions on the check-in page ('no' to each unless `answers`) and
    submit it."""
    answers = today_no(appointment) if answers is None else answers
    return client.post(
        reverse("admin:bookings_appointment_check_in", args=[appointment.pk]),
        {f"today_{code}": value for code, value in answers.items()},
    )


def test_confirm_action_confirms_through_the_service(client, front_desk, appointment):
    client.force_login(front_desk)
    response = run_action(client, "confirm", appointment)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert "Confirmed 1 appointment(s)." in texts(response)


def test_a_refused_action_shows_the_services_reason_not_a_500(client, front_desk, appointment):
    client.force_login(front_desk)
    response = run_action(client, "complete", appointment)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert any("cannot go from Booked to Completed" in t for t in texts(response))


def test_no_show_then_complete_is_refused(client, front_desk, appointment):
    client.force_login(front_desk)
    run_action(client, "mark_no_show", appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    response = run_action(client, "check_in", appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert any("cannot go from No-show" in t for t in texts(response))


def test_cancel_asks_for_a_reason_then_frees_the_slot(client, front_desk, appointment, option_60):
    client.force_login(front_desk)
    start = local(MONDAY, 10)

    def free():
        return any(
            s.start == start and s.therapist_id == appointment.therapist_id
            for s in slots_available(option_60, MONDAY, 1, now=NOW)
        )

    assert not free()
    page = run_action(client, "cancel_with_reason", appointment)
    assert page.status_code == 200 and b"Reason for cancelling" in page.content
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # nothing happens without a reason

    missing = run_action(client, "cancel_with_reason", appointment, apply="1", reason="")
    assert missing.status_code == 200 and b"This field is required" in missing.content

    done = run_action(client, "cancel_with_reason", appointment, apply="1", reason="Client phoned")
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancellation_reason == "Client phoned"
    assert free()


def test_cancelling_an_already_cancelled_appointment_is_refused_with_a_message(
    client, front_desk, appointment
):
    client.force_login(front_desk)
    run_action(client, "cancel_with_reason", appointment, apply="1", reason="first")
    response = run_action(client, "cancel_with_reason", appointment, apply="1", reason="again")
    assert any("Only booked or confirmed" in t for t in texts(response))
    appointment.refresh_from_db()
    assert appointment.cancellation_reason == "first"


def test_changelist_searches_by_client_email_and_phone(client, front_desk, appointment, other_client, option_60):
    other = book(other_client, option_60, local(MONDAY, 14), therapist=appointment.therapist)
    client.force_login(front_desk)
    by_phone = client.get(reverse(CHANGELIST), {"q": "555 0100"}).content.decode()
    by_email = client.get(reverse(CHANGELIST), {"q": "grace@example.com"}).content.decode()
    change = "admin:bookings_appointment_change"
    assert reverse(change, args=[appointment.pk]) in by_phone
    assert reverse(change, args=[other.pk]) not in by_phone
    assert reverse(change, args=[other.pk]) in by_email
    assert "Mon 2026-11-23 10:00" in by_phone  # local time column


def test_csv_export_follows_the_changelist_filters_in_local_time(
    client, front_desk, appointment, other_therapist, other_client, option_60
):
    add_hours(other_therapist)
    book(other_client, option_60, local(MONDAY, 15), therapist=other_therapist)
    client.force_login(front_desk)
    response = client.get(
        reverse("admin:bookings_appointment_export"), {"therapist__id__exact": appointment.therapist_id}
    )
    rows = list(csv.reader(io.StringIO(text_of(response))))
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 2
    assert rows[1][:6] == ["2026-11-23", "10:00", "11:00", "Ada Lovelace", "ada@example.com", "+1 416 555 0100"]


def test_csv_export_keeps_formula_like_names_as_text(client, front_desk, working_therapist, option_60):
    from tests.conftest import make_client

    book(make_client("=HYPERLINK(1)", "X"), option_60, local(MONDAY, 10), therapist=working_therapist)
    client.force_login(front_desk)
    response = client.get(reverse("admin:bookings_appointment_export"))
    assert "'=HYPERLINK(1) X" in text_of(response)


def test_csv_export_with_bad_filters_redirects_with_a_message(client, front_desk):
    client.force_login(front_desk)
    response = client.get(reverse("admin:bookings_appointment_export"), {"starts_at__year": "abc"})
    assert response.status_code == 302
    assert "Those filters are not valid." in texts(response)


# --- My day ----------------------------------------------------------------------------------


def test_a_therapist_lands_on_my_day_with_chart_links(client, working_therapist, appointment, time_machine):
    time_machine.move_to(local(MONDAY, 8))
    client.force_login(working_therapist.user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bookings_appointment_my_day")
    html = client.get(response["Location"]).content.decode()
    assert "Ada Lovelace" in html and "10:00" in html
    assert reverse("admin:bookings_appointment_change", args=[appointment.pk]) in html
    assert "?full=1" in html  # a way to the full index
    assert client.get(reverse("admin:index") + "?full=1").status_code == 200


def test_front_desk_and_manager_keep_the_full_index_with_workspace_links(client, front_desk, manager):
    client.force_login(front_desk)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:bookings_appointment_schedule") in html
    assert reverse("admin:bookings_appointment_reports") not in html
    client.force_login(manager)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:bookings_appointment_reports") in html
    assert reverse("admin:bookings_appointment_onboard") in html


# --- Roles: no clinical data anywhere in the workspace ----------------------------------------


@pytest.fixture
def clinical_sentinel(client_person, front_desk):
    intake = intake_get_or_create(client=client_person, by=None)
    HealthIntake.objects.filter(pk=intake.pk)  # the record exists
    item = ContraindicationItem.objects.filter(active=True, current_version__isnull=False).first()
    answer_record(intake=intake, item=item, answer=True, by=None, detail=SENTINEL)
    return SENTINEL


def test_front_desk_sees_schedule_and_contact_data_but_no_clinical_text(
    client, front_desk, manager, working_therapist, appointment, clinical_sentinel, time_machine
):
    time_machine.move_to(local(MONDAY, 8))
    appointment.needs_clearance = True
    appointment.save(update_fields=["needs_clearance"])
    client.force_login(front_desk)
    pages = {
        "day": client.get(reverse("admin:bookings_appointment_schedule"), {"date": MONDAY.isoformat()}),
        "week": client.get(
            reverse("admin:bookings_appointment_week"),
            {"therapist": working_therapist.pk, "date": MONDAY.isoformat()},
        ),
        "list": client.get(reverse(CHANGELIST)),
        "csv": client.get(reverse("admin:bookings_appointment_export")),
    }
    for name, response in pages.items():
        body = text_of(response)
        assert response.status_code == 200, name
        assert clinical_sentinel not in body, name
        assert "Lovelace" in body, name
    assert "needs clearance" in pages["day"].content.decode()  # a flag, not the reason
    assert "+1 416 555 0100" in pages["list"].content.decode()  # contact data

    client.force_login(working_therapist.user)
    assert clinical_sentinel not in client.get(reverse("admin:bookings_appointment_my_day")).content.decode()
    client.force_login(manager)
    report = client.get(reverse("admin:bookings_appointment_reports"))
    assert report.status_code == 200 and clinical_sentinel not in report.content.decode()


def test_front_desk_cannot_open_reports_or_add_therapists(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("admin:bookings_appointment_reports")).status_code == 403
    assert client.get(reverse("admin:bookings_appointment_onboard")).status_code == 403


# --- Add and change forms go through the booking service ------------------------------------


def add_data(client_obj, option, therapist, day, hhmm):
    return {
        "client": client_obj.pk,
        "option": option.pk,
        "therapist": therapist.pk,
        "starts_at_0": day.isoformat(),
        "starts_at_1": hhmm,
        "room": "",
    }


def test_booking_an_overlapping_time_from_the_admin_is_refused_with_a_message(
    client, front_desk, appointment, other_client, option_60, time_machine
):
    time_machine.move_to(NOW)
    client.force_login(front_desk)
    response = client.post(
        reverse("admin:bookings_appointment_add"),
        add_data(other_client, option_60, appointment.therapist, MONDAY, "10:30"),
    )
    assert response.status_code == 200
    assert "That time has just been taken." in response.content.decode()
    assert appointment.therapist.appointments.count() == 1


def test_booking_a_free_time_from_the_admin_uses_the_service(
    client, front_desk, working_therapist, other_client, option_60, time_machine
):
    time_machine.move_to(NOW)
    client.force_login(front_desk)
    response = client.post(
        reverse("admin:bookings_appointment_add"),
        add_data(other_client, option_60, working_therapist, MONDAY, "13:00"),
    )
    assert response.status_code == 302
    booked = working_therapist.appointments.get()
    assert booked.starts_at == local(MONDAY, 13)
    assert booked.source == "staff" and booked.price == option_60.price
    assert booked.buffer_ends_at > booked.ends_at  # set by the service, not the form


def test_add_form_is_prefilled_from_the_schedule_link(client, front_desk, working_therapist):
    client.force_login(front_desk)
    response = client.get(
        reverse("admin:bookings_appointment_add"),
        {"therapist": working_therapist.pk, "starts_at": "2026-11-23T09:30:00-05:00"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{working_therapist.pk}" selected>' in html
    assert 'value="2026-11-23"' in html and 'value="09:30:00"' in html


def test_add_form_ignores_a_garbled_start(client, front_desk, working_therapist):
    client.force_login(front_desk)
    response = client.get(reverse("admin:bookings_appointment_add"), {"starts_at": "yesterday-ish"})
    assert response.status_code == 200


def test_moving_onto_a_taken_time_from_the_change_form_is_refused(
    client, front_desk, appointment, other_client, option_60, time_machine
):
    time_machine.move_to(NOW)
    other = book(other_client, option_60, local(MONDAY, 14), therapist=appointment.therapist)
    client.force_login(front_desk)
    url = reverse("admin:bookings_appointment_change", args=[other.pk])
    data = {
        "therapist": appointment.therapist_id,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": "10:00",
        "status": "booked",
        "cancellation_reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "That time has just been taken." in response.content.decode()
    other.refresh_from_db()
    assert other.starts_at == local(MONDAY, 14)
    data["starts_at_1"] = "12:00"
    assert client.post(url, data).status_code == 302
    other.refresh_from_db()
    assert other.starts_at == local(MONDAY, 12)


# --- Check-in needs a recorded clearance when screening asked for one ------------------------


def test_check_in_is_refused_until_a_valid_clearance_is_recorded(
    client, front_desk, manager, appointment, time_machine
):
    from datetime import date

    from bookings.selectors.screening import CLEARANCE_MISSING
    from treatments.services import clearance_record

    time_machine.move_to(local(MONDAY, 9, 55))
    screened(appointment.client, ci_hypertension_uncontrolled="yes")
    client.force_login(front_desk)

    refused = check_in_page(client, appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert CLEARANCE_MISSING in text_of(refused)

    appointment.refresh_from_db()
    assert appointment.needs_clearance  # the refused check-in refreshed the schedule's flag
    clearance_record(
        client=appointment.client, given_by="Dr Who", given_on=date(2026, 1, 1),
        expires_on=date(2026, 11, 22), items=["ci-hypertension-uncontrolled"], by=manager,
    )
    check_in_page(client, appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # expired the day before

    clearance_record(
        client=appointment.client, given_by="Dr Who", given_on=date(2026, 11, 1),
        items=["ci-hypertension-uncontrolled"], by=manager,
    )
    done = check_in_page(client, appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert f"Checked in: {appointment.client.full_name}." in texts(done)
    assert not appointment.needs_clearance


def test_check_in_without_the_flag_needs_no_clearance(client, front_desk, appointment, time_machine):
    time_machine.move_to(local(MONDAY, 9, 55))
    client.force_login(front_desk)
    check_in_page(client, appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_the_clearance_rule_is_in_the_service_for_every_path(appointment, time_machine):
    time_machine.move_to(local(MONDAY, 9, 55))
    from django.core.exceptions import ValidationError

    from bookings.selectors.screening import CLEARANCE_MISSING
    from bookings.services.appointments import appointment_set_status

    screened(appointment.client, ci_hypertension_uncontrolled="yes")
    with pytest.raises(ValidationError, match=CLEARANCE_MISSING):
        appointment_set_status(
            appointment=appointment, from_status=AppointmentStatus.BOOKED, to_status=AppointmentStatus.CHECKED_IN
        )


def test_the_appointment_of_a_signed_note_cannot_be_moved(appointment, time_machine):
    from django.core.exceptions import ValidationError

    from bookings.models import SessionNote
    from bookings.services.appointments import NOTE_SIGNED, appointment_reschedule

    time_machine.move_to(NOW)
    note = SessionNote.objects.create(
        appointment=appointment, client=appointment.client, therapist=appointment.therapist
    )
    appointment_reschedule(appointment=appointment, starts_at=local(MONDAY, 12))  # a draft: fine
    SessionNote.objects.filter(pk=note.pk).update(
        status="signed", signed_at=NOW, signed_by=appointment.therapist.user
    )
    with pytest.raises(ValidationError, match=NOTE_SIGNED):
        appointment_reschedule(appointment=appointment, starts_at=local(MONDAY, 14))
    appointment.refresh_from_db()
    assert appointment.starts_at == local(MONDAY, 12)


def test_cancelling_from_the_admin_frees_the_slot_in_the_public_api(
    client, settings, front_desk, appointment, time_machine
):
    settings.ROOT_URLCONF = "clinic.urls"
    time_machine.move_to(NOW)
    params = {
        "treatment": "trigger-point", "duration": 60, "date": MONDAY.isoformat(), "days": 1,
        "therapist": appointment.therapist_id,
    }

    def listed() -> bool:
        starts = [s["start"] for s in client.get("/api/slots", params).json()["slots"]]
        return any(datetime.fromisoformat(s) == local(MONDAY, 10) for s in starts)

    assert not listed()
    client.force_login(front_desk)
    client.post(
        reverse(CHANGELIST),
        {"action": "cancel_with_reason", "_selected_action": [appointment.pk], "apply": "1", "reason": "phoned"},
    )
    assert listed()


# --- Check-in asks today's questions --------------------------------------------------------


def test_the_check_in_action_opens_the_check_in_page_with_todays_questions_unanswered(
    client, front_desk, appointment, time_machine
):
    time_machine.move_to(local(MONDAY, 9, 55))
    client.force_login(front_desk)
    response = run_action(client, "check_in", appointment)
    url = reverse("admin:bookings_appointment_check_in", args=[appointment.pk])
    assert response.status_code == 302 and response["Location"].startswith(url)
    page = client.get(response["Location"])
    html = page.content.decode()
    for question in today_questions(appointment.treatment_type.code):
        assert escape(question.question) in html
        assert f'name="today_{question.code}" value="yes"' in html
    assert " checked" not in html  # no answer is chosen for the client
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_checking_in_without_answering_keeps_the_answers_given_and_says_what_is_missing(
    client, front_desk, appointment, time_machine
):
    time_machine.move_to(local(MONDAY, 9, 55))
    client.force_login(front_desk)
    page = check_in_page(client, appointment, {"ci-fever": "no"})
    assert page.status_code == 200
    html = page.content.decode()
    assert TODAY_ANSWER_REQUIRED in html
    assert 'value="no" id="id_today_ci-fever_1" checked' in html.replace('required ', '')
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_fever_today_refuses_check_in_on_the_page_and_offers_to_move_it(
    client, front_desk, appointment, time_machine
):
    time_machine.move_to(local(MONDAY, 9, 55))
    client.force_login(front_desk)
    page = check_in_page(client, appointment, today_no(appointment) | {"ci-fever": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert escape(NOT_TODAY) in html and "Move the appointment to another day" in html
    assert reverse("admin:bookings_appointment_change", args=[appointment.pk]) in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_change_form_sends_check_in_to_its_page(client, front_desk, appointment):
    client.force_login(front_desk)
    page = client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    form = page.context["adminform"].form
    assert AppointmentStatus.CHECKED_IN not in dict(form.fields["status"].choices)
    assert reverse("admin:bookings_appointment_check_in", args=[appointment.pk]) in page.content.decode()


def test_my_day_links_todays_check_ins(client, working_therapist, appointment, time_machine):
    time_machine.move_to(local(MONDAY, 8))
    client.force_login(working_therapist.user)
    page = client.get(reverse("admin:bookings_appointment_my_day")).content.decode()
    assert reverse("admin:bookings_appointment_check_in", args=[appointment.pk]) in page
