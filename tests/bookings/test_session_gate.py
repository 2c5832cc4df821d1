"""The session gate: check-in and signing a note as treated are refused while a needed
clearance or regional consent is not on record, a red flag is unanswered for the visit or
screening forbids treatment; whoever booked (online or staff), the appointment records
the screening result."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Appointment, AppointmentSource, AppointmentStatus
from bookings.selectors.notes import checklist_for_note
from bookings.selectors.online import screening_versions
from bookings.selectors.screening import (
    CLEARANCE_MISSING,
    CONSENT_MISSING,
    NOT_TODAY,
    RED_FLAGS_UNANSWERED,
    SCREENING_FORBIDS,
    TODAY_UNANSWERED,
)
from bookings.services import notes as note_services
from bookings.services.appointments import (
    appointment_book,
    appointment_reschedule,
    appointment_set_status,
)
from bookings.services.online import ClientDetails, client_move, online_booking_create
from bookings.services.submissions import submission_confirm_by_staff
from clinic.models import Client
from tests.bookings.conftest import MONDAY, NOW, local
from tests.factories import past_appointment, red_flags_no, screened, today_no, visit_asked
from treatments import services as treatment_services
from treatments.models import (
    Consent,
    ConsentKind,
    ConsentMethod,
    ContraindicationAnswer,
    ContraindicationItem,
    HealthRecordChange,
    TreatmentOption,
)
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


def check_in(appointment, today=None):
    """Check in, the client answering 'no' to today's questions unless `today` says."""
    return appointment_set_status(
        appointment=appointment, from_status=AppointmentStatus.BOOKED,
        to_status=AppointmentStatus.CHECKED_IN,
        today_answers=today_no(appointment) if today is None else today,
    )


def sign_as_treated(appointment, therapist):
    """Chart the session completely (the red flags asked, modification, referral) and sign it."""
    note = note_services.note_create(appointment=appointment, by=therapist.user)
    note_services.note_save_checklist(note=note, answers=red_flags_no(), by=therapist.user)
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
    note_services.note_save_checklist(note=note, answers=visit_asked(), by=working_therapist.user)
    assert note_services.note_sign(note=note, by=working_therapist.user).is_signed


def test_red_flags_answered_before_this_visit_are_asked_again_before_signing_as_treated(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("deep-tissue"), client_person, {})  # all 'no' on record
    time_machine.move_to(local(*CHECK_IN_AT))
    check_in(appointment)  # the front desk does not ask them: the record's answers do here
    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    rows = {r.code: r for r in checklist_for_note(note)}
    assert rows["rf-bladder"].answer == "not-asked" and rows["rf-bladder"].intake_answer == "no"
    note_services.note_save_checklist(note=note, answers={}, by=working_therapist.user)
    with pytest.raises(ValidationError, match=re.escape(RED_FLAGS_UNANSWERED)):
        note_services.note_sign(note=note, by=working_therapist.user)
    note_services.note_save_checklist(note=note, answers=red_flags_no(), by=working_therapist.user)
    assert note_services.note_sign(note=note, by=working_therapist.user).is_signed
    answer = ContraindicationAnswer.objects.get(intake__client=client_person, item__code="rf-bladder")
    assert answer.answered_at >= local(*SIGN_AT)  # asked again, at this visit


def test_a_refusing_verdict_stops_check_in_without_naming_the_condition(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("deep-tissue"), client_person, {"ci-acute-medical": "yes"})
    assert appointment.needs_review
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError) as refused:
        check_in(appointment)
    assert refused.value.messages == [SCREENING_FORBIDS]
    assert "acute" not in SCREENING_FORBIDS.lower()


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


# -- The questions about the day of the visit: asked and judged at check-in, not booking --

ON_THE_DAY_DO_NOT_TREAT = ["ci-fever", "ci-intoxicated"]


def test_booking_neither_asks_nor_judges_the_questions_about_the_day(working_therapist, client_person):
    asked = screening_versions(option_for("deep-tissue").treatment_type)
    for group in asked.values():
        assert not {v.item.code for v in group} & {"ci-fever", "ci-intoxicated", "ci-feedback-meds"}
    # A fever recorded at an earlier visit says nothing about the next one.
    screened(client_person, ci_fever="yes", ci_intoxicated="yes")
    staff = book_staff(option_for("deep-tissue"), client_person, {})
    assert not (staff.needs_review or staff.needs_clearance)
    online = book_online(option_for("deep-tissue"), {}, local(MONDAY, 14))
    assert not online.needs_review


def test_an_online_booking_refuses_an_answer_about_the_day_as_not_asked(working_therapist):
    with pytest.raises(ValidationError) as refused:
        book_online(option_for("deep-tissue"), {"ci-fever": True})
    assert "answers_unknown" in {e.code for e in refused.value.error_dict["screening"]}


@pytest.mark.parametrize("source", ["online", "staff"])
@pytest.mark.parametrize("code", ON_THE_DAY_DO_NOT_TREAT)
def test_yes_today_refuses_check_in_and_signing_and_offers_another_day(
    working_therapist, client_person, time_machine, source, code
):
    appointment = book(source, option_for("deep-tissue"), client_person, {})
    assert not appointment.needs_review

    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(NOT_TODAY)) as refused:
        check_in(appointment, today_no(appointment) | {code: "yes"})
    assert codes(refused) == {"not_today"}
    assert "fever" not in NOT_TODAY.lower() and "alcohol" not in NOT_TODAY.lower()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED and appointment.needs_review
    # The answer is on the record, with who and when, and still refuses a second attempt.
    answer = ContraindicationAnswer.objects.get(intake__client=appointment.client, item__code=code)
    assert answer.answer == "yes" and answer.answered_at >= local(*CHECK_IN_AT)
    change = HealthRecordChange.objects.filter(record_id=answer.pk, record_type="treatments.contraindicationanswer")
    assert change.latest("id").changes["answer"] == [None, "yes"]
    with pytest.raises(ValidationError, match=re.escape(NOT_TODAY)):
        check_in(appointment, {})

    time_machine.move_to(local(*SIGN_AT))
    with pytest.raises(ValidationError, match=re.escape(NOT_TODAY)):
        sign_as_treated(appointment, working_therapist)


@pytest.mark.parametrize("source", ["online", "staff"])
def test_unanswered_questions_about_the_day_refuse_check_in_and_signing(
    working_therapist, client_person, time_machine, source
):
    appointment = book(source, option_for("deep-tissue"), client_person, {})
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(TODAY_UNANSWERED)) as refused:
        check_in(appointment, {})
    assert codes(refused) == {"today_unanswered"}

    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    note_services.note_save_checklist(note=note, answers=red_flags_no(), by=working_therapist.user)
    with pytest.raises(ValidationError, match=re.escape(TODAY_UNANSWERED)):
        note_services.note_sign(note=note, by=working_therapist.user)


@pytest.mark.parametrize("source", ["online", "staff"])
def test_no_today_checks_in_and_signs(working_therapist, client_person, time_machine, source):
    appointment = book(source, option_for("deep-tissue"), client_person, {})
    time_machine.move_to(local(*CHECK_IN_AT))
    assert check_in(appointment, today_no(appointment)).status == AppointmentStatus.CHECKED_IN
    time_machine.move_to(local(*SIGN_AT))
    note = sign_as_treated(appointment, working_therapist)
    assert note.is_signed
    # The checklist opened with the answers given at check-in for this visit.
    assert {r.code: r.answer for r in note.checklist.all()}["ci-fever"] == "no"


@pytest.mark.parametrize("by_client", [False, True])
def test_moving_a_visit_refused_for_today_clears_its_review_flag(
    working_therapist, client_person, time_machine, by_client
):
    """A fever at check-in refuses today's session and flags the appointment; moved to
    another day, the visit is screened again, and an answer about the old day no longer
    flags it (the new day's questions are asked at its own check-in)."""
    appointment = book("staff", option_for("deep-tissue"), client_person, {})
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(NOT_TODAY)):
        check_in(appointment, today_no(appointment) | {"ci-fever": "yes"})
    appointment.refresh_from_db()
    assert appointment.needs_review

    later = appointment.starts_at + timedelta(days=7)
    if by_client:
        client_move(appointment=appointment, starts_at=later)
    else:
        appointment_reschedule(appointment=appointment, starts_at=later, by_staff=True, by=working_therapist.user)
    appointment.refresh_from_db()
    assert appointment.starts_at == later
    assert not (appointment.needs_review or appointment.needs_clearance or appointment.needs_consent)
    # On the new day the questions about the day are asked again, and a yes refuses again.
    time_machine.move_to(local(*CHECK_IN_AT) + timedelta(days=7))
    with pytest.raises(ValidationError, match=re.escape(TODAY_UNANSWERED)):
        check_in(appointment, {})


def test_moving_keeps_the_flags_the_record_still_calls_for(working_therapist, client_person):
    screened(client_person, ci_hypertension_uncontrolled="yes")
    appointment = book_staff(option_for("deep-tissue"), client_person, {})
    assert appointment.needs_clearance
    moved = appointment_reschedule(
        appointment=appointment, starts_at=appointment.starts_at + timedelta(days=1), by_staff=True, now=NOW
    )
    moved.refresh_from_db()
    assert moved.needs_clearance and not moved.needs_review


def test_answers_about_an_earlier_day_do_not_count_for_this_visit(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("deep-tissue"), client_person, {})
    time_machine.move_to(local(MONDAY, 9, 55) - timedelta(days=1))
    treatment_services.answers_record(
        intake=treatment_services.intake_get_or_create(client=client_person, by=None),
        answers=today_no(appointment), by=None,
    )
    time_machine.move_to(local(*CHECK_IN_AT))
    with pytest.raises(ValidationError, match=re.escape(TODAY_UNANSWERED)):
        check_in(appointment, {})


def test_painkillers_today_check_in_and_ask_for_a_modification(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("deep-tissue"), client_person, {})
    time_machine.move_to(local(*CHECK_IN_AT))
    check_in(appointment, today_no(appointment) | {"ci-feedback-meds": "yes"})
    time_machine.move_to(local(*SIGN_AT))
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    verdict = note_services.note_save_checklist(note=note, answers=red_flags_no(), by=working_therapist.user)
    assert verdict.may_start and verdict.finding("ci-feedback-meds").action == "modify"
    assert verdict.finding("ci-feedback-meds").visit_day
    with pytest.raises(ValidationError, match=re.escape(note_services.MODIFICATION_REQUIRED)):
        note_services.note_sign(note=note, by=working_therapist.user)
    note_services.note_update(note=note, by=working_therapist.user, modification="Pressure 2 at most.")
    assert note_services.note_sign(note=note, by=working_therapist.user).is_signed


def test_check_in_records_only_questions_about_the_day_as_yes_or_no(
    working_therapist, client_person, time_machine
):
    appointment = book("staff", option_for("perfect-spot-6"), client_person, {})
    give_consent(client_person)
    time_machine.move_to(local(*CHECK_IN_AT))
    # Painkillers matter to deep and trigger-point work only: not asked for this treatment.
    with pytest.raises(ValidationError) as refused:
        check_in(appointment, today_no(appointment) | {"ci-feedback-meds": "no"})
    assert codes(refused) == {"today_not_asked"}
    with pytest.raises(ValidationError) as refused:
        check_in(appointment, {"ci-fever": "not-asked"})
    assert codes(refused) == {"today_yes_or_no"}
    assert appointment.client.health_intake.answers.filter(item__code="ci-fever").count() == 0
    assert check_in(appointment).status == AppointmentStatus.CHECKED_IN


def test_a_checklist_cannot_answer_the_day_before_the_visit(working_therapist, client_person, time_machine):
    time_machine.move_to(NOW)
    appointment = book("staff", option_for("deep-tissue"), client_person, {})
    note = note_services.note_create(appointment=appointment, by=working_therapist.user)
    with pytest.raises(ValidationError) as refused:
        note_services.note_save_checklist(note=note, answers=visit_asked(), by=working_therapist.user)
    assert codes(refused) == {"today_too_early"}
    note_services.note_save_checklist(note=note, answers=red_flags_no(), by=working_therapist.user)


# -- The schedule's flags follow clearances and consents recorded or withdrawn later --------


def test_a_clearance_recorded_later_clears_the_flag_of_upcoming_appointments_only(
    client, manager, working_therapist, client_person, time_machine
):
    time_machine.move_to(NOW)
    upcoming = book_staff(option_for("deep-tissue"), client_person, {"ci-hypertension-uncontrolled": "yes"})
    earlier = past_appointment(client_person, working_therapist, option_for("deep-tissue"), days_ago=3)
    Appointment.objects.filter(pk=earlier.pk).update(needs_clearance=True)
    assert upcoming.needs_clearance

    client.force_login(manager)
    item = ContraindicationItem.objects.get(code="ci-hypertension-uncontrolled")
    response = client.post(
        reverse("admin:treatments_medicalclearance_add"),
        {"client": client_person.pk, "given_by": "Dr Rivera", "given_on": "2026-11-01", "items": [item.pk]},
    )
    assert response.status_code == 302
    upcoming.refresh_from_db()
    earlier.refresh_from_db()
    assert not upcoming.needs_clearance
    assert earlier.needs_clearance  # what was recorded for a past visit stays as it was


def test_consent_given_then_withdrawn_in_the_admin_moves_the_consent_flag(
    client, manager, working_therapist, client_person, time_machine
):
    time_machine.move_to(NOW)
    visit = appointment_book(
        client=client_person, option=option_for("perfect-spot-12"), starts_at=local(MONDAY, 10),
        source=AppointmentSource.STAFF, now=NOW,
    )
    assert visit.needs_consent
    client.force_login(manager)
    response = client.post(
        reverse("admin:treatments_healthintake_add"),
        {
            "client": str(client_person.pk), "pregnant": "not-asked",
            "answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0",
            "consents-TOTAL_FORMS": "1", "consents-INITIAL_FORMS": "0",
            "consents-0-kind": "sensitive-area", "consents-0-region": "gluteal",
            "consents-0-method": "written", "consents-0-given_at_0": "2026-11-20",
            "consents-0-given_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    visit.refresh_from_db()
    assert not visit.needs_consent

    consent = Consent.objects.get(intake__client=client_person)
    response = client.post(
        reverse("admin:treatments_consent_changelist"),
        {"action": "withdraw", "_selected_action": [consent.pk]},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.needs_consent


def test_confirming_an_online_submission_refreshes_the_clients_other_appointments(
    working_therapist, client_person, time_machine
):
    time_machine.move_to(NOW)
    staff = appointment_book(
        client=client_person, option=option_for("deep-tissue"), starts_at=local(MONDAY, 14),
        source=AppointmentSource.STAFF, now=NOW,
    )
    assert staff.needs_review  # never screened
    Client.objects.filter(pk=client_person.pk).update(email="nia@example.com")
    book_online(option_for("deep-tissue"), {})  # confirmed at the desk: the answers enter the record
    staff.refresh_from_db()
    assert not staff.needs_review
