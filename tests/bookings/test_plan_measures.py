"""Collecting outcome measures along a plan: due before the chosen visits only, answered
in the portal or by the therapist, scored, snapshotted and read-only once submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.emails import build_client_email
from bookings.models import OutcomeResponse, ResponseSource
from bookings.selectors.plans import measures_due
from bookings.services.outcomes import outcome_submit
from tests.bookings.conftest import NOW, make_plan, sign_into_portal
from tests.conftest import make_therapist


@pytest.fixture
def plan(client_person, working_therapist, option_60):
    return make_plan(client_person, working_therapist, option_60)


def session(plan, number):
    return plan.plan_sessions.select_related("appointment").get(number=number).appointment


def measure_url(appointment, code):
    return reverse("bookings:portal_measure", args=[appointment.public_id, code])


def answer(plan, number, code, answers, *, now, **kwargs):
    kwargs.setdefault("source", ResponseSource.PORTAL)
    return outcome_submit(
        client=plan.client, appointment=session(plan, number), instrument=code, answers=answers,
        now=now, **kwargs,
    )


def test_the_first_visit_is_due_and_the_second_is_not(plan):
    due = measures_due(client=plan.client, now=NOW)
    assert [(d.session.number, [m.code for m in d.instruments]) for d in due] == [(1, ["nprs", "rmdq"])]


def test_the_fourth_visit_opens_once_the_third_has_passed(plan):
    after_second = session(plan, 2).ends_at + timedelta(hours=1)
    assert measures_due(client=plan.client, now=after_second) == []  # next is session 3
    after_third = session(plan, 3).ends_at + timedelta(hours=1)
    assert [d.session.number for d in measures_due(client=plan.client, now=after_third)] == [4]


def test_answered_measures_are_no_longer_due(plan):
    answer(plan, 1, "nprs", {"pain": 7}, now=NOW)
    answer(plan, 1, "rmdq", {"q1": True}, now=NOW)
    assert measures_due(client=plan.client, now=NOW) == []


def test_a_response_keeps_raw_answers_score_wording_and_version(plan):
    response = answer(plan, 1, "rmdq", {"q1": "yes", "q2": "on", "q3": ""}, now=NOW)
    response.refresh_from_db()
    assert response.score == 2
    assert response.instrument_version == 1
    assert response.answers == {"q1": True, "q2": True, "q3": False}
    assert len(response.wording) == 24 and "back" in response.wording[0]["text"]
    assert response.plan == plan


def test_a_submitted_response_cannot_be_changed(plan):
    response = answer(plan, 1, "nprs", {"pain": 7}, now=NOW)
    with pytest.raises(ValidationError) as exc:
        answer(plan, 1, "nprs", {"pain": 3}, now=NOW)
    assert exc.value.code == "already_answered"
    response.score = 3
    with pytest.raises(TypeError):
        response.save()
    with pytest.raises(TypeError):
        OutcomeResponse.objects.filter(pk=response.pk).update(score=3)
    assert OutcomeResponse.objects.get().score == 7


def test_clients_cannot_answer_for_a_visit_that_is_not_due(plan):
    with pytest.raises(ValidationError) as exc:
        answer(plan, 2, "nprs", {"pain": 5}, now=NOW)
    assert exc.value.code == "not_due"


def test_the_therapist_enters_answers_for_any_session(plan, working_therapist):
    response = answer(
        plan, 2, "nprs", {"pain": 5}, now=NOW, source=ResponseSource.STAFF, by=working_therapist.user
    )
    assert response.entered_by == working_therapist.user


def test_a_therapist_who_does_not_treat_the_client_cannot_enter_answers(plan):
    stranger = make_therapist("Stranger")
    with pytest.raises(ValidationError) as exc:
        answer(plan, 2, "nprs", {"pain": 5}, now=NOW, source=ResponseSource.STAFF, by=stranger.user)
    assert exc.value.code == "not_allowed"


# -- the portal ----------------------------------------------------------------------------
def test_portal_lists_the_questionnaire_and_the_plan(client, plan):
    sign_into_portal(client, plan.client)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("bookings:portal_home")).content.decode()
    assert measure_url(session(plan, 1), "rmdq") in page
    assert measure_url(session(plan, 2), "rmdq") not in page
    assert "Attended 0, cancelled 0, still to come 8." in page


def test_portal_questionnaire_appears_before_the_chosen_visit_only(client, plan):
    sign_into_portal(client, plan.client)
    with time_machine.travel(NOW, tick=False):
        assert client.get(measure_url(session(plan, 1), "rmdq")).status_code == 200
        assert client.get(measure_url(session(plan, 2), "rmdq")).status_code == 404


def test_portal_answer_is_saved_then_shown_read_only(client, plan):
    sign_into_portal(client, plan.client)
    url = measure_url(session(plan, 1), "rmdq")
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {f"q{n}": "on" for n in range(1, 13)})
        assert response.status_code == 302
        page = client.get(url).content.decode()
        again = client.post(url, {"q1": "on"})
    assert "can no longer be changed" in page
    assert 'type="checkbox"' not in page
    assert again.status_code == 200 and "can no longer be changed" in again.content.decode()
    saved = OutcomeResponse.objects.get()
    assert (saved.score, saved.source) == (12, "portal")


def test_portal_bad_input_is_explained_not_a_500(client, plan):
    sign_into_portal(client, plan.client)
    with time_machine.travel(NOW, tick=False):
        response = client.post(measure_url(session(plan, 1), "nprs"), {"pain": "eleven"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not OutcomeResponse.objects.exists()


def test_another_clients_questionnaire_is_not_found(client, plan, other_client):
    sign_into_portal(client, other_client)
    with time_machine.travel(NOW, tick=False):
        assert client.get(measure_url(session(plan, 1), "rmdq")).status_code == 404


def test_portal_questionnaire_needs_sign_in(client, plan):
    response = client.get(measure_url(session(plan, 1), "rmdq"))
    assert response.status_code == 302 and response.url == reverse("bookings:portal")


# -- the reminder ----------------------------------------------------------------------------
def test_reminder_before_a_collection_visit_links_to_the_portal(plan, settings):
    first, second = session(plan, 1), session(plan, 2)
    body = build_client_email("reminder", first, now=NOW).body
    assert settings.SITE_URL + reverse("bookings:portal_home") in body
    assert "Roland" not in body and "rmdq" not in body
    later = first.ends_at + timedelta(hours=1)
    assert reverse("bookings:portal_home") not in build_client_email("reminder", second, now=later).body


def test_portal_page_queries_do_not_grow_with_plans(
    client, plan, working_therapist, option_60, django_assert_max_num_queries
):
    make_plan(plan.client, working_therapist, option_60, weekday=3, sessions=6)
    sign_into_portal(client, plan.client)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(12):
        page = client.get(reverse("bookings:portal_home")).content.decode()
    assert page.count("still to come") == 2
