"""The session gate: check-in and signing a note as treated are refused while a needed
clearance or regional consent is not on record, a red flag is unanswered for the visit or
screening forbids treatment; whoever booked (online or staff), the appointment records
the screening result."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.models import AppointmentSource, AppointmentStatus
from bookings.selectors.online import screening_versions
from bookings.selectors.screening import (
    CLEARANCE_MISSING,
    CONSENT_MISSING,
    RED_FLAGS_UNANSWERED,
    SCREENING_FORBIDS,
)
from bookings.services import notes as note_services
from bookings.services.appointments import appointment_book, appointment_set_status
from bookings.services.online import ClientDetails, online_booking_create
from bookings.services.submissions import submission_confirm_by_staff
from clinic.models import Client
from tests.bookings.conftest import MONDAY, NOW, local
from tests.factories import red_flags_no, screened
from treatments import services as treatment_services
from treatments.models import ConsentKind, ConsentMethod, TreatmentOption
from treatments.selectors import catalogue_entries

pytestmark = pytest.mark.django_db

CLEARANCE_ITEMS = [
    "ci-hypertension-uncontrolled",
    "ci-bleeding",
    "ci-recent-surgery",
    "ci-cancer",
]
GLUTEAL = ["perfect-spot-6", "perfect-spot-12"]
CHECK_IN_AT = (MONDAY, 9, 55)
SIGN_AT = (MONDAY, 11, 30)


def test_the_table_covers_every_clearance_item_of_the_catalogue(db):
    assert sorted(
        e.code for e in catalogue_entries() if e.action == "clearance" or e.requires_clearance
    ) == sorted(CLEARANCE_ITEMS)


def option_for(treatment_code: str) -> TreatmentOption:
    return TreatmentOption.objects.filter(treatment_type__code=treatment_code, active=True).first()


def book_online(option, answers: dict[str, bool], starts_at=None):
    asked = screening_versions(option.treatment_type)
    all_no = {v.item.code: False for v in asked["red_flags"] + asked["relevant"]}
    region = option.treatment_type.sensitive_region
    booking = online_booking_create(
        option=option,
        starts_at=starts_at or local(MONDAY, 10),
        therapist=None,
        details=ClientDetails(name="Nia Online", email="nia@example.com", phone="+1 416 555 0142"),
        answers=all_no | answers,
        sensitive_consents=[region] if region else [],
        general_consent=True,
        policy_accepted=True,
        now=NOW,
    )
    # The client confirms at the desk: what they submitted enters their record.
    submission_confirm_by_staff(submission=booking.submission, by=None, now=NOW)
    return booking.appointment


def book_staff(option, client, answers: dict[str, str]):
    screened(client, **{code.replace("-", "_"): value for code, value in answers.items()})
    return appointment_book(
        client=client, option=option, starts_at=local(MONDAY, 10),
        source=AppointmentSource.STAFF, now=NOW,
    )


def check_in(appointment):
    return appointment_set_status(
        appointment=appointment, from_status=AppointmentStatus.BOOKED,
        to_status=AppointmentStatus.CHECKED_IN,
    )


def sign_as_treated(appointment, therapist):
    """Chart the session completely (checklist, modification, referral) and sign it."""
    note = note_services.note_create(appointment=appointment, by=therapist.user)
    note_services.note_save_checklist(note=note, answers={}, by=therapist.user)
    note_services.note_update(
        note=note, by=therapist.user, treated=True, modification="Pressure 2 at most; no deep work."
    )
    note_services.referral_add(
        note=note, referred_to="Family doctor", urgency="routine",
        client_told="Ask your doctor to review this before the next course.", by=therapist.user,
    )
    return note_services.note_sign(note=note, by=therapist.user)


def codes(exc_info) -> set[str]:
    return {e.code for e in exc_info.value.error_list}


def record_clearance(client, code: str) -> None:
    treatment_services.clearance_record(
        client=client, given_by="Dr Rivera", given_on=date(2026, 11, 1), items=[code], by=None
    )


def book(source, option, client_person, answers):
    if source == "online":
        return book_online(option, {code: value == "yes" for code, value in answers.items()})
    return book_staff(option, client_person, answers)


@pytest.mark.parametrize("source", ["online", "staff"])
@pytest.mark.parametrize("code", CLEARANCE_ITEMS)
def test_without_the_clearance_check_in_and_signing_as_treated_are_refused(
    working_therapist, client_person, time_machine, source, code
):
    appointment = book(source, option_for("deep-tissue"), client_person, {code: "yes"})
    assert appointment.needs_clearance and not appointment.needs_consent

    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(CLEARANCE_MISSING)) as refused:
        check_in(appointment)
    assert codes(refused) == {"needs_clearance"}
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED

    time_machine.move_to(local(*SIGN_AT))
    with pytest.raises(ValidationError, match=re.escape(CLEARANCE_MISSING)) as refused:
        sign_as_treated(appointment, working_therapist)
    assert codes(refused) == {"needs_clearance"}
    assert not appointment.note.is_signed


@pytest.mark.parametrize("source", ["online", "staff"])
@pytest.mark.parametrize("code", CLEARANCE_ITEMS)
def test_with_the_clearance_check_in_and_signing_as_treated_pass(
    working_therapist, client_person, time_machine, source, code
):
    appointment = book(source, option_for("deep-tissue"), client_person, {code: "yes"})
    record_clearance(appointment.client, code)

    time_machine.move_to(local(*CHECK_IN_AT))
    assert check_in(appointment).status == AppointmentStatus.CHECKED_IN
    assert not appointment.needs_clearance  # check-in refreshed the schedule's flag
    time_machine.move_to(local(*SIGN_AT))
    assert sign_as_treated(appointment, working_therapist).is_signed


def remove_consent(appointment) -> None:
    """Online bookings of gluteal work carry the consent given online: withdraw it."""
    for consent in treatment_services.Consent.objects.filter(
        intake__client=appointment.client, kind=ConsentKind.SENSITIVE_AREA
    ):
        treatment_services.consent_withdraw(consent=consent, by=None, now=NOW)


def give_consent(client, **kwargs) -> None:
    treatment_services.consent_give(
        client=client, kind=ConsentKind.SENSITIVE_AREA, region="gluteal",
        method=ConsentMethod.WRITTEN, by=None, now=NOW, **kwargs,
    )


@pytest.mark.parametrize("source", ["online", "staff"])
@pytest.mark.parametrize("treatment", GLUTEAL)
def test_without_gluteal_consent_check_in_and_signing_as_treated_are_refused(
    working_therapist, client_person, time_machine, source, treatment
):
    appointment = book(source, option_for(treatment), client_person, {})
    if source == "online":
        remove_consent(appointment)
    else:
        assert appointment.needs_consent

    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(CONSENT_MISSING)) as refused:
        check_in(appointment)
    assert codes(refused) == {"needs_consent"}
    appointment.refresh_from_db()
    assert appointment.needs_consent and appointment.status == AppointmentStatus.BOOKED

    time_machine.move_to(local(*SIGN_AT))
    with pytest.raises(ValidationError, match=re.escape(CONSENT_MISSING)):
        sign_as_treated(appointment, working_therapist)


@pytest.mark.parametrize("source", ["online", "staff"])
@pytest.mark.parametrize("treatment", GLUTEAL)
def test_with_gluteal_consent_check_in_and_signing_as_treated_pass(
    working_therapist, client_person, time_machine, source, treatment
):
    appointment = book(source, option_for(treatment), client_person, {})
    if source == "staff":
        give_consent(appointment.client)

    time_machine.move_to(local(*CHECK_IN_AT))
    assert check_in(appointment).status == AppointmentStatus.CHECKED_IN
    time_machine.move_to(local(*SIGN_AT))
    assert sign_as_treated(appointment, working_therapist).is_signed


def test_an_expired_gluteal_consent_stops_the_session(working_therapist, client_person, time_machine):
    appointment = book("staff", option_for("perfect-spot-12"), client_person, {})
    give_consent(client_person, given_at=NOW - timedelta(days=400), expires_at=NOW - timedelta(days=35))
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(CONSENT_MISSING)):
        check_in(appointment)


def test_consent_withdrawn_after_the_checklist_stops_the_signature(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("perfect-spot-6"), client_person, {})
    give_consent(client_person)
    time_machine.move_to(local(*CHECK_IN_AT))
    check_in(appointment)
    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    note_services.note_save_checklist(note=note, answers={}, by=working_therapist.user)
    remove_consent(appointment)
    with pytest.raises(ValidationError, match=re.escape(CONSENT_MISSING)):
        note_services.note_sign(note=note, by=working_therapist.user)


def test_unanswered_red_flags_stop_check_in_and_signing_as_treated(
    working_therapist, client_person, time_machine
):
    appointment = appointment_book(
        client=client_person, option=option_for("deep-tissue"), starts_at=local(MONDAY, 10),
        source=AppointmentSource.STAFF, now=NOW,
    )
    assert appointment.needs_review  # a staff booking of a client never screened is flagged
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(RED_FLAGS_UNANSWERED)) as refused:
        check_in(appointment)
    assert codes(refused) == {"red_flags_unanswered"}

    # Answered on the record, but not asked on this visit's checklist: the note refuses.
    screened(client_person)
    check_in(appointment)
    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    note_services.note_save_checklist(
        note=note, answers={"rf-dvt": "not-asked"}, by=working_therapist.user
    )
    with pytest.raises(ValidationError, match=re.escape(RED_FLAGS_UNANSWERED)):
        note_services.note_sign(note=note, by=working_therapist.user)
    note_services.note_save_checklist(note=note, answers=red_flags_no(), by=working_therapist.user)
    assert note_services.note_sign(note=note, by=working_therapist.user).is_signed


def test_a_refusing_verdict_stops_check_in_without_naming_the_condition(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("deep-tissue"), client_person, {"ci-fever": "yes"})
    assert appointment.needs_review
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError) as refused:
        check_in(appointment)
    assert refused.value.messages == [SCREENING_FORBIDS]
    assert "fever" not in SCREENING_FORBIDS.lower()


def test_a_not_treated_note_signs_without_the_gate(working_therapist, client_person, time_machine):
    appointment = book("staff", option_for("perfect-spot-12"), client_person, {})
    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    note_services.note_save_checklist(note=note, answers={}, by=working_therapist.user)
    note_services.note_update(note=note, by=working_therapist.user, treated=False)
    assert note_services.note_sign(note=note, by=working_therapist.user).is_signed


def test_every_booking_path_records_the_screening(working_therapist, client_person):
    screened(client_person, ci_hypertension_uncontrolled="yes")
    staff = book_staff(option_for("perfect-spot-6"), client_person, {})
    assert (staff.needs_clearance, staff.needs_consent, staff.needs_review) == (True, True, False)
    online = book_online(option_for("deep-tissue"), {"ci-bleeding": True}, local(MONDAY, 14))
    assert online.source == "online" and online.needs_clearance and not online.needs_consent
    assert Client.objects.count() == 2
