"""What a stranger types never changes someone else's record: an online booking keeps its
submission until the emailed link (or staff at check-in) confirms it. Run on SQLite and
PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from bookings.models import ConfirmedVia, OnlineSubmission
from bookings.selectors.availability import slots_available
from bookings.services import submissions
from bookings.services.online import ClientDetails, online_booking_create
from tests.bookings.conftest import MONDAY, NOW, all_no, confirm_review, local, walk_to_review
from tests.conftest import make_client, run_jobs
from treatments import services as clinical
from treatments.models import Consent, ContraindicationAnswer, HealthRecordChange, TreatmentOption
from treatments.selectors import answers_for_client

pytestmark = pytest.mark.django_db

STRANGER = ClientDetails(name="Eve Stranger", email="GRACE@example.com", phone="+1 647 555 0666")


@pytest.fixture(autouse=True)
def _frozen_now_no_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = ""
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def grace(manager):
    """A known client with an intake: on anticoagulants, general consent on file."""
    grace = make_client("Grace", "Known", email="grace@example.com", phone="+1 416 555 0100")
    intake = clinical.intake_get_or_create(client=grace, by=manager, now=NOW)
    clinical.answers_record(intake=intake, answers={"ci-anticoagulant": True}, by=manager, now=NOW)
    clinical.consent_give(client=grace, kind="general", method="written", by=manager, now=NOW)
    return grace


def _record(client) -> tuple:
    client.refresh_from_db()
    return (
        (client.first_name, client.last_name, client.email, client.phone),
        answers_for_client(client),
        sorted(Consent.objects.filter(intake__client=client).values_list("kind", "region", "method")),
        HealthRecordChange.objects.filter(client=client).count(),
    )


def _book_as_stranger(option, **kwargs):
    booking = online_booking_create(
        option=option,
        starts_at=local(MONDAY, 10),
        therapist=None,
        details=STRANGER,
        answers=all_no(option) | {"ci-anticoagulant": False},
        sensitive_consents=kwargs.pop("sensitive", []),
        general_consent=True,
        policy_accepted=True,
        now=NOW,
        **kwargs,
    )
    run_jobs()  # the worker sends the confirmation email
    return booking


def _confirm_path() -> str:
    url = re.search(r"https?://\S+/book/confirm/\S+/", mail.outbox[-1].body).group(0)
    return url[url.index("/book/confirm/"):]


def test_a_strangers_booking_with_a_known_email_changes_nothing_until_the_email_confirms_it(
    working_therapist, option_60, grace
):
    before = _record(grace)
    booking = _book_as_stranger(option_60)

    assert booking.appointment.client == grace
    assert _record(grace) == before
    assert answers_for_client(grace)["ci-anticoagulant"] == "yes"
    submission = booking.submission
    assert submission.answers["ci-anticoagulant"] is False
    assert submission.name_differs and submission.phone_differs and not submission.is_confirmed
    # The email goes to the address on record, never to what was typed (same here but case).
    assert mail.outbox[-1].to == ["grace@example.com"]

    browser = Browser()
    path = _confirm_path()
    page = browser.get(path)
    assert page.status_code == 200 and _record(grace) == before  # opening the link changes nothing
    text = page.content.decode()
    for held in ("grace@example.com", "Grace", "Known", "416 555 0100"):
        assert held not in text
    assert browser.post(path).status_code == 302

    (name, answers, consents, changes) = _record(grace)
    assert name == ("Eve", "Stranger", "grace@example.com", "+1 647 555 0666")
    assert answers["ci-anticoagulant"] == "no"
    assert ("general", "", "electronic") in consents and changes > before[3]
    submission.refresh_from_db()
    assert submission.confirmed_via == ConfirmedVia.EMAIL and submission.token_hash is None
    # Single use.
    assert browser.post(path).status_code == 410
    assert _record(grace)[3] == changes


def test_the_sensitive_area_consent_counts_only_once_confirmed(
    working_therapist, grace
):
    gluteal = TreatmentOption.objects.filter(treatment_type__code="perfect-spot-12").first()
    _book_as_stranger(gluteal, sensitive=["gluteal"])
    assert not Consent.objects.filter(intake__client=grace, kind="sensitive-area").exists()
    Browser().post(_confirm_path())
    consent = Consent.objects.get(intake__client=grace, kind="sensitive-area")
    assert (consent.region, consent.method) == ("gluteal", "electronic")


def test_the_done_page_shows_the_typed_address_not_the_stored_one(
    working_therapist, option_60, grace
):
    browser = Browser()
    slot = slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]
    walk_to_review(browser, option_60, slot, email="GRACE@Example.com", name="Eve Stranger")
    done = confirm_review(browser)
    run_jobs()
    page = browser.get(done.url).content.decode()
    assert "GRACE@Example.com" in page
    assert "grace@example.com" not in page and "Known" not in page and "555 0100" not in page


def test_an_unknown_or_expired_link_says_so_and_changes_nothing(
    working_therapist, option_60, grace
):
    _book_as_stranger(option_60)
    before = _record(grace)
    assert Browser().get(reverse("bookings:book_confirm", args=["nope"])).status_code == 410
    assert Browser().post(reverse("bookings:book_confirm", args=["x" * 300])).status_code == 410
    token = _confirm_path().rstrip("/").rsplit("/", 1)[-1]
    late = OnlineSubmission.objects.get().token_expires_at
    with pytest.raises(ValidationError) as refused:
        submissions.submission_confirm_by_link(token=token, now=late)
    assert getattr(refused.value, "code", None) == "confirm_link_invalid"
    assert _record(grace) == before


def test_staff_confirm_at_check_in_with_their_name_on_the_record(
    working_therapist, option_60, grace, front_desk
):
    booking = _book_as_stranger(option_60)
    submissions.submission_confirm_by_staff(submission=booking.submission, by=front_desk, now=NOW)
    answer = ContraindicationAnswer.objects.get(intake__client=grace, item__code="ci-anticoagulant")
    assert (answer.answer, answer.recorded_by) == ("no", front_desk)
    with pytest.raises(ValidationError) as again:
        submissions.submission_confirm_by_staff(submission=booking.submission, by=front_desk, now=NOW)
    assert getattr(again.value, "code", None) == "already_confirmed"
    # The emailed link no longer works once staff have confirmed.
    assert Browser().post(_confirm_path()).status_code == 410


def test_front_desk_sees_the_flags_and_confirms_at_check_in_without_seeing_the_answers(
    working_therapist, option_60, grace, front_desk
):
    booking = _book_as_stranger(option_60)
    desk = Browser()
    desk.force_login(front_desk)
    changelist = reverse("admin:bookings_appointment_changelist")
    page = desk.get(changelist).content.decode()
    assert "online details to confirm" in page and "name differs from record" in page
    submission_url = reverse("admin:bookings_onlinesubmission_change", args=[booking.submission.pk])
    assert desk.get(submission_url).status_code in (403, 404)
    response = desk.post(
        changelist,
        {"action": "confirm_online_details", "_selected_action": [booking.appointment_id]},
    )
    assert response.status_code == 302
    assert answers_for_client(grace)["ci-anticoagulant"] == "no"
    assert "online details to confirm" not in desk.get(changelist).content.decode()


def test_the_therapist_reads_the_submission_of_their_booking_and_the_access_is_logged(
    working_therapist, option_60, grace
):
    from bookings.models import AccessLog

    booking = _book_as_stranger(option_60)
    browser = Browser()
    browser.force_login(working_therapist.user)
    page = browser.get(reverse("admin:bookings_onlinesubmission_change", args=[booking.submission.pk]))
    assert page.status_code == 200
    assert AccessLog.objects.filter(object_type="bookings.onlinesubmission", user=working_therapist.user).exists()
