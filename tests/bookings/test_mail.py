"""The email queue: queued with the change or not at all, sent once, retried, failures
shown to staff and resendable. Delivery is checked at a real SMTP server."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import emails
from bookings.models import EmailDelivery, EmailStatus
from bookings.selectors.availability import slots_available
from bookings.services.mail import NOT_FAILED, email_deliver, email_resend
from bookings.services.upkeep import upkeep_run
from tests.bookings.conftest import MONDAY, book, confirm_review, local, walk_to_review
from tests.conftest import run_jobs


@pytest.fixture
def appointment(working_therapist, client_person, option_60):
    return book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)


def test_an_email_queued_in_a_transaction_that_rolls_back_leaves_no_job(appointment):
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.email_booked(appointment)
        raise RuntimeError("the booking failed after the email was queued")

    assert not EmailDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert run_jobs() == 0 and mail.outbox == []


def test_an_email_queued_in_a_transaction_that_commits_has_exactly_one_job(appointment):
    with transaction.atomic():
        delivery = emails.email_booked(appointment)

    (job,) = DBTaskResult.objects.all()
    assert job.task_path == "bookings.tasks.deliver_email"
    assert job.args_kwargs["args"] == [delivery.pk]
    assert run_jobs() == 1
    assert [m.to for m in mail.outbox] == [[appointment.client.email]]


def test_the_same_event_queued_twice_is_one_email(appointment):
    first = emails.email_booked(appointment)
    second = emails.email_booked(appointment)

    assert first.pk == second.pk and DBTaskResult.objects.count() == 1
    run_jobs()
    assert len(mail.outbox) == 1


def test_a_job_that_runs_again_finds_its_email_sent_and_sends_nothing(appointment):
    delivery = emails.email_booked(appointment)
    assert email_deliver(delivery_id=delivery.pk) == EmailStatus.SENT
    assert email_deliver(delivery_id=delivery.pk) == "skipped"

    delivery.refresh_from_db()
    assert len(mail.outbox) == 1
    assert delivery.attempts == 1 and delivery.content == {}  # nothing kept once sent


def test_a_worker_killed_mid_job_is_recovered_by_the_sweep_and_sends_once(appointment, settings):
    settings.TASK_LOST_AFTER_SECONDS = 60
    emails.email_booked(appointment)
    # A worker claims the job and dies before running it: the job stays "running".
    job = DBTaskResult.objects.get()
    job.claim("dead-worker")
    assert run_jobs() == 0

    later = timezone.now() + timedelta(seconds=120)
    assert upkeep_run(name="lost-jobs", now=later) == "1 lost job(s), 1 email(s) queued again"
    job.refresh_from_db()
    assert job.status == "FAILED" and job.exception_class_path == "WorkerLost"
    assert run_jobs() == 1
    assert len(mail.outbox) == 1
    assert upkeep_run(name="lost-jobs", now=later) == "0 lost job(s), 0 email(s) queued again"


def test_smtp_down_retries_then_shows_failed_to_staff_and_resend_delivers_once(
    smtp_server, settings, appointment, front_desk, manager, client
):
    settings.EMAIL_MAX_ATTEMPTS = 3
    settings.EMAIL_RETRY_SECONDS = 0
    smtp_server.stop()
    delivery = emails.email_booked(appointment)

    assert run_jobs() == 3  # the first try and two retries
    delivery.refresh_from_db()
    assert delivery.status == EmailStatus.FAILED and delivery.attempts == 3
    assert "ConnectionRefusedError" in delivery.last_error
    assert smtp_server.messages == []

    # Staff see it on the appointment and in the queue page.
    client.force_login(front_desk)
    page = client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk])).content.decode()
    assert "after 3 tries" in page and "open to resend" in page
    client.force_login(manager)
    queue = client.get(reverse("admin:bookings_emaildelivery_changelist") + "?status__exact=failed")
    assert queue.status_code == 200
    assert '<td id="emails-failed">1</td>' in queue.content.decode()
    assert appointment.client.email in queue.content.decode()

    smtp_server.start()
    client.force_login(front_desk)
    resend = reverse("admin:bookings_emaildelivery_resend", args=[delivery.pk])
    assert client.post(resend).status_code == 302
    assert run_jobs() == 1
    delivery.refresh_from_db()
    assert delivery.status == EmailStatus.SENT
    assert len(smtp_server.messages) == 1
    assert b"Your appointment is booked" in smtp_server.messages[0]

    # Resending a sent email is refused; nothing more goes out.
    client.post(resend)
    with pytest.raises(Exception, match=NOT_FAILED):
        email_resend(delivery=delivery)
    assert run_jobs() == 0 and len(smtp_server.messages) == 1


def test_the_resend_page_refuses_a_get_and_staff_without_the_permission(
    appointment, client, therapist
):
    delivery = emails.email_booked(appointment)
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=EmailStatus.FAILED)
    resend = reverse("admin:bookings_emaildelivery_resend", args=[delivery.pk])
    client.force_login(therapist.user)
    assert client.post(resend).status_code == 403
    assert client.get(resend).status_code == 405


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_jobs_for_one_email_at_once_send_it_once(smtp_server, appointment):
    delivery = emails.email_booked(appointment)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver():
        try:
            barrier.wait()
            outcomes.append(email_deliver(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(smtp_server.messages) == 1


def test_the_queue_page_runs_in_a_fixed_number_of_queries(
    appointment, client, manager, django_assert_max_num_queries
):
    for _ in range(3):
        emails.email_moved(appointment)
    EmailDelivery.objects.update(status=EmailStatus.FAILED)
    run_jobs()
    client.force_login(manager)
    url = reverse("admin:bookings_emaildelivery_changelist")
    client.get(url)  # warm the session, the site's caches
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.status_code == 200
    assert '<td id="emails-failed">3</td>' in page.content.decode()


def test_a_booking_request_sends_no_email_itself_the_worker_does(working_therapist, option_60):
    browser = Client()
    slot = slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]
    walk_to_review(browser, option_60, slot)
    assert confirm_review(browser).status_code == 302

    assert mail.outbox == []  # nothing was sent while the client waited
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == ["bookings.tasks.deliver_email"]
    run_jobs()
    assert len(mail.outbox) == 1
