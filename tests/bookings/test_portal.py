"""The client portal: one-time emailed sign-in links and a client's own bookings."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import AppointmentSource, AppointmentStatus, PortalToken
from bookings.portal_session import PORTAL_SESSION_KEY
from bookings.services import portal as service
from bookings.services.online import CLIENT_CANCEL_REASON, client_cancel
from bookings.views.manage import CANCELLED, NOT_CHANGEABLE
from tests.bookings.conftest import (
    MONDAY,
    NOW,
    add_hours,
    book,
    book_online,
    local,
    sign_into_portal,
)
from tests.conftest import run_jobs
from tests.factories import screened

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http\S+/portal/sign-in/(?P<token>[\w-]+)/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    caches["default"].clear()
    yield
    caches["default"].clear()


def request_link(client, email: str):
    # The worker makes the link and sends it: run the queued jobs.
    response = client.post(reverse("bookings:portal"), {"email": email})
    run_jobs()
    return response


def token_from_outbox() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match["token"]


def sign_in(client, email: str):
    request_link(client, email)
    token = token_from_outbox()
    return client.post(reverse("bookings:portal_sign_in", args=[token]))


def test_a_known_email_is_sent_a_one_time_sign_in_link(client, client_person):
    response = request_link(client, "ada@example.com")

    assert response.status_code == 302
    assert response.url == reverse("bookings:portal_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    token = token_from_outbox()
    # Only the hash is stored: the database alone cannot sign anyone in.
    row = PortalToken.objects.get(client=client_person)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert row.expires_at - row.created_at == timedelta(minutes=30)


def test_the_email_matches_whatever_the_letter_case(client, client_person):
    request_link(client, "  ADA@Example.COM ")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]


def test_an_unknown_email_gets_the_same_page_and_no_email(client, client_person):
    known = request_link(client, "ada@example.com")
    unknown = request_link(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert client.get(known.url).content == client.get(unknown.url).content
    assert len(mail.outbox) == 1
    assert PortalToken.objects.count() == 1


def test_a_malformed_email_is_explained_next_to_the_field(client, client_person):
    response = request_link(client, "not an email")

    assert response.status_code == 200
    assert service.EMAIL_INVALID in response.content.decode()
    assert 'id="error_1_id_email"' in response.content.decode()
    assert mail.outbox == []


def test_opening_the_link_asks_before_signing_in_so_mail_scanners_do_not_use_it_up(
    client, client_person
):
    request_link(client, "ada@example.com")
    url = reverse("bookings:portal_sign_in", args=[token_from_outbox()])

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # still unused
    assert PORTAL_SESSION_KEY not in client.session
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("bookings:portal_home")
    assert client.session[PORTAL_SESSION_KEY] == client_person.pk


def test_a_link_signs_in_only_once(client, client_person):
    request_link(client, "ada@example.com")
    url = reverse("bookings:portal_sign_in", args=[token_from_outbox()])
    assert client.post(url).status_code == 302
    client.post(reverse("bookings:portal_sign_out"))

    again = client.post(url)
    looked_at = client.get(url)

    for response in (again, looked_at):
        assert response.status_code == 410
        assert service.LINK_INVALID in response.content.decode()
        assert reverse("bookings:portal") in response.content.decode()  # ask for a new one
    assert PORTAL_SESSION_KEY not in client.session


def test_a_link_expires_after_thirty_minutes(client, client_person):
    with time_machine.travel(NOW, tick=False):
        request_link(client, "ada@example.com")
    url = reverse("bookings:portal_sign_in", args=[token_from_outbox()])

    with time_machine.travel(NOW + timedelta(minutes=30, seconds=1), tick=False):
        response = client.post(url)

    assert response.status_code == 410
    assert service.LINK_INVALID in response.content.decode()
    assert PORTAL_SESSION_KEY not in client.session
    assert PortalToken.objects.get().used_at is None


def test_a_link_still_works_just_before_it_expires(client, client_person):
    with time_machine.travel(NOW, tick=False):
        request_link(client, "ada@example.com")
        token = token_from_outbox()
    with time_machine.travel(NOW + timedelta(minutes=29, seconds=59), tick=False):
        response = client.post(reverse("bookings:portal_sign_in", args=[token]))

    assert response.status_code == 302


def test_a_made_up_token_is_refused_without_an_error_page(client):
    response = client.post(reverse("bookings:portal_sign_in", args=["made-up-token"]))

    assert response.status_code == 410


def test_the_portal_shows_only_the_signed_in_clients_appointments(
    client, client_person, other_client, therapist, other_therapist, option_60
):
    add_hours(therapist)
    add_hours(other_therapist)
    own = book(client_person, option_60, local(MONDAY, 10), therapist)
    book(other_client, option_60, local(MONDAY, 10), other_therapist)

    sign_in(client, "ada@example.com")
    page = client.get(reverse("bookings:portal_home")).content.decode()

    assert "Maya Chen" in page
    assert "Monday 23 November 2026 at 10:00 a.m." in page  # local clinic time
    assert own.treatment_type.name in page
    assert "Booked" in page
    assert "Sam Okafor" not in page  # the other client's appointment never shows
    assert other_client.first_name not in page


def test_upcoming_and_past_appointments_are_listed_apart(
    client, client_person, therapist, option_60
):
    add_hours(therapist)
    book(client_person, option_60, local(MONDAY, 10), therapist)
    book(client_person, option_60, local(MONDAY + timedelta(days=7), 11), therapist)

    with time_machine.travel(local(MONDAY + timedelta(days=1), 9), tick=False):
        sign_in(client, "ada@example.com")
        page = client.get(reverse("bookings:portal_home")).content.decode()

    upcoming, past = page.split('id="past-heading"')
    assert "Monday 30 November 2026 at 11:00 a.m." in upcoming
    assert "Monday 23 November 2026 at 10:00 a.m." in past


def test_the_portal_page_runs_in_a_fixed_number_of_queries(
    client, client_person, therapist, option_60, django_assert_max_num_queries
):
    add_hours(therapist)
    for hour in (9, 11, 13, 15):
        book(client_person, option_60, local(MONDAY, hour), therapist)
    sign_in(client, "ada@example.com")

    # 8, and one each for the questionnaires due and the treatment plans.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("bookings:portal_home"))
    assert response.content.decode().count("Maya Chen") == 4


def test_the_portal_needs_a_sign_in(client, client_person):
    response = client.get(reverse("bookings:portal_home"))

    assert response.status_code == 302
    assert response.url == reverse("bookings:portal")


def test_signing_out_ends_the_portal_session(client, client_person):
    sign_in(client, "ada@example.com")
    assert client.get(reverse("bookings:portal_home")).status_code == 200

    response = client.post(reverse("bookings:portal_sign_out"))

    assert response.status_code == 302
    assert PORTAL_SESSION_KEY not in client.session
    assert client.get(reverse("bookings:portal_home")).status_code == 302


def test_a_portal_sign_in_is_not_a_staff_login(client, client_person):
    sign_in(client, "ada@example.com")

    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_link_requests_past_the_limit_are_answered_429(client, client_person, settings):
    settings.BOOKING_RATE_LIMIT = "3/m"
    assert request_link(client, "not an email").status_code == 200  # a typo is not counted
    for _ in range(3):
        assert request_link(client, "nobody@example.com").status_code == 302

    response = request_link(client, "ada@example.com")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert mail.outbox == []  # the refused request sent nothing


def test_the_sign_in_email_carries_no_health_or_booking_information(
    client, client_person, therapist, option_60
):
    add_hours(therapist)
    screened(client_person, ci_hypertension_uncontrolled="yes")
    appointment = book(client_person, option_60, local(MONDAY, 10), therapist)
    assert appointment.needs_clearance

    request_link(client, "ada@example.com")

    message = mail.outbox[0]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and message.attachments == []
    text = f"{message.subject}\n{message.body}\n{html}".lower()
    for word in ("clearance", "screening", "contraindication", "red flag", "intake", "consent"):
        assert word not in text
    assert appointment.treatment_type.name.lower() not in text
    assert "maya chen" not in text
    assert "10:00" not in text


def test_token_expiry_is_enforced_by_the_database_both_ways(client_person):
    now = timezone.now()
    row = PortalToken(client=client_person, token_hash="a" * 64, created_at=now, expires_at=now)
    with pytest.raises(ValidationError):
        row.full_clean()
    with pytest.raises(IntegrityError):
        PortalToken.objects.create(
            client=client_person, token_hash="b" * 64, created_at=now, expires_at=now
        )


def test_the_portal_lists_the_clients_sent_home_care_sheets_only(
    client, client_person, other_client, therapist, option_60
):
    from bookings.models.notes import HomeCareAssignment, SessionNote
    from treatments.models import HomeCareSheet

    add_hours(therapist)
    sheets = list(HomeCareSheet.objects.order_by("pk")[:3])
    own = book(client_person, option_60, local(MONDAY, 10), therapist)
    other = book(other_client, option_60, local(MONDAY, 12), therapist)
    own_note = SessionNote.objects.create(
        appointment=own, client=client_person, therapist=therapist
    )
    other_note = SessionNote.objects.create(
        appointment=other, client=other_client, therapist=therapist
    )
    HomeCareAssignment.objects.create(
        note=own_note, client=client_person, sheet=sheets[0], sent_at=timezone.now()
    )
    HomeCareAssignment.objects.create(note=own_note, client=client_person, sheet=sheets[1])
    HomeCareAssignment.objects.create(
        note=other_note, client=other_client, sheet=sheets[2], sent_at=timezone.now()
    )

    sign_in(client, "ada@example.com")
    page = client.get(reverse("bookings:portal_home")).content.decode()

    assert sheets[0].title in page
    assert sheets[1].title not in page  # still a draft: not given to the client yet
    assert sheets[2].title not in page  # another client's sheet


def _request_work(client, email: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The SQL a link request runs (values masked) and the jobs it queues."""
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("bookings:portal"), {"email": email})
    assert response.status_code == 302
    jobs = DBTaskResult.objects.exclude(pk__in=before)
    return (
        [SQL_VALUES.sub("?", q["sql"]) for q in queries.captured_queries],
        [(job.task_path, len(job.args_kwargs["args"])) for job in jobs],
    )


SQL_VALUES = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def test_known_and_unknown_addresses_cost_the_request_the_same_work(client, client_person):
    known_sql, known_jobs = _request_work(client, "ada@example.com")
    unknown_sql, unknown_jobs = _request_work(client, "nobody@example.com")

    # The same statements (no lookup of the address on the request path), the same writes
    # and the same one job: the address is only looked up by the worker.
    assert known_sql == unknown_sql
    assert not any("clinic_client" in sql for sql in known_sql)
    assert known_jobs == unknown_jobs == [("bookings.tasks.issue_portal_link", 1)]
    assert PortalToken.objects.count() == 0 and mail.outbox == []
    run_jobs()
    assert PortalToken.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


@pytest.fixture
def online_monday(client_person, therapist, option_60):
    """Ada's own online booking on Monday 14:00, made on Friday NOW."""
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        return book_online(option_60, local(MONDAY, 14), therapist=therapist, email="ada@example.com")


def sections(page: str) -> dict[str, str]:
    """The portal page cut at its headings: upcoming, past, cancelled."""
    upcoming = page.split('id="upcoming-heading"', 1)[1].split('id="past-heading"', 1)[0]
    rest = page.split('id="past-heading"', 1)[1]
    past, _, cancelled = rest.partition('id="cancelled-heading"')
    return {"upcoming": upcoming, "past": past, "cancelled": cancelled}


def test_a_cancelled_booking_is_listed_as_cancelled_never_as_upcoming(
    client, client_person, online_monday, therapist, option_60
):
    with time_machine.travel(NOW, tick=False):
        book(client_person, option_60, local(MONDAY, 10), therapist)
        client_cancel(appointment=online_monday.appointment, now=NOW)
        sign_into_portal(client, client_person)
        page = client.get(reverse("bookings:portal_home")).content.decode()

    parts = sections(page)
    assert "Monday 23 November 2026 at 10:00 a.m." in parts["upcoming"]
    assert "Monday 23 November 2026 at 2:00 p.m." not in parts["upcoming"]
    assert "Monday 23 November 2026 at 2:00 p.m." in parts["cancelled"]
    assert "Monday 23 November 2026 at 2:00 p.m." not in parts["past"]
    assert portal_url("portal_cancel", online_monday.appointment) not in page


def portal_url(name: str, appointment) -> str:
    return reverse(f"bookings:{name}", args=[appointment.public_id])


def test_every_upcoming_booking_online_or_staff_links_to_move_and_cancel_and_past_ones_to_book_again(
    client, client_person, online_monday, therapist, option_60
):
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        book(client_person, option_60, local(MONDAY - timedelta(days=7), 10), therapist,
             now=NOW - timedelta(days=7))
    with time_machine.travel(NOW, tick=False):
        staff_booked = book(client_person, option_60, local(MONDAY, 10), therapist,
                            source=AppointmentSource.STAFF)
        sign_into_portal(client, client_person)
        page = client.get(reverse("bookings:portal_home")).content.decode()

    parts = sections(page)
    for appointment in (online_monday.appointment, staff_booked):
        assert portal_url("portal_move", appointment) in parts["upcoming"]
        assert portal_url("portal_cancel", appointment) in parts["upcoming"]
    assert "please call us" not in parts["upcoming"]
    assert "Monday 16 November 2026 at 10:00 a.m." in parts["past"]
    assert f'{reverse("bookings:book")}?treatment=trigger-point' in parts["past"]
    assert "/move/" not in parts["past"] and "/cancel/" not in parts["past"]


def test_the_client_cancels_an_online_booking_from_the_portal(
    client, client_person, online_monday, mailoutbox
):
    with time_machine.travel(NOW, tick=False):
        sign_into_portal(client, client_person)
        cancel_url = portal_url("portal_cancel", online_monday.appointment)
        asked = client.get(cancel_url)
        response = client.post(cancel_url)
        run_jobs()
        after = client.get(reverse("bookings:portal_home")).content.decode()

    assert asked.status_code == 200 and "Cancel your appointment?" in asked.content.decode()
    assert response.status_code == 302 and response.url == reverse("bookings:portal_home")
    appointment = online_monday.appointment
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancellation_reason == CLIENT_CANCEL_REASON
    assert [m.subject.split(" –")[0] for m in mailoutbox] == [
        "Your appointment is booked", "Your appointment is cancelled"]
    assert "Monday 23 November 2026 at 2:00 p.m." in sections(after)["cancelled"]
    assert CANCELLED in after


def test_the_client_moves_a_staff_booking_from_the_portal_keeping_its_therapist(
    client, client_person, therapist, other_therapist, option_60, mailoutbox, settings
):
    add_hours(therapist)
    add_hours(other_therapist)
    with time_machine.travel(NOW, tick=False):
        staff_booked = book(client_person, option_60, local(MONDAY, 10), therapist,
                            source=AppointmentSource.STAFF)
        sign_into_portal(client, client_person)
        move_url = portal_url("portal_move", staff_booked)
        form = client.get(move_url, {"day": MONDAY.isoformat()})
        response = client.post(move_url, {"start": local(MONDAY, 15).isoformat(), "day": MONDAY.isoformat()})
        run_jobs()

    assert form.status_code == 200 and local(MONDAY, 15).isoformat() in form.content.decode()
    assert response.status_code == 302 and response.url == reverse("bookings:portal_home")
    staff_booked.refresh_from_db()
    assert timezone.localtime(staff_booked.starts_at) == local(MONDAY, 15)
    assert staff_booked.therapist == therapist
    [moved] = mailoutbox
    assert moved.subject.startswith("Your appointment has moved")
    # No manage link for a staff booking: the email sends the client to their portal.
    assert f"To move or cancel again: {settings.SITE_URL}/portal/bookings/\n" in moved.body


@pytest.fixture
def staff_booked(client_person, therapist, option_60):
    """Ada's Monday 10:00 booked by the front desk on Friday NOW (no manage link)."""
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        return book(client_person, option_60, local(MONDAY, 10), therapist, source=AppointmentSource.STAFF)


def test_a_late_cancellation_of_a_staff_booking_is_late_under_its_own_window(
    client, client_person, staff_booked
):
    five_hours_before = local(MONDAY, 5)
    with time_machine.travel(five_hours_before, tick=False):
        sign_into_portal(client, client_person)
        asked = client.get(portal_url("portal_cancel", staff_booked)).content.decode()
        client.post(portal_url("portal_cancel", staff_booked))

    assert "This is a late cancellation." in asked and "24 hours" in asked
    staff_booked.refresh_from_db()
    assert staff_booked.status == AppointmentStatus.CANCELLED and staff_booked.late_cancellation


def test_what_the_rules_refuse_the_portal_cannot_do(
    client, client_person, other_client, online_monday, therapist, option_60, mailoutbox
):
    appointment = online_monday.appointment
    with time_machine.travel(NOW, tick=False):
        # Someone else takes 16:00; moving there is refused with the nearest free times.
        book(other_client, option_60, local(MONDAY, 16), therapist)
        sign_into_portal(client, client_person)
        taken = client.post(
            portal_url("portal_move", appointment),
            {"start": local(MONDAY, 16).isoformat(), "day": MONDAY.isoformat()},
        )
        client_cancel(appointment=appointment, now=NOW)
        again = client.post(portal_url("portal_cancel", appointment), follow=True)
        run_jobs()

    assert taken.status_code in (200, 409)
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.starts_at) == local(MONDAY, 14)
    assert NOT_CHANGEABLE in again.content.decode()
    assert [m.subject.split(" –")[0] for m in mailoutbox] == [
        "Your appointment is booked", "Your appointment is cancelled"]


def test_a_started_staff_booking_cannot_be_moved_or_cancelled_from_the_portal(
    client, client_person, staff_booked
):
    with time_machine.travel(local(MONDAY, 10, 5), tick=False):
        sign_into_portal(client, client_person)
        page = client.get(reverse("bookings:portal_home")).content.decode()
        refused = client.post(portal_url("portal_cancel", staff_booked), follow=True)

    assert portal_url("portal_cancel", staff_booked) not in page
    assert NOT_CHANGEABLE in refused.content.decode()
    staff_booked.refresh_from_db()
    assert staff_booked.status == AppointmentStatus.BOOKED


def test_another_clients_appointment_is_not_found_through_the_portal(
    client, client_person, other_client, therapist, option_60
):
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        theirs = book(other_client, option_60, local(MONDAY, 10), therapist,
                      source=AppointmentSource.STAFF)
        sign_into_portal(client, client_person)
        move = client.get(portal_url("portal_move", theirs))
        cancel = client.post(portal_url("portal_cancel", theirs))

    assert move.status_code == 404 and cancel.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED


def test_moving_or_cancelling_from_the_portal_needs_a_sign_in(client, client_person, therapist, option_60):
    add_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        appointment = book(client_person, option_60, local(MONDAY, 10), therapist)
        response = client.post(portal_url("portal_cancel", appointment))

    assert response.status_code == 302 and response.url == reverse("bookings:portal")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_site_header_links_to_the_portal(client, db):
    page = client.get(reverse("treatments:home")).content.decode()

    header = page.split("</header>", 1)[0]
    assert f'href="{reverse("bookings:portal")}"' in header
