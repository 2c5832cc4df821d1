"""Questions fit for the public: the rewritten items are new versions (old answers and
notes keep the wording they were given), rf-dvt has its breathlessness follow-up that
makes the emergency escalation possible, and the admin shows what changed."""

from __future__ import annotations

import importlib
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from bookings.selectors.notes import checklist_for_note
from bookings.selectors.online import screening_versions
from bookings.services import notes as note_services
from tests.factories import start_note, visit_asked
from treatments.models import ContraindicationItem, ContraindicationVersion
from treatments.screening import screen
from treatments.selectors import catalogue_entries

pytestmark = pytest.mark.django_db

REWRITES = importlib.import_module("treatments.migrations.0005_plain_time_bound_questions").REWRITES


@pytest.mark.parametrize("code", sorted(REWRITES))
def test_each_rewritten_item_is_a_new_version_and_the_old_one_stays(code):
    item = ContraindicationItem.objects.select_related("current_version").get(code=code)
    rewritten = item.versions.get(version=2)
    assert rewritten.question == item.current_version.question == REWRITES[code]["question"]
    first = item.versions.get(version=1)
    assert first.question != rewritten.question


def test_an_old_note_still_shows_the_wording_it_was_answered_with(client, client_person, therapist, option_60):
    item = ContraindicationItem.objects.get(code="rf-infection")
    old, new = item.versions.get(version=1), item.versions.get(version=2)
    # The note was charted while version 1 was the catalogue's.
    item.current_version = old
    item.save(update_fields=["current_version"])
    note = start_note(client_person, therapist, option_60)
    note_services.note_save_checklist(note=note, answers=visit_asked(), by=therapist.user)
    note_services.note_sign(note=note, by=therapist.user)
    item.current_version = new
    item.save(update_fields=["current_version"])

    row = next(r for r in checklist_for_note(note) if r.code == "rf-infection")
    assert (row.version_id, row.wording) == (old.pk, old.wording)
    client.force_login(therapist.user)
    page = client.get(reverse("bookings:note_print", args=[note.public_id])).content.decode()
    assert escape(old.wording) in page and escape(new.wording) not in page


def test_a_new_note_is_asked_the_rewritten_question(client_person, therapist, option_60):
    note = start_note(client_person, therapist, option_60)
    row = next(r for r in checklist_for_note(note) if r.code == "rf-cancer")
    assert row.question == REWRITES["rf-cancer"]["question"]


def test_a_swollen_leg_with_breathlessness_is_an_emergency_and_alone_is_urgent():
    catalogue = catalogue_entries()
    alone = screen({"rf-dvt": "yes"}, "trigger-point", catalogue=catalogue)
    assert alone.referral == "urgent"
    both = screen({"rf-dvt": "yes", "rf-dvt-breathless": "yes"}, "trigger-point", catalogue=catalogue)
    assert both.referral == "emergency"
    assert both.finding("rf-dvt").escalated and both.finding("rf-dvt").action == "emergency"


def test_the_breathlessness_follow_up_is_asked_right_after_rf_dvt():
    codes = [e.code for e in catalogue_entries()]
    assert codes[codes.index("rf-dvt") + 1] == "rf-dvt-breathless"
    assert ContraindicationVersion.objects.get(item__code="rf-dvt-breathless").action == "emergency"


def test_the_admin_shows_what_changed_between_two_versions(client, manager):
    item = ContraindicationItem.objects.get(code="rf-cancer")
    old = item.versions.get(version=1)
    client.force_login(manager)
    page = client.get(reverse("admin:treatments_contraindicationitem_change", args=[item.pk])).content.decode()
    assert f"<del>{escape(old.question)}</del> <ins>{escape(REWRITES['rf-cancer']['question'])}</ins>" in page
    assert "first version" in page


def test_the_admin_shows_that_a_question_became_one_asked_on_the_day(client, manager):
    item = ContraindicationItem.objects.get(code="ci-fever")
    client.force_login(manager)
    page = client.get(reverse("admin:treatments_contraindicationitem_change", args=[item.pk])).content.decode()
    assert "<strong>asked on visit day</strong>: <del>False</del> <ins>True</ins>" in page
    # The manager edits it like any other part of the item (a change adds a version).
    assert re.search(r'<input type="checkbox" name="asked_on_visit_day"[^>]* checked>', page)


def test_infection_asks_one_thing_at_a_time_and_each_risk_factor_is_an_urgent_red_flag():
    entries = {e.code: e for e in catalogue_entries()}
    fever = entries["rf-infection"].question.lower()
    assert "fever" in fever and "inject" not in fever and "immun" not in fever
    drugs, immunity = entries["rf-infection-drugs"], entries["rf-infection-immunity"]
    assert "injected drugs" in drugs.question and "12 months" in drugs.question
    assert "at the moment" in immunity.question and "inject" not in immunity.question
    codes = list(entries)
    assert codes[codes.index("rf-infection") + 1 : codes.index("rf-infection") + 3] == [
        "rf-infection-drugs", "rf-infection-immunity"
    ]
    for code in ("rf-infection-drugs", "rf-infection-immunity"):
        verdict = screen({code: "yes"}, "deep-tissue", catalogue=entries.values())
        assert verdict.referral == "urgent" and not verdict.allowed


def test_the_new_infection_questions_are_asked_at_booking_and_old_answers_keep_their_wording(
    client_person, therapist, option_60
):
    asked = screening_versions(option_60.treatment_type)
    assert {"rf-infection-drugs", "rf-infection-immunity"} <= {v.item.code for v in asked["red_flags"]}
    first = ContraindicationItem.objects.get(code="rf-infection").versions.get(version=1)
    assert "inject" in first.question  # the compound question stays as it was answered
