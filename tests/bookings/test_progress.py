"""Progress over visits on the client's admin page, and what each role sees there."""

from __future__ import annotations

import pytest

from bookings.selectors.notes import progress_for_client
from bookings.services import notes as services
from tests.factories import start_note
from treatments.models import BodySite

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits(client_person, therapist, option_60):
    """Three visits: 7->6 (small change), 6->3 (meaningful), 5->5."""
    notes = []
    for days_ago, before, after in ((30, 7, 6), (20, 6, 3), (10, 5, 5)):
        note = start_note(client_person, therapist, option_60, days_ago=days_ago)
        services.note_update(note=note, by=therapist.user, pain_before=before, pain_after=after)
        notes.append(note)
    services.body_map_mark_treated(
        note=notes[1], sites=BodySite.objects.filter(code="piriformis"), by=therapist.user
    )
    return notes


def test_progress_lists_pain_per_visit_and_highlights_changes_of_two_points(client_person, visits):
    progress = progress_for_client(client_person)
    assert [(v.pain_before, v.pain_after) for v in progress.visits] == [(7, 6), (6, 3), (5, 5)]
    assert [v.meaningful for v in progress.visits] == [False, True, False]
    assert progress.svg.startswith("<svg") and progress.svg.count('class="meaningful"') == 2
    assert progress.visits[1].sites_treated == ("Piriformis, deep in the buttock (both)",)


def test_progress_query_count_does_not_grow_with_visits(client_person, visits, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        progress_for_client(client_person)
    with django_assert_max_num_queries(3):
        progress_for_client(client_person, last=None)


def test_progress_shows_the_most_recent_visits_and_counts_them_all(client_person, visits):
    progress = progress_for_client(client_person, last=2)
    assert [(v.pain_before, v.pain_after) for v in progress.visits] == [(6, 3), (5, 5)]
    assert progress.total == 3 and progress.partial
    assert progress.svg.count("<circle") == 4
    assert not progress_for_client(client_person).partial


def test_the_client_page_lists_recent_visits_with_a_link_to_all(client, client_person, visits, therapist, monkeypatch):
    monkeypatch.setattr("bookings.admin.clients.RECENT_VISITS", 2)
    client.force_login(therapist.user)
    url = f"/admin/clinic/client/{client_person.pk}/change/"
    body = client.get(url).content.decode()
    assert "The last 2 of 3 visits" in body and "Show all 3 visits" in body
    assert body.count('class="meaningful"><td>') + body.count("<tr><td>") >= 2
    every = client.get(url + "?visits=all").content.decode()
    assert "Show all" not in every and every.count("<circle") == 6


def test_the_client_page_shows_progress_and_record_links_to_the_treating_therapist(
    client, client_person, visits, therapist, django_assert_max_num_queries
):
    client.force_login(therapist.user)
    with django_assert_max_num_queries(40):
        page = client.get(f"/admin/clinic/client/{client_person.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="clinical"' in body and "pain-chart-title" in body and "(meaningful)" in body
    assert "Health intake" in body or "Start the health intake" in body


def test_front_desk_sees_contact_and_appointments_but_nothing_clinical(client, client_person, visits, front_desk):
    client.force_login(front_desk)
    page = client.get(f"/admin/clinic/client/{client_person.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "ada@example.com" in body and "Past appointments" in body
    assert 'id="clinical"' not in body and "pain-chart-title" not in body and "Health record" not in body


def test_another_therapist_sees_no_clinical_section(client, client_person, visits, other_therapist):
    client.force_login(other_therapist.user)
    page = client.get(f"/admin/clinic/client/{client_person.pk}/change/")
    assert page.status_code == 200
    assert 'id="clinical"' not in page.content.decode()


def test_the_notes_changelist_query_count_is_bounded(client, client_person, visits, manager, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        page = client.get("/admin/bookings/sessionnote/")
    assert page.status_code == 200 and page.context["cl"].result_count == 3
