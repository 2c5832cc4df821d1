"""The health step of online booking: the warning signs asked as one explicit block (or
yes/no to each), the other items ticked in plain groups with an explicit "none of these",
a missed answer named once next to it, and a returning client confirming their answers."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from bookings.models import AccessLog, OnlineBooking
from bookings.online_forms import (
    ANSWER_YES_NO,
    CHOOSE_RED_FLAGS,
    CHOOSE_SAME,
    HEALTH_GROUPS,
    RED_FLAGS_NONE_BUT_YES,
    RED_FLAGS_SOME_BUT_NO,
    SAME_BUT_CHANGED,
    TICK_OR_NONE,
    TICKED_AND_NONE,
    HealthForm,
    health_groups,
)
from bookings.selectors.availability import slots_available
from bookings.selectors.online import screening_verdict, screening_versions
from bookings.services.online import SENSITIVE_CONSENT_REQUIRED
from bookings.services.submissions import submission_confirm_by_staff
from tests.bookings.conftest import (
    add_hours,
    all_no,
    confirm_review,
    flow_state,
    health_form_data,
    sign_into_portal,
    walk_to_review,
)
from tests.conftest import make_client
from treatments import services as clinical
from treatments.models import ContraindicationAnswer, TreatmentOption
from treatments.selectors import answers_for_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]


@pytest.fixture
def first_slot(therapist, option_60):
    add_hours(therapist)
    return slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]


def url(name):
    return reverse(f"bookings:{name}")


def to_health(browser, option, slot, email="nia@example.com"):
    """Through the first four steps with one tap each, as the page's buttons post them."""
    chosen = {"option": option.pk} | (
        {"sensitive_consent": "on"} if option.treatment_type.sensitive_region else {}
    )
    assert browser.post(url("book"), chosen).url == url("book_therapist")
    assert browser.post(url("book_therapist"), {"therapist": "any"}).url == url("book_time")
    time = {"start": slot.start.isoformat(), "day": slot.start.date().isoformat()}
    assert browser.post(url("book_time"), time).url == url("book_details")
    details = {"name": "Nia New", "email": email, "phone": "+1 416 555 0177"}
    assert browser.post(url("book_details"), details).url == url("book_health")


def versions(option):
    asked = screening_versions(option.treatment_type)
    return asked["red_flags"], asked["relevant"]


def form(option, data, **kwargs) -> HealthForm:
    red_flags, relevant = versions(option)
    return HealthForm(data, red_flags=red_flags, relevant=relevant, **kwargs)


def test_every_warning_sign_is_on_the_page_and_the_block_must_be_answered(first_slot, option_60):
    browser = Browser()
    to_health(browser, option_60, first_slot)
    page = browser.get(url("book_health")).content.decode()
    red_flags, relevant = versions(option_60)
    assert red_flags and relevant
    for version in red_flags + relevant:
        assert html.escape(version.question) in page, version.item.code
    assert "None of these apply to me" in page and "One or more of these applies to me" in page
    # Silence is not an answer: neither for the warning signs nor for the other items.
    page = browser.post(url("book_health"), {}).content.decode()
    assert html.escape(CHOOSE_RED_FLAGS) in page and html.escape(TICK_OR_NONE) in page
    assert "health" not in flow_state(browser)


def test_none_of_the_warning_signs_stores_the_same_answers_and_verdict_as_no_to_each(
    first_slot, option_60, manager
):
    """ "None of these apply to me" and a "no" to each warning sign one by one (the page
    without JavaScript) are the same answers: same submission, same verdict, same rows."""
    red_flags, relevant = versions(option_60)
    block = {"red_flags": "none", "no_conditions": "on"}
    one_by_one = {f"q_{v.item.code}": "no" for v in red_flags} | {"no_conditions": "on"}
    stored = []
    slots = slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)
    for n, data in enumerate((block, one_by_one)):
        browser = Browser()
        to_health(browser, option_60, slots[-n], email=f"same{n}@example.com")
        assert browser.post(url("book_health"), data).url == url("book_review")
        answers = flow_state(browser)["health"]["answers"]
        assert confirm_review(browser).url == url("book_done")
        booking = OnlineBooking.objects.select_related("appointment__client", "submission").latest(
            "pk"
        )
        submission_confirm_by_staff(submission=booking.submission, by=manager)
        verdict = screening_verdict(option=option_60, answers=answers, sensitive_consents=[])
        rows = sorted(
            ContraindicationAnswer.objects.filter(
                intake__client=booking.appointment.client
            ).values_list("item__code", "version_id", "answer")
        )
        stored.append(
            (answers, booking.submission.answers, booking.findings, verdict.findings, rows)
        )
    assert stored[0] == stored[1]
    assert stored[0][0] == all_no(option_60)
    assert len(stored[0][4]) == len(red_flags) + len(relevant)


def test_ticking_an_item_gives_the_same_verdict_as_answering_yes_to_it(db):
    """For every bookable treatment and every item it asks: ticking the item (or answering
    yes to a warning sign) screens exactly as the old yes/no answer did."""
    now = timezone.now()
    checked = 0
    for option in TreatmentOption.objects.select_related("treatment_type").filter(active=True):
        red_flags, relevant = versions(option)
        sensitive = (
            [option.treatment_type.sensitive_region]
            if option.treatment_type.sensitive_region
            else []
        )
        no = all_no(option)
        for version in relevant + red_flags:
            code = version.item.code
            old_yes = no | {code: True}
            ticked = form(option, health_form_data(option, old_yes))
            assert ticked.is_valid(), (code, ticked.errors)
            assert ticked.answers() == old_yes
            assert screening_verdict(
                option=option, answers=ticked.answers(), sensitive_consents=sensitive, now=now
            ) == screening_verdict(
                option=option, answers=old_yes, sensitive_consents=sensitive, now=now
            )
            checked += 1
    assert checked > 100


def test_a_missed_warning_sign_is_named_once_next_to_it(first_slot, option_60):
    browser = Browser()
    to_health(browser, option_60, first_slot)
    red_flags, _ = versions(option_60)
    missed = red_flags[3]
    data = {"red_flags": "some", "no_conditions": "on"} | {
        f"q_{v.item.code}": "yes" if i == 0 else "no"
        for i, v in enumerate(red_flags)
        if v != missed
    }
    response = browser.post(url("book_health"), data)
    page = response.content.decode()
    assert page.count(ANSWER_YES_NO) == 2  # in the summary, and next to the question
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', summary) == [f"id_q_{missed.item.code}"]
    assert summary.count(html.escape(missed.question)) == 1
    question = page.split(f'id="id_q_{missed.item.code}"', 1)[1].split("</fieldset>", 1)[0]
    assert ANSWER_YES_NO in question
    assert f'aria-describedby="q_{missed.item.code}-error"' in question.split(">", 1)[0]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"red_flags": "none", "q_rf-bladder": "yes", "no_conditions": "on"},
            "red_flags",
            RED_FLAGS_NONE_BUT_YES,
        ),
        ({"red_flags": "some", "no_conditions": "on"}, "q_rf-bladder", ANSWER_YES_NO),
        (
            {"red_flags": "none", "conditions": ["ci-varicose"], "no_conditions": "on"},
            "no_conditions",
            TICKED_AND_NONE,
        ),
        ({"red_flags": "none"}, "conditions", TICK_OR_NONE),
        ({"q_rf-bladder": "no", "no_conditions": "on"}, "red_flags", CHOOSE_RED_FLAGS),
    ],
)
def test_contradictions_and_gaps_are_named_on_their_own_field(option_60, data, field, message):
    bound = form(option_60, data)
    assert not bound.is_valid()
    assert bound.errors[field] == [message]


def test_one_or_more_applies_with_every_answer_no_is_a_contradiction(option_60):
    red_flags, _ = versions(option_60)
    bound = form(
        option_60,
        {"red_flags": "some", "no_conditions": "on"}
        | {f"q_{v.item.code}": "no" for v in red_flags},
    )
    assert not bound.is_valid() and bound.errors["red_flags"] == [RED_FLAGS_SOME_BUT_NO]


def test_items_are_grouped_in_one_place_and_an_unknown_item_falls_in_the_last_group(option_60):
    _, relevant = versions(option_60)
    grouped = health_groups(relevant)
    assert sum(len(items) for _, items in grouped) == len(relevant)
    assert [name for name, _ in grouped] == [
        name for name, _ in HEALTH_GROUPS if name in dict(grouped)
    ]

    class New:
        class item:  # noqa: N801
            code = "ci-new-item"

    assert health_groups([New])[0][0] == HEALTH_GROUPS[-1][0]


def test_the_region_consent_comes_with_the_treatment_choice(first_slot, therapist):
    gluteal = TreatmentOption.objects.filter(treatment_type__code="perfect-spot-12").first()
    browser = Browser()
    response = browser.post(url("book"), {"option": gluteal.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert html.escape(SENSITIVE_CONSENT_REQUIRED) in page and 'id="id_sensitive_consent"' in page
    assert browser.post(url("book"), {"option": gluteal.pk, "sensitive_consent": "on"}).url == url(
        "book_therapist"
    )
    assert flow_state(browser)["sensitive"] == ["gluteal"]
    assert (
        "buttock"
        not in browser.get(url("book_health"))
        .content.decode()
        .split("</form>")[0]
        .split("health-form")[-1]
    )


def test_the_region_consent_given_with_the_treatment_is_booked(first_slot, therapist):
    gluteal = TreatmentOption.objects.filter(treatment_type__code="perfect-spot-12").first()
    slot = slots_available(gluteal, timezone.localdate() + timedelta(days=2), 7)[0]
    browser = Browser()
    assert walk_to_review(browser, gluteal, slot).url == url("book_review")
    assert confirm_review(browser).url == url("book_done")
    assert OnlineBooking.objects.get().submission.sensitive_consents == ["gluteal"]


@pytest.fixture
def returning(manager):
    """A client signed in through the portal link, whose answers on record say they take
    blood thinners."""
    person = make_client("Ruth", "Return", email="ruth@example.com", phone="+1 416 555 0111")
    intake = clinical.intake_get_or_create(client=person, by=manager)
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    _, relevant = versions(option)
    answers = {v.item.code: v.item.code == "ci-anticoagulant" for v in relevant}
    clinical.answers_record(intake=intake, answers=answers, by=manager)
    return person


def test_a_returning_client_confirms_their_last_answers_and_still_answers_the_warning_signs(
    first_slot, option_60, returning
):
    browser = Browser()
    sign_into_portal(browser, returning)
    # Their details are filled in for them.
    browser.post(url("book"), {"option": option_60.pk})
    browser.post(url("book_therapist"), {"therapist": "any"})
    browser.post(
        url("book_time"),
        {"start": first_slot.start.isoformat(), "day": first_slot.start.date().isoformat()},
    )
    assert browser.get(url("book_details")).context["form"].initial["email"] == "ruth@example.com"
    browser.post(
        url("book_details"),
        {"name": "Ruth Return", "email": "ruth@example.com", "phone": "+1 416 555 0111"},
    )
    page = browser.get(url("book_health")).content.decode()
    assert "Still true" in page and "Something has changed" in page and "blood thinners" in page
    assert AccessLog.objects.filter(client=returning, action="view").count() == 1
    # The warning signs are still asked.
    assert (
        html.escape(CHOOSE_RED_FLAGS)
        in browser.post(
            url("book_health"), {"same": "same", "conditions": ["ci-anticoagulant"]}
        ).content.decode()
    )
    assert (
        html.escape(CHOOSE_SAME)
        in browser.post(url("book_health"), {"red_flags": "none"}).content.decode()
    )
    response = browser.post(
        url("book_health"),
        {"red_flags": "none", "same": "same", "conditions": ["ci-anticoagulant"]},
    )
    assert response.url == url("book_review")
    answers = flow_state(browser)["health"]["answers"]
    assert answers == all_no(option_60) | {"ci-anticoagulant": True}
    assert answers_for_client(returning)["ci-anticoagulant"] == "yes"


def test_a_returning_client_who_changed_something_ticks_again(first_slot, option_60, returning):
    browser = Browser()
    sign_into_portal(browser, returning)
    to_health(browser, option_60, first_slot, email="ruth@example.com")
    bad = browser.post(
        url("book_health"), {"red_flags": "none", "same": "same", "no_conditions": "on"}
    )
    assert html.escape(SAME_BUT_CHANGED) in bad.content.decode()
    response = browser.post(
        url("book_health"), {"red_flags": "none", "same": "changed", "no_conditions": "on"}
    )
    assert response.url == url("book_review")
    assert flow_state(browser)["health"]["answers"] == all_no(option_60)


def test_someone_signed_in_booking_for_another_email_answers_afresh(
    first_slot, option_60, returning
):
    browser = Browser()
    sign_into_portal(browser, returning)
    to_health(browser, option_60, first_slot, email="friend@example.com")
    page = browser.get(url("book_health")).content.decode()
    assert "Still true" not in page and "blood thinners" in page
    assert "checked" not in page.split('name="conditions" value="ci-anticoagulant"', 1)[1][:80]
    assert not AccessLog.objects.filter(client=returning).exists()
