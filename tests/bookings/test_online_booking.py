"""The online booking service: screening first, nothing kept for refused clients, one
booking per confirmation, the accepted cancellation window, moves and emails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from bookings.models import Appointment, AppointmentStatus, BookingPolicy, OnlineBooking
from bookings.selectors.online import screening_versions
from bookings.services import online
from bookings.services.online import (
    ClientDetails,
    ScreeningRefused,
    SlotTaken,
    client_cancel,
    client_move,
    online_booking_create,
)
from clinic.models import Client
from tests.bookings.conftest import MONDAY, NOW, add_hours, book, local
from tests.conftest import make_client, make_therapist, run_jobs
from treatments.models import Consent, ContraindicationAnswer, HealthIntake, TreatmentOption

ADA = ClientDetails(name="Ada Newcomer", email="ada.new@example.com", phone="+1 416 555 0199")


def all_no(option: TreatmentOption) -> dict[str, bool]:
    asked = screening_versions(option.treatment_type)
    return {v.item.code: False for v in asked["red_flags"] + asked["relevant"]}


def create(option, starts_at, *, therapist=None, details=ADA, answers=None, **kwargs):
    kwargs.setdefault("sensitive_consents", [option.treatment_type.sensitive_region] if option.treatment_type.sensitive_region else [])
    kwargs.setdefault("general_consent", True)
    kwargs.setdefault("policy_accepted", True)
    kwargs.setdefault("now", NOW)
    return online_booking_create(
        option=option,
        starts_at=starts_at,
        therapist=therapist,
        details=details,
        answers=all_no(option) if answers is None else answers,
        **kwargs,
    )


@pytest.fixture
def counts():
    def snapshot():
        return (Client.objects.count(), Appointment.objects.count(), HealthIntake.objects.count(),
                ContraindicationAnswer.objects.count(), Consent.objects.count())
    return snapshot


def test_new_client_books_and_the_answers_wait_with_the_booking_until_confirmed(
    working_therapist, option_60
):
    booking = create(option_60, local(MONDAY, 10))
    run_jobs()
    appointment = booking.appointment
    assert appointment.source == "online" and appointment.therapist == working_therapist
    assert appointment.client.email == ADA.email and appointment.client.first_name == "Ada"
    assert not ContraindicationAnswer.objects.filter(intake__client=appointment.client).exists()
    assert not Consent.objects.filter(intake__client=appointment.client).exists()
    submission = booking.submission
    assert submission.answers["rf-saddle-numbness"] is False
    assert len(submission.answers) == len(all_no(option_60)) and submission.general_consent
    assert not submission.details_differ and not submission.is_confirmed
    assert len(booking.manage_token) >= 40
    assert booking.manage_url.endswith(f"/manage/{booking.manage_token}/")
    assert booking.policy_text == BookingPolicy.current().cancellation_policy_text
    assert booking.cancellation_window_hours == 24
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [ADA.email]
    assert "/book/confirm/" in mail.outbox[0].body


def test_returning_client_is_matched_by_email_ignoring_case_and_the_record_is_not_changed(
    working_therapist, option_60
):
    known = make_client("Grace", "Known", email="Grace@Example.com", phone="+1 416 555 0100")
    details = ClientDetails(name="Someone Else", email="grace@example.COM", phone="+1 416 555 0111")
    booking = create(option_60, local(MONDAY, 10), details=details)
    known.refresh_from_db()
    assert booking.appointment.client == known
    assert (known.first_name, known.last_name, known.phone) == ("Grace", "Known", "+1 416 555 0100")
    assert booking.submission.name_differs and booking.submission.phone_differs
    same = create(option_60, local(MONDAY, 12), details=ClientDetails("grace  KNOWN", "grace@example.com", "(416) 555-0100"))
    assert not same.submission.name_differs and not same.submission.phone_differs
    assert Client.objects.filter(email__iexact="grace@example.com").count() == 1


@pytest.mark.parametrize(
    ("code", "referral"),
    [("rf-saddle-numbness", "emergency"), ("rf-cancer", "urgent"), ("ci-acute-medical", "do-not-treat")],
)
def test_refusing_answers_raise_screening_refused_and_write_nothing(
    working_therapist, option_60, counts, code, referral
):
    before = counts()
    answers = all_no(option_60) | {code: True}
    with pytest.raises(ScreeningRefused) as refused:
        create(option_60, local(MONDAY, 10), answers=answers)
    assert refused.value.referral == referral
    assert {"code": code, "action": refused.value.findings[0]["action"]} in refused.value.findings
    assert refused.value.advice and "screening" in refused.value.message_dict
    assert counts() == before


def test_emergency_advice_wins_over_other_bad_input(working_therapist, option_60, counts):
    before = counts()
    with pytest.raises(ScreeningRefused):
        create(option_60, local(MONDAY, 10), answers=all_no(option_60) | {"rf-bladder": True},
               details=ClientDetails("", "not-an-email", "x"), policy_accepted=False)
    assert counts() == before


def test_clearance_finding_books_marked_and_the_confirmation_asks_for_the_note(
    working_therapist, option_60
):
    answers = all_no(option_60) | {"ci-hypertension-uncontrolled": True, "ci-anticoagulant": True}
    booking = create(option_60, local(MONDAY, 10), answers=answers)
    run_jobs()
    assert booking.appointment.needs_clearance is True
    assert {"code": "ci-hypertension-uncontrolled", "action": "clearance"} in booking.findings
    assert {"code": "ci-anticoagulant", "action": "modify"} in booking.findings
    assert all(set(f) == {"code", "action"} for f in booking.findings)
    assert "note from your doctor" in mail.outbox[0].body


def test_missing_answers_are_named_by_code(working_therapist, option_60, counts):
    before = counts()
    answers = all_no(option_60)
    del answers["rf-saddle-numbness"], answers["ci-acute-medical"]
    with pytest.raises(ValidationError) as error:
        create(option_60, local(MONDAY, 10), answers=answers)
    message = " ".join(error.value.message_dict["screening"])
    assert "rf-saddle-numbness" in message and "ci-acute-medical" in message
    assert counts() == before


def test_a_fever_is_neither_asked_nor_judged_at_booking(working_therapist, option_60):
    assert "ci-fever" not in all_no(option_60)
    booking = create(option_60, local(MONDAY, 10), answers=all_no(option_60))
    assert not booking.appointment.needs_review
    with pytest.raises(ValidationError) as error:
        create(option_60, local(MONDAY, 12), answers=all_no(option_60) | {"ci-fever": True})
    assert "ci-fever" in " ".join(error.value.message_dict["screening"])


def test_unknown_codes_and_non_boolean_answers_are_refused(working_therapist, option_60):
    with pytest.raises(ValidationError) as error:
        create(option_60, local(MONDAY, 10), answers=all_no(option_60) | {"made-up": False, "rf-bladder": "maybe"})
    message = " ".join(error.value.message_dict["screening"])
    assert "made-up" in message and "rf-bladder" in message


def test_gluteal_treatment_needs_sensitive_area_consent(working_therapist):
    option = TreatmentOption.objects.filter(treatment_type__code="perfect-spot-12").first()
    with pytest.raises(ValidationError) as error:
        create(option, local(MONDAY, 10), sensitive_consents=[])
    assert online.SENSITIVE_CONSENT_REQUIRED in error.value.message_dict["consents"]
    booking = create(option, local(MONDAY, 10), sensitive_consents=["gluteal"])
    assert booking.submission.sensitive_consents == ["gluteal"]


def test_each_bad_field_is_named(working_therapist, option_60, counts):
    before = counts()
    with pytest.raises(ValidationError) as error:
        create(option_60, local(MONDAY, 10).replace(tzinfo=None), details=ClientDetails(" ", "nope", "12"),
               general_consent=False, policy_accepted=False)
    problems = error.value.message_dict
    assert set(problems) == {"client", "consents", "policy_accepted", "start"}
    assert {online.NAME_REQUIRED, online.EMAIL_INVALID, online.PHONE_INVALID} <= set(problems["client"])
    assert counts() == before


def test_taken_slot_raises_slot_taken_with_nearest_alternatives_first(working_therapist, option_60, counts):
    book(make_client(), option_60, local(MONDAY, 10), therapist=working_therapist)
    before = counts()
    with pytest.raises(SlotTaken) as taken:
        create(option_60, local(MONDAY, 10), therapist=working_therapist)
    alternatives = taken.value.alternatives
    assert 0 < len(alternatives) <= 6
    distances = [abs((s.start - local(MONDAY, 10)).total_seconds()) for s in alternatives]
    assert distances == sorted(distances)
    assert all(s.start != local(MONDAY, 10) for s in alternatives)
    assert counts() == before


def test_time_outside_hours_is_a_slot_refusal_with_alternatives(working_therapist, option_60):
    with pytest.raises(SlotTaken) as taken:
        create(option_60, local(MONDAY, 20))
    assert taken.value.alternatives


def test_repeated_idempotency_key_returns_the_first_booking(working_therapist, option_60):
    first = create(option_60, local(MONDAY, 10), idempotency_key="flow-1")
    second = create(option_60, local(MONDAY, 10), idempotency_key="flow-1")
    run_jobs()
    assert first.pk == second.pk
    assert OnlineBooking.objects.count() == 1 and Appointment.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("hours_before", "late"), [(23, True), (25, False)])
def test_cancellation_inside_the_accepted_window_is_late_and_outside_is_not(
    working_therapist, option_60, hours_before, late
):
    booking = create(option_60, local(MONDAY, 10))
    client_cancel(appointment=booking.appointment, now=local(MONDAY, 10) - timedelta(hours=hours_before))
    run_jobs()
    appointment = Appointment.objects.get(pk=booking.appointment_id)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.late_cancellation is late
    assert "METHOD:CANCEL" in str(mail.outbox[-1].attachments[0][1])


def test_the_window_accepted_at_booking_applies_after_the_policy_changes(working_therapist, option_60):
    booking = create(option_60, local(MONDAY, 10))
    BookingPolicy.objects.filter(pk=1).update(cancellation_window=timedelta(hours=2))
    client_cancel(appointment=booking.appointment, now=local(MONDAY, 10) - timedelta(hours=5))
    assert Appointment.objects.get(pk=booking.appointment_id).late_cancellation is True


def test_move_to_a_free_time_keeps_the_length_and_sends_an_email(
    working_therapist, option_60
):
    booking = create(option_60, local(MONDAY, 10), therapist=working_therapist)
    client_move(appointment=booking.appointment, starts_at=local(MONDAY, 10, 30), now=NOW)
    run_jobs()
    appointment = Appointment.objects.get(pk=booking.appointment_id)
    assert appointment.starts_at == local(MONDAY, 10, 30)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)
    assert mail.outbox[-1].subject.startswith("Your appointment has moved")


def test_move_with_no_preference_may_change_therapist_but_a_chosen_one_stays(working_therapist, option_60):
    other = make_therapist("Sam Okafor")
    add_hours(other)
    book(make_client(), option_60, local(MONDAY, 14), therapist=working_therapist)
    any_booking = create(option_60, local(MONDAY, 10), therapist=None)
    client_move(appointment=any_booking.appointment, starts_at=local(MONDAY, 14), now=NOW)
    assert Appointment.objects.get(pk=any_booking.appointment_id).therapist == other
    chosen = create(option_60, local(MONDAY, 11), therapist=working_therapist,
                    details=ClientDetails("Bo", "bo@example.com", "+1 416 555 0123"))
    with pytest.raises(SlotTaken) as taken:
        client_move(appointment=chosen.appointment, starts_at=local(MONDAY, 14), now=NOW)
    assert all(s.therapist_id == working_therapist.pk for s in taken.value.alternatives)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clients_confirming_the_same_slot_at_once_make_one_booking(settings):
    settings.TIME_ZONE = "America/Toronto"
    therapist = make_therapist("Maya Chen")
    add_hours(therapist)
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    answers = all_no(option)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def confirm(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(create(option, local(MONDAY, 10), therapist=therapist, answers=answers,
                                  details=ClientDetails(f"C{n}", f"c{n}@example.com", "+1 416 555 0100")))
        except SlotTaken as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(r).__name__ for r in results) == ["OnlineBooking", "SlotTaken"]
    assert Appointment.objects.count() == 1
    # The refused client left nothing behind.
    assert Client.objects.count() == 1
    taken = next(r for r in results if isinstance(r, SlotTaken))
    assert taken.alternatives
