"""Signing: refused while screening forbids treatment or a needed referral/modification is
missing; a signed note is read-only everywhere; corrections are addenda."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bookings.models import NoteAddendum, SessionNote
from bookings.models.notes import NoteStatus, ReferralUrgency
from bookings.services import notes as services
from tests.factories import answer, visit_asked

pytestmark = pytest.mark.django_db


def messages_of(exc_info) -> list[str]:
    return exc_info.value.messages


def test_signing_as_treated_is_refused_while_the_verdict_forbids_treatment(note, therapist, client_person):
    answer(client_person, therapist.user, ci_acute_medical="yes")
    verdict = services.note_save_checklist(note=note, answers={}, by=therapist.user)
    assert not verdict.allowed
    with pytest.raises(ValidationError) as exc:
        services.note_sign(note=note, by=therapist.user)
    assert services.SIGN_TREATED_FORBIDDEN in messages_of(exc)
    assert SessionNote.objects.get(pk=note.pk).status == NoteStatus.DRAFT


def test_an_emergency_red_flag_needs_a_recorded_referral_and_then_signs_as_not_treated(
    note, therapist
):
    services.note_save_checklist(note=note, answers={"rf-bladder": "yes"}, by=therapist.user)
    services.note_update(note=note, by=therapist.user, treated=False)
    with pytest.raises(ValidationError) as exc:
        services.note_sign(note=note, by=therapist.user)
    assert messages_of(exc) == [services.REFERRAL_REQUIRED]

    services.referral_add(
        note=note, referred_to="Emergency department", urgency=ReferralUrgency.EMERGENCY,
        client_told="Go to the emergency department now.", by=therapist.user,
    )
    signed = services.note_sign(note=note, by=therapist.user)
    assert signed.is_signed and signed.signed_by == therapist.user and signed.signed_at
    assert not signed.treated


def test_a_modify_finding_requires_the_modification_to_be_written(note, therapist):
    services.note_save_checklist(
        note=note, answers={**visit_asked(), "ci-lubricant-allergy": "yes"}, by=therapist.user
    )
    with pytest.raises(ValidationError) as exc:
        services.note_sign(note=note, by=therapist.user)
    assert messages_of(exc) == [services.MODIFICATION_REQUIRED]
    services.note_update(note=note, by=therapist.user, modification="Unscented oil-free lotion.")
    assert services.note_sign(note=note, by=therapist.user).is_signed


def test_signing_needs_the_checklist_confirmed_first(note, therapist):
    with pytest.raises(ValidationError) as exc:
        services.note_sign(note=note, by=therapist.user)
    assert messages_of(exc) == [services.CHECKLIST_MISSING]


def test_only_the_treating_therapist_signs(clear_note, other_therapist, manager):
    for user in (other_therapist.user, manager):
        with pytest.raises(ValidationError) as exc:
            services.note_sign(note=clear_note, by=user)
        assert messages_of(exc) == [services.ONLY_AUTHOR_SIGNS]


def test_signing_twice_is_refused(clear_note, therapist):
    services.note_sign(note=clear_note, by=therapist.user)
    with pytest.raises(ValidationError) as exc:
        services.note_sign(note=clear_note, by=therapist.user)
    assert messages_of(exc) == [services.ALREADY_SIGNED]


def test_the_service_refuses_to_change_a_signed_note(clear_note, therapist):
    services.note_update(note=clear_note, by=therapist.user, complaint="Original words")
    services.note_sign(note=clear_note, by=therapist.user)
    for call in (
        lambda: services.note_update(note=clear_note, by=therapist.user, complaint="Rewritten"),
        lambda: services.note_save_checklist(note=clear_note, answers={}, by=therapist.user),
        lambda: services.referral_add(
            note=clear_note, referred_to="GP", urgency="routine", client_told="See GP", by=therapist.user
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert messages_of(exc) == [services.ALREADY_SIGNED]
    assert SessionNote.objects.get(pk=clear_note.pk).complaint == "Original words"


def test_queryset_update_and_delete_of_a_signed_note_are_blocked(clear_note, therapist):
    services.note_sign(note=clear_note, by=therapist.user)
    with pytest.raises(ValidationError):
        SessionNote.objects.filter(pk=clear_note.pk).update(complaint="Rewritten")
    with pytest.raises(ValidationError):
        SessionNote.objects.filter(pk=clear_note.pk).delete()
    assert SessionNote.objects.get(pk=clear_note.pk).complaint == clear_note.complaint


def test_the_admin_refuses_to_change_a_signed_note(client, clear_note, therapist):
    services.note_update(note=clear_note, by=therapist.user, complaint="Original words")
    services.note_sign(note=clear_note, by=therapist.user)
    client.force_login(therapist.user)
    url = f"/admin/bookings/sessionnote/{clear_note.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="complaint"' not in page.content  # read-only
    response = client.post(url, {"complaint": "Rewritten", "treated": "on"})
    assert response.status_code == 403
    assert SessionNote.objects.get(pk=clear_note.pk).complaint == "Original words"


def test_a_draft_is_charted_and_signed_through_the_admin_form(client, clear_note, therapist):
    client.force_login(therapist.user)
    url = f"/admin/bookings/sessionnote/{clear_note.pk}/change/"
    data = {
        "treated": "on", "complaint": "Ache in the left buttock", "pain_before": "6",
        "pain_after": "3", "below_knee": "", "tingling_numbness": "",
        "_sign": "Save and sign",
    }
    for prefix in ("body_map", "referrals", "addenda"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    fresh = SessionNote.objects.get(pk=clear_note.pk)
    assert (fresh.complaint, fresh.pain_before, fresh.pain_after) == ("Ache in the left buttock", 6, 3)
    assert fresh.is_signed


def test_out_of_range_pain_is_a_form_error_and_nothing_is_saved(client, clear_note, therapist):
    client.force_login(therapist.user)
    url = f"/admin/bookings/sessionnote/{clear_note.pk}/change/"
    data = {"treated": "on", "complaint": "Changed", "pain_before": "11"}
    for prefix in ("body_map", "referrals", "addenda"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert b"less than or equal to 10" in response.content
    assert SessionNote.objects.get(pk=clear_note.pk).complaint == ""


def test_an_addendum_keeps_author_and_reason_and_the_original_stays(client, clear_note, therapist):
    services.note_update(note=clear_note, by=therapist.user, complaint="Original words")
    services.note_sign(note=clear_note, by=therapist.user)
    client.force_login(therapist.user)
    response = client.post(
        f"/admin/bookings/sessionnote/{clear_note.pk}/addendum/",
        {"reason": "Wrong side recorded", "text": "Pain was in the right buttock."},
    )
    assert response.status_code == 302
    addendum = NoteAddendum.objects.get(note=clear_note)
    assert (addendum.author, addendum.reason) == (therapist.user, "Wrong side recorded")
    assert SessionNote.objects.get(pk=clear_note.pk).complaint == "Original words"
    page = client.get(f"/admin/bookings/sessionnote/{clear_note.pk}/change/")
    assert b"Pain was in the right buttock." in page.content and b"Original words" in page.content


def test_addenda_are_append_only(clear_note, therapist):
    services.note_sign(note=clear_note, by=therapist.user)
    addendum = services.note_add_addendum(note=clear_note, by=therapist.user, reason="r", text="t")
    addendum.text = "changed"
    with pytest.raises(ValidationError):
        addendum.save()
    with pytest.raises(TypeError):
        NoteAddendum.objects.filter(pk=addendum.pk).update(text="changed")


def test_an_addendum_needs_a_reason_and_a_signed_note(clear_note, therapist):
    with pytest.raises(ValidationError) as exc:
        services.note_add_addendum(note=clear_note, by=therapist.user, reason="r", text="t")
    assert messages_of(exc) == [services.ADDENDUM_ONLY_ON_SIGNED]
    services.note_sign(note=clear_note, by=therapist.user)
    with pytest.raises(ValidationError):
        services.note_add_addendum(note=clear_note, by=therapist.user, reason="  ", text="t")
    assert not NoteAddendum.objects.exists()
