"""The only code that sends email: queue a client email with its event, send it from a worker.

`email_queue` writes the message as an `EmailDelivery` row and enqueues its job in the
caller's transaction, so a change that rolls back leaves neither, and a committed one
always has both. `email_deliver` (run by the worker) sends a row that is still queued
while holding its lock, and marks it sent in the same transaction. A failed send is tried
again later with growing waits; after the last try the row is `failed`, which staff see
on the appointment and in the queue page, and can resend.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from bookings.models import EmailDelivery, EmailStatus
from bookings.tasks import deliver_email

logger = logging.getLogger(__name__)

NOT_FAILED = "Only an email that failed can be sent again."


def _message_id(key: str) -> str:
    # The same Message-ID for every attempt of one event, so a mail system that sees the
    # message twice (a worker killed between the server's "accepted" and our commit) can
    # tell it is one message.
    domain = settings.CLINIC_EMAIL.rpartition("@")[2] or "clinic.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _text(content: str | bytes) -> dict:
    if isinstance(content, bytes):
        return {"base64": base64.b64encode(content).decode("ascii")}
    return {"text": content}


def _untext(stored: dict) -> str | bytes:
    return base64.b64decode(stored["base64"]) if "base64" in stored else stored["text"]


def _content(message: EmailMultiAlternatives) -> dict:
    return {
        "from": message.from_email,
        "body": message.body,
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in message.alternatives],
        "attachments": [
            [name, _text(content), mimetype] for name, content, mimetype in message.attachments
        ],
    }


def _message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    content = delivery.content
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=content["body"],
        from_email=content["from"],
        to=[delivery.to],
        headers=content["headers"],
        alternatives=[tuple(a) for a in content["alternatives"]],
    )
    for name, stored, mimetype in content["attachments"]:
        message.attach(name, _untext(stored), mimetype)
    return message


def _enqueue(delivery: EmailDelivery, *, run_after: datetime | None = None) -> None:
    job = deliver_email.using(run_after=run_after) if run_after else deliver_email
    job.enqueue(delivery.pk)


def email_queue(
    *,
    message: EmailMultiAlternatives,
    key: str,
    kind: str,
    appointment_id: int | None = None,
    now: datetime | None = None,
) -> EmailDelivery:
    """Queue `message` (one recipient) as the email of the event named `key`.

    Runs in the caller's transaction. An event already queued is not queued again."""
    now = now or timezone.now()
    (to,) = message.to
    message.extra_headers.setdefault("Message-ID", _message_id(key))
    with transaction.atomic():
        delivery, created = EmailDelivery.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "to": to,
                "subject": message.subject[:200],
                "content": _content(message),
                "appointment_id": appointment_id,
                "created_at": now,
                "next_attempt_at": now,
            },
        )
        if created:
            _enqueue(delivery)
    return delivery


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 4 ** (attempts - 1))


def _failed(delivery_id: int, exc: Exception) -> str:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .filter(pk=delivery_id, status=EmailStatus.QUEUED)
            .first()
        )
        if delivery is None:
            return "skipped"
        delivery.attempts += 1
        # Staff see this; logs get the class only (SMTP errors can quote the address).
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if delivery.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            delivery.status = EmailStatus.FAILED
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
            _enqueue(delivery, run_after=delivery.next_attempt_at)
        delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "email %s attempt %s failed (%s)%s",
        delivery.pk,
        delivery.attempts,
        type(exc).__name__,
        "; giving up" if delivery.status == EmailStatus.FAILED else "",
    )
    return delivery.status


def email_deliver(*, delivery_id: int) -> str:
    """Send the queued email `delivery_id` once; return what became of it.

    The row is locked from before the send until it is marked sent, so a second job for
    the same email waits and then finds it sent. A worker killed mid-send leaves the row
    queued (its transaction never commits) and the lost-job sweep queues it again."""
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        return _failed(delivery_id, exc)
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.select_for_update().filter(pk=delivery_id).first()
            if delivery is None or delivery.status != EmailStatus.QUEUED:
                return "skipped"
            connection.send_messages([_message(delivery)])
            EmailDelivery.objects.filter(pk=delivery_id).update(
                status=EmailStatus.SENT,
                sent_at=timezone.now(),
                attempts=delivery.attempts + 1,
                content={},
                last_error="",
            )
        return EmailStatus.SENT
    except Exception as exc:
        return _failed(delivery_id, exc)
    finally:
        connection.close()


def email_resend(*, delivery: EmailDelivery, now: datetime | None = None) -> EmailDelivery:
    """Queue a failed email again, with a fresh set of attempts."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = EmailDelivery.objects.filter(pk=delivery.pk, status=EmailStatus.FAILED).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=now
        )
        if updated != 1:
            raise ValidationError(NOT_FAILED, code="not_failed")
        delivery.refresh_from_db()
        _enqueue(delivery)
    logger.info("email %s queued again by staff", delivery.pk)
    return delivery


def emails_requeue_lost(*, now: datetime | None = None) -> int:
    """Queue again every email whose job should have run long ago: its worker died.

    Safe to run twice at once, and harmless when the old job does run after all: the
    extra job finds the email sent and does nothing."""
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.TASK_LOST_AFTER_SECONDS)
    count = 0
    for pk in EmailDelivery.objects.filter(
        status=EmailStatus.QUEUED, next_attempt_at__lt=lost_before
    ).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = EmailDelivery.objects.filter(
                pk=pk, status=EmailStatus.QUEUED, next_attempt_at__lt=lost_before
            ).update(next_attempt_at=now)
            if claimed:
                _enqueue(EmailDelivery(pk=pk))
                count += claimed
    if count:
        logger.warning("%s email(s) queued again after their worker was lost", count)
    return count
