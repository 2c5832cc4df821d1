"""The checklist attached to a note: today's answers against the relevant items, a snapshot
that outlives catalogue edits, intake history for changed answers, avoid-area on the map."""

from __future__ import annotations

import pytest

from bookings.models import BodyMapEntry, NoteChecklistItem
from bookings.selectors.notes import checklist_for_note
from bookings.services import notes as services
from tests.factories import answer, start_note
from treatments import services as treatment_services
from treatments.models import ContraindicationAnswer, ContraindicationItem, HealthRecordChange

pytestmark = pytest.mark.django_db


def test_the_note_opens_with_the_clients_intake_answers_and_every_red_flag(note, therapist, client_person):
    answer(client_person, therapist.user, ci_acute_medical="yes")
    rows = {r.code: r for r in checklist_for_note(note)}
    assert rows["ci-acute-medical"].answer == "yes"
    red_flags = ContraindicationItem.objects.filter(code__startswith="rf-", active=True)
    assert set(red_flags.values_list("code", flat=True)) <= set(rows)


def test_the_snapshot_keeps_the_wording_after_the_catalogue_item_is_edited(note, therapist, manager):
    services.note_save_checklist(note=note, answers={"ci-fever": "no"}, by=therapist.user)
    snap = NoteChecklistItem.objects.get(note=note, code="ci-fever")
    original = snap.wording
    item = ContraindicationItem.objects.get(code="ci-fever")
    treatment_services.catalogue_item_revise(item=item, by=manager, wording="Reworded by the manager.")
    snap.refresh_from_db()
    assert snap.wording == original
    assert snap.version_id != ContraindicationItem.objects.get(code="ci-fever").current_version_id
    assert {r.code: r.wording for r in checklist_for_note(note)}["ci-fever"] == original


def test_an_answer_changed_today_is_recorded_in_the_intake_with_history(note, therapist, client_person):
    answer(client_person, therapist.user, ci_fever="no")
    before = HealthRecordChange.objects.count()
    services.note_save_checklist(note=note, answers={"ci-fever": "yes"}, by=therapist.user)
    assert ContraindicationAnswer.objects.get(intake__client=client_person, item__code="ci-fever").answer == "yes"
    assert HealthRecordChange.objects.count() == before + 1


def test_a_question_about_the_day_opens_unanswered_unless_asked_for_this_visit(note, therapist, client_person):
    # Answered after this visit's day (for another visit): not this visit's answer.
    answer(client_person, therapist.user, ci_fever="no")
    rows = {r.code: r for r in checklist_for_note(note)}
    assert rows["ci-fever"].answer == "not-asked"
    assert rows["ci-acute-medical"].answer == "not-asked"  # never answered


def test_an_unknown_answer_is_refused_and_nothing_is_stored(note, therapist):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.note_save_checklist(note=note, answers={"ci-fever": "maybe"}, by=therapist.user)
    assert not NoteChecklistItem.objects.filter(note=note).exists()


def test_avoid_area_sites_are_marked_avoided_on_the_body_map(note, therapist):
    verdict = services.note_save_checklist(note=note, answers={"ci-varicose": "yes"}, by=therapist.user)
    assert verdict.sites_to_avoid
    avoided = set(
        BodyMapEntry.objects.filter(note=note, avoided=True).values_list("site__code", flat=True)
    )
    assert avoided == set(verdict.sites_to_avoid)


def test_a_new_note_is_prefilled_from_the_clients_last_note(note, therapist, client_person, option_60):
    services.note_update(note=note, by=therapist.user, complaint="Buttock ache", plan="Weekly x4")
    later = start_note(client_person, therapist, option_60, days_ago=0)
    assert (later.complaint, later.plan) == ("Buttock ache", "Weekly x4")


def test_a_second_note_for_the_same_appointment_is_refused(note, therapist):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.note_create(appointment=note.appointment, by=therapist.user)
    assert exc.value.messages == [services.NOTE_EXISTS]


def test_another_therapist_cannot_start_or_write_the_note(note, other_therapist, therapist):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.note_update(note=note, by=other_therapist.user, complaint="x")
    with pytest.raises(ValidationError):
        services.note_create(appointment=note.appointment, by=other_therapist.user)
