"""The treatment plan pages in the admin: booking with choices, the plan page, measures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment, AppointmentStatus, OutcomeResponse, TreatmentPlan
from bookings.services.appointments import appointment_cancel, appointment_set_status
from tests.bookings.conftest import MONDAY, NOW, book, local, make_plan
from tests.conftest import make_client, make_staff
from tests.factories import screened, today_no

ADD = "admin:bookings_treatmentplan_add"


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_post(client_person, therapist, option, **extra):
    return {
        "client": client_person.pk, "therapist": therapist.pk, "option": option.pk,
        "goal": "Walk the dog for 30 minutes", "sessions": 8, "interval_days": 7, "weekday": 1,
        "start_time": "10:00", "first_date": MONDAY.isoformat(), "measures": ["nprs", "rmdq"],
        **extra,
    }


def test_booking_a_plan_with_collisions_saves_nothing_until_the_therapist_chooses(
    client, travel, client_person, working_therapist, option_60
):
    for week in (2, 5):
        book(make_client(), option_60, local(MONDAY + timedelta(weeks=week), 10), therapist=working_therapist)
    client.force_login(working_therapist.user)
    data = plan_post(client_person, working_therapist, option_60)

    first = client.post(reverse(ADD), data)
    page = first.content.decode()
    assert first.status_code == 200
    assert 'id="conflict-3"' in page and 'id="conflict-6"' in page and 'id="conflict-4"' not in page
    assert "Walk the dog for 30 minutes" in page  # nothing the therapist typed is lost
    assert TreatmentPlan.objects.count() == 0 and Appointment.objects.count() == 2

    data["choice_3"] = local(MONDAY + timedelta(weeks=2), 11, 15).isoformat()
    data["choice_6"] = local(MONDAY + timedelta(weeks=5), 11, 15).isoformat()
    second = client.post(reverse(ADD), data)
    plan = TreatmentPlan.objects.get()
    assert second.status_code == 302
    assert second.url == reverse("admin:bookings_treatmentplan_change", args=[plan.pk])
    assert plan.plan_sessions.count() == 8
    assert plan.plan_sessions.get(number=3).appointment.starts_at == local(MONDAY + timedelta(weeks=2), 11, 15)


def test_skipping_without_accepting_a_partial_plan_is_explained(
    client, travel, client_person, working_therapist, option_60
):
    book(make_client(), option_60, local(MONDAY + timedelta(weeks=2), 10), therapist=working_therapist)
    client.force_login(working_therapist.user)
    data = plan_post(client_person, working_therapist, option_60, choice_3="skip")
    response = client.post(reverse(ADD), data)
    assert "book the plan without them" in response.content.decode()
    assert TreatmentPlan.objects.count() == 0
    data["accept_partial"] = "on"
    assert client.post(reverse(ADD), data).status_code == 302
    assert TreatmentPlan.objects.get().sessions == 7


def test_bad_input_on_the_plan_form_is_explained(client, travel, client_person, working_therapist, option_60):
    client.force_login(working_therapist.user)
    data = plan_post(client_person, working_therapist, option_60, sessions=0, collect_at="one, four")
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert "List session numbers" in response.content.decode()
    assert TreatmentPlan.objects.count() == 0


def test_the_plan_page_counts_sessions_and_links_measures(client, client_person, working_therapist, option_60):
    screened(client_person)  # the red-flag screen is on record: check-in may proceed
    plan = make_plan(client_person, working_therapist, option_60)
    sessions = {s.number: s.appointment for s in plan.plan_sessions.select_related("appointment")}
    with time_machine.travel(sessions[1].starts_at + timedelta(minutes=5), tick=False):
        appointment_set_status(
            appointment=sessions[1], from_status="booked", to_status="checked_in",
            today_answers=today_no(sessions[1]),
        )
        appointment_set_status(appointment=sessions[1], from_status="checked_in", to_status="completed")
        appointment_cancel(appointment=sessions[2], reason="Away")
    client.force_login(working_therapist.user)
    page = client.get(reverse("admin:bookings_treatmentplan_change", args=[plan.pk])).content.decode()
    assert "Attended 1 · cancelled 1 · no-shows 0 · remaining 6" in page
    assert "Session 3 of 8" in page
    assert reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 4, "rmdq"]) in page
    assert reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 3, "rmdq"]) not in page


def test_the_therapist_enters_a_measure_and_the_chart_marks_the_threshold(
    client, client_person, working_therapist, option_60
):
    plan = make_plan(client_person, working_therapist, option_60)
    client.force_login(working_therapist.user)
    for number, ticked in ((1, 12), (4, 6)):
        url = reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, number, "rmdq"])
        response = client.post(url, {f"q{n}": "on" for n in range(1, ticked + 1)})
        assert response.status_code == 302, response.content.decode()[:2000]
    assert list(OutcomeResponse.objects.values_list("score", "source")) == [(12, "staff"), (6, "staff")]
    page = client.get(reverse("admin:bookings_treatmentplan_change", args=[plan.pk])).content.decode()
    assert 'class="threshold"' in page and "Meaningful change (8.4)" in page  # 30% of 12 comes before 5 points
    assert 'class="reached"' in page
    assert "meaningful change reached" in page
    assert "<caption>Roland-Morris Disability Questionnaire" in page
    assert "style=" not in page.split('id="plan-progress"')[1].split("</div>")[0]
    # A second entry for the same session shows the answers read-only.
    again = client.get(reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 1, "rmdq"]))
    assert "read-only" in again.content.decode() and 'type="checkbox"' not in again.content.decode()


def test_front_desk_cannot_see_plans(client, front_desk, client_person, working_therapist, option_60):
    plan = make_plan(client_person, working_therapist, option_60)
    client.force_login(front_desk)
    assert client.get(reverse("admin:bookings_treatmentplan_change", args=[plan.pk])).status_code in (302, 403, 404)
    assert client.get(reverse(ADD)).status_code == 403


def test_another_therapist_does_not_see_the_plan(client, client_person, working_therapist, option_60):
    from tests.conftest import make_therapist

    plan = make_plan(client_person, working_therapist, option_60)
    other = make_therapist("Other")
    client.force_login(other.user)
    response = client.get(reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 1, "nprs"]))
    assert response.status_code == 404


def test_the_manager_report_counts_completed_plans_and_improved_clients(
    client, manager, client_person, other_client, working_therapist, option_60
):
    screened(client_person)  # the red-flag screen is on record: check-in may proceed
    improved = make_plan(client_person, working_therapist, option_60, sessions=2, measures=("nprs",))
    make_plan(other_client, working_therapist, option_60, sessions=2, weekday=2, measures=("nprs",))
    for s in improved.plan_sessions.select_related("appointment"):
        a = s.appointment
        with time_machine.travel(a.starts_at + timedelta(minutes=1), tick=False):
            appointment_set_status(
                appointment=a, from_status=AppointmentStatus.BOOKED, to_status="checked_in",
                today_answers=today_no(a),
            )
            appointment_set_status(appointment=a, from_status="checked_in", to_status="completed")
    staff = make_staff(None, username="boss", is_superuser=True)
    from bookings.services.outcomes import outcome_submit

    for number, pain in ((1, 7), (2, 4)):
        outcome_submit(
            client=client_person, appointment=improved.plan_sessions.get(number=number).appointment,
            instrument="nprs", answers={"pain": pain}, source="staff", by=staff,
        )
    client.force_login(manager)
    page = client.get(reverse("admin:bookings_appointment_reports")).content.decode()
    assert 'id="plans-completed">1<' in page
    assert 'id="clients-improved">1 of 1 (100%)<' in page


def test_the_client_page_charts_each_measure_and_links_the_plans(
    client, client_person, working_therapist, option_60, time_machine
):
    plan = make_plan(client_person, working_therapist, option_60)
    # During the first session the client is in the therapist's care (the charts are
    # clinical), whatever the day the suite runs.
    first = plan.plan_sessions.get(number=1).appointment
    time_machine.move_to(first.starts_at + timedelta(minutes=5), tick=False)
    client.force_login(working_therapist.user)
    for number, pain in ((1, 8), (4, 5)):
        url = reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, number, "nprs"])
        assert client.post(url, {"pain": str(pain)}).status_code == 302
    page = client.get(reverse("admin:clinic_client_change", args=[client_person.pk])).content.decode()
    assert "<caption>Numeric Pain Rating Scale" in page
    assert "Meaningful change (6)" in page
    listing = f"{reverse('admin:bookings_treatmentplan_changelist')}?client__id__exact={client_person.pk}"
    assert listing.replace("&", "&amp;") in page or listing in page
    assert client.get(listing).status_code == 200


def test_the_session_note_knows_its_plan_and_links_the_measures(
    client, client_person, working_therapist, option_60
):
    from bookings.services.notes import note_create

    plan = make_plan(client_person, working_therapist, option_60)
    first = plan.plan_sessions.get(number=1).appointment
    second = plan.plan_sessions.get(number=2).appointment
    note = note_create(appointment=first, by=working_therapist.user)
    other = note_create(appointment=second, by=working_therapist.user)
    client.force_login(working_therapist.user)
    page = client.get(reverse("admin:bookings_sessionnote_change", args=[note.pk])).content.decode()
    assert "Session 1 of 8 of a" in page
    assert reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 1, "rmdq"]) in page
    page = client.get(reverse("admin:bookings_sessionnote_change", args=[other.pk])).content.decode()
    assert "Session 2 of 8 of a" in page
    assert reverse("admin:bookings_treatmentplan_measure", args=[plan.pk, 2, "rmdq"]) not in page


def test_outcome_report_runs_in_three_queries_however_many_plans(
    client_person, other_client, working_therapist, option_60, django_assert_max_num_queries
):
    from bookings.selectors.plans import outcome_report

    make_plan(client_person, working_therapist, option_60, sessions=3)
    make_plan(other_client, working_therapist, option_60, sessions=3, weekday=2)
    with django_assert_max_num_queries(3):
        report = outcome_report()
    assert (report.plans, report.plans_completed, report.clients_measured) == (2, 0, 0)
    assert report.share_improved is None
