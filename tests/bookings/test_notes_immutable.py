"""A signed note is immutable in the database: raw SQL cannot change or delete it or its
parts; addenda and the access log are insert-only; the models refuse first with the domain
error; the retention purge is the one narrow route to delete, and never to update."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from bookings.models import (
    AccessLog,
    BodyMapEntry,
    NoteAddendum,
    NoteChecklistItem,
    NoteReferral,
    RecordPurge,
    SessionNote,
)
from bookings.services import notes as services
from tests.factories import signed_note_with_parts, start_note

pytestmark = pytest.mark.django_db

PARTS = {
    "bookings_notechecklistitem": NoteChecklistItem,
    "bookings_bodymapentry": BodyMapEntry,
    "bookings_notereferral": NoteReferral,
}
PART_COLUMN = {
    "bookings_notechecklistitem": "remark",
    "bookings_bodymapentry": "referral_pattern",
    "bookings_notereferral": "client_told",
}


@pytest.fixture
def signed(client_person, therapist, option_60):
    return signed_note_with_parts(client_person, therapist, option_60)


def sql(statement: str, *params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, *params) -> None:
    # The savepoint keeps PostgreSQL's transaction usable after the refusal.
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(statement, *params)


def part_id(table: str, note: SessionNote) -> int:
    return PARTS[table].objects.filter(note=note).values_list("pk", flat=True).first()


def test_raw_update_and_delete_of_a_signed_note_fail(signed):
    refused("UPDATE bookings_sessionnote SET complaint = 'Rewritten' WHERE id = %s", signed.pk)
    refused(
        "UPDATE bookings_sessionnote SET status = 'draft', signed_at = NULL, signed_by_id = NULL "
        "WHERE id = %s",
        signed.pk,
    )
    refused("DELETE FROM bookings_sessionnote WHERE id = %s", signed.pk)
    assert SessionNote.objects.get(pk=signed.pk).complaint == "Original words"


@pytest.mark.parametrize("table", list(PARTS))
def test_raw_update_delete_and_insert_of_each_part_of_a_signed_note_fail(signed, table):
    pk = part_id(table, signed)
    assert pk is not None
    refused(f"UPDATE {table} SET {PART_COLUMN[table]} = 'Rewritten' WHERE id = %s", pk)
    refused(f"DELETE FROM {table} WHERE id = %s", pk)
    before = PARTS[table].objects.filter(note=signed).count()
    row = PARTS[table].objects.get(pk=pk)
    row.pk = None
    if table == "bookings_notechecklistitem":
        row.code = "x-added-later"
    elif table == "bookings_bodymapentry":
        row.side = "left"
    with pytest.raises(IntegrityError), transaction.atomic():
        PARTS[table].objects.bulk_create([row])  # no save(): straight to the database
    assert PARTS[table].objects.filter(note=signed).count() == before


def test_a_part_cannot_be_moved_onto_or_off_a_signed_note(signed, client_person, therapist, option_60):
    draft = start_note(client_person, therapist, option_60)
    services.referral_add(
        note=draft, referred_to="GP", urgency="routine", client_told="See your GP.", by=therapist.user
    )
    draft_referral = NoteReferral.objects.get(note=draft)
    refused("UPDATE bookings_notereferral SET note_id = %s WHERE id = %s", signed.pk, draft_referral.pk)
    refused(
        "UPDATE bookings_notereferral SET note_id = %s WHERE id = %s",
        draft.pk, part_id("bookings_notereferral", signed),
    )


def test_an_addendum_can_be_inserted_but_never_changed_or_deleted(signed, therapist):
    added = services.note_add_addendum(note=signed, by=therapist.user, reason="More", text="Also this.")
    assert NoteAddendum.objects.filter(note=signed).count() == 2
    refused("UPDATE bookings_noteaddendum SET text = 'Rewritten' WHERE id = %s", added.pk)
    refused("DELETE FROM bookings_noteaddendum WHERE id = %s", added.pk)
    assert NoteAddendum.objects.get(pk=added.pk).text == "Also this."


def test_the_access_log_is_insert_only(signed, therapist):
    row = services.access_record(user=therapist.user, action="view", obj=signed, client=signed.client)
    refused("UPDATE bookings_accesslog SET action = 'print' WHERE id = %s", row.pk)
    refused("DELETE FROM bookings_accesslog WHERE id = %s", row.pk)
    assert AccessLog.objects.get(pk=row.pk).action == "view"


def test_a_draft_and_its_parts_stay_writable(client_person, therapist, option_60):
    draft = start_note(client_person, therapist, option_60)
    services.referral_add(
        note=draft, referred_to="GP", urgency="routine", client_told="See your GP.", by=therapist.user
    )
    assert sql("UPDATE bookings_sessionnote SET complaint = 'Draft words' WHERE id = %s", draft.pk) == 1
    assert sql("UPDATE bookings_notereferral SET client_told = 'Later' WHERE note_id = %s", draft.pk) == 1
    assert sql("DELETE FROM bookings_notereferral WHERE note_id = %s", draft.pk) == 1


def test_the_models_refuse_with_the_domain_error_first(signed):
    signed.complaint = "Rewritten"
    for call in (signed.save, signed.delete):
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.code == "signed"
    signed.status = "draft"  # setting it back to draft in memory does not unsign it
    with pytest.raises(ValidationError):
        signed.save()
    for model in PARTS.values():
        row = model.objects.filter(note=signed).first()
        for call in (row.save, row.delete):
            with pytest.raises(ValidationError) as exc:
                call()
            assert exc.value.code == "signed"
        with pytest.raises(ValidationError):
            model.objects.filter(note=signed).update(note=signed)
    for row in (NoteAddendum.objects.first(), AccessLog.objects.first()):
        for call in (row.save, row.delete):
            with pytest.raises(ValidationError) as exc:
                call()
            assert exc.value.code == "append_only"
    with pytest.raises(ValidationError):
        SessionNote.objects.filter(pk=signed.pk).update(complaint="Rewritten")
    with pytest.raises(ValidationError):
        SessionNote.objects.filter(pk=signed.pk).delete()
    assert SessionNote.objects.get(pk=signed.pk).complaint == "Original words"


def test_the_retention_purge_route_deletes_but_never_updates(signed, client_person, therapist, option_60):
    kept = signed_note_with_parts(client_person, therapist, option_60)
    RecordPurge.objects.create(
        note_id=signed.pk, client_id=signed.client_id, reason="Retention period over"
    )
    refused("UPDATE bookings_sessionnote SET complaint = 'Rewritten' WHERE id = %s", signed.pk)
    refused("UPDATE bookings_noteaddendum SET text = 'Rewritten' WHERE note_id = %s", signed.pk)
    for table in (*PARTS, "bookings_noteaddendum"):
        sql(f"DELETE FROM {table} WHERE note_id = %s", signed.pk)
    sql("DELETE FROM bookings_sessionnote WHERE id = %s", signed.pk)
    sql("DELETE FROM bookings_accesslog WHERE client_id = %s", signed.client_id)
    assert not SessionNote.objects.filter(pk=signed.pk).exists()
    # Only the authorised note went: the other signed note of the same client stays guarded.
    refused("DELETE FROM bookings_sessionnote WHERE id = %s", kept.pk)
    refused("DELETE FROM bookings_noteaddendum WHERE note_id = %s", kept.pk)
    assert NoteChecklistItem.objects.filter(note=kept).exists()
