"""Online booking by clients: screen, match or create the client, keep what they
submitted with the booking, book, and keep what the client accepted.

`online_booking_create` is the one entry point for the public pages and `POST /api/bookings`.
Order matters for privacy: input is validated and the client screened *before* anything is
written, so someone we refuse (emergency, urgent, do-not-treat) leaves no client record and
no health answers behind. Everything else happens in one transaction; the confirmation
email goes out on commit.

Anyone can type anyone's email address. So a booking attaches to the client with that
address, but what was typed (name, phone, answers, consents) stays with the booking as an
`OnlineSubmission`, screened for that booking, until the person proves control of the
address (`bookings.services.submissions`). Nothing here reads or changes the matched
client's record, and the answer is the same whether the address was known or not.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bookings import emails, errors, rules
from bookings.models import (
    Appointment,
    AppointmentSource,
    BookingPolicy,
    OnlineBooking,
    OnlineSubmission,
)
from bookings.selectors.availability import Slot
from bookings.selectors.online import (
    nearest_slots,
    screening_verdict,
    screening_versions,
    therapist_free_at,
)
from bookings.selectors.screening import SessionScreening
from bookings.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from bookings.services.submissions import new_confirmation_token
from clinic.models import Client, Therapist
from clinic.validation import validate_row
from treatments.models import ContraindicationVersion, SensitiveRegion, TreatmentOption
from treatments.screening import Verdict
from treatments.selectors import catalogue_current

# Messages in words a client understands; tests and views match on these constants.
NAME_REQUIRED = "Please tell us your name."
NAME_TOO_LONG = "Please shorten your name to 160 characters or fewer."
EMAIL_INVALID = "Please enter an email address like name@example.com."
PHONE_INVALID = "Please enter a phone number we can call, e.g. +1 416 555 0100."
ANSWERS_MISSING = "Please answer every health question with yes or no: %(codes)s."
ANSWERS_UNKNOWN = "These are not questions we ask: %(codes)s."
ANSWERS_NOT_YES_NO = "Each health answer must be yes or no (true or false): %(codes)s."
GENERAL_CONSENT_REQUIRED = "Please confirm that you consent to treatment."
SENSITIVE_CONSENT_REQUIRED = (
    "This treatment works on the buttock area; please give your consent for it, or choose "
    "another treatment."
)
SENSITIVE_REGION_UNKNOWN = "We do not know the area %(regions)s."
POLICY_REQUIRED = "Please read and accept the cancellation policy."
START_NAIVE = "Please choose one of the offered times."
OPTION_UNAVAILABLE = "That treatment cannot be booked online; please call the clinic."
THERAPIST_UNAVAILABLE = "That therapist does not offer this treatment; please choose another."
SCREENING_REFUSED = "We cannot book this treatment for you online."
SLOT_GONE = "That time has just been taken. Please choose one of the nearest free times."
CLIENT_CANCEL_REASON = "Cancelled by the client online."
IDEMPOTENCY_KEY_REUSED = (
    "This Idempotency-Key was already used for a different booking request. Send a new key "
    "for a new request, or repeat the first request exactly."
)

PHONE_CHARS = re.compile(r"^[0-9+()\-. ]+$")
MAX_ALTERNATIVES = 6



@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


class ScreeningRefused(ValidationError):
    """The screening verdict forbids booking (emergency, urgent or do-not-treat)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__({"screening": [SCREENING_REFUSED]}, code="screening_refused")
        self.verdict = verdict
        self.referral: str = verdict.referral or "do-not-treat"
        self.advice: list[str] = list(verdict.client_advice)
        self.findings: list[dict[str, str]] = [
            {"code": f.code, "action": f.action} for f in verdict.findings
        ]


class KeyReused(ValidationError):
    """The idempotency key belongs to another request: refused, never answered with it."""

    def __init__(self) -> None:
        super().__init__(IDEMPOTENCY_KEY_REUSED, code="idempotency_key_reused")


class SlotTaken(ValidationError):
    """The time is no longer free; `alternatives` are the nearest free slots."""

    def __init__(self, alternatives: list[Slot], message: str = SLOT_GONE) -> None:
        super().__init__({"start": [message]}, code="slot_taken")
        self.alternatives = alternatives


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = " ".join(name.split()).partition(" ")
    return first, last


def _validate_details(details: ClientDetails, problems: dict[str, list[ValidationError]]) -> None:
    name = (details.name or "").strip()
    if not name:
        problems.setdefault("client", []).append(ValidationError(NAME_REQUIRED, code="name_required"))
    elif len(name) > 160:
        problems.setdefault("client", []).append(ValidationError(NAME_TOO_LONG, code="name_too_long"))
    try:
        validate_email((details.email or "").strip())
    except ValidationError:
        problems.setdefault("client", []).append(ValidationError(EMAIL_INVALID, code="email_invalid"))
    phone = (details.phone or "").strip()
    digits = sum(c.isdigit() for c in phone)
    if not PHONE_CHARS.match(phone) or not 7 <= digits <= 15 or len(phone) > 32:
        problems.setdefault("client", []).append(ValidationError(PHONE_INVALID, code="phone_invalid"))


def _validate_screening(
    *,
    option: TreatmentOption,
    answers: Mapping[str, Any],
    problems: dict[str, list[ValidationError]],
    catalogue: list[ContraindicationVersion],
) -> bool:
    """Add missing, unknown or non-boolean answers to `problems`; True when complete."""
    asked = screening_versions(option.treatment_type, catalogue=catalogue)
    known = {v.item.code for v in asked["all"]}
    required = [v.item.code for v in asked["red_flags"] + asked["relevant"]]
    unknown = sorted(set(answers) - known)
    not_bool = sorted(c for c, v in answers.items() if c in known and not isinstance(v, bool))
    missing = [c for c in required if c not in answers]
    messages = []
    if missing:
        messages.append(ValidationError(ANSWERS_MISSING, code="answers_missing", params={"codes": ", ".join(missing)}))
    if unknown:
        messages.append(ValidationError(ANSWERS_UNKNOWN, code="answers_unknown", params={"codes": ", ".join(unknown)}))
    if not_bool:
        messages.append(
            ValidationError(ANSWERS_NOT_YES_NO, code="answers_not_yes_no", params={"codes": ", ".join(not_bool)})
        )
    if messages:
        problems.setdefault("screening", []).extend(messages)
    return not messages


def _validate_consents(
    *,
    option: TreatmentOption,
    sensitive_consents: Collection[str],
    general_consent: bool,
    problems: dict[str, list[ValidationError]],
) -> None:
    if general_consent is not True:
        problems.setdefault("consents", []).append(
            ValidationError(GENERAL_CONSENT_REQUIRED, code="general_consent_required")
        )
    unknown = sorted(set(sensitive_consents) - set(SensitiveRegion.values))
    if unknown:
        problems.setdefault("consents", []).append(
            ValidationError(
                SENSITIVE_REGION_UNKNOWN, code="sensitive_region_unknown", params={"regions": ", ".join(unknown)}
            )
        )
    region = option.treatment_type.sensitive_region
    if region and region not in sensitive_consents:
        problems.setdefault("consents", []).append(
            ValidationError(SENSITIVE_CONSENT_REQUIRED, code="sensitive_consent_required")
        )


def _client_for(details: ClientDetails) -> Client:
    """The client with this email (any case), or a new one made from the details.

    A matched client's record is neither read out nor changed here: the details typed
    are kept with the booking (`OnlineSubmission`) until the email is confirmed."""
    email = details.email.strip()
    client = Client.objects.select_for_update().filter(email__iexact=email).first()
    if client is not None:
        return client
    first, last = _split_name(details.name)
    client = Client(first_name=first, last_name=last, email=email, phone=details.phone.strip())
    # Uniqueness (the email, any case) is the database's to refuse, caught below.
    validate_row(client)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        # Another booking created this client a moment ago (unique email, any case).
        client = Client.objects.select_for_update().get(email__iexact=email)
    return client


def _same_name(typed: str, client: Client) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(client.full_name.split()).casefold()


def _same_phone(typed: str, client: Client) -> bool:
    """The same number, written with or without the country code and punctuation."""
    a, b = ("".join(c for c in value if c.isdigit()) for value in (typed, client.phone))
    short, long = sorted((a, b), key=len)
    return len(short) >= 7 and long.endswith(short)


def request_fingerprint(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    details: ClientDetails,
    answers: Mapping[str, Any],
    sensitive_consents: Collection[str],
    general_consent: bool,
    policy_accepted: bool,
    requester: str,
) -> str:
    """SHA-256 of the canonical request and who sent it, which an idempotency key is bound
    to: the same key answers the same request only."""
    canonical = {
        "option": option.pk,
        "start": starts_at.timestamp() if isinstance(starts_at, datetime) else str(starts_at),
        "therapist": therapist.pk if therapist else None,
        "name": " ".join((details.name or "").split()),
        "email": (details.email or "").strip().lower(),
        "phone": (details.phone or "").strip(),
        "answers": {str(k): v for k, v in answers.items()},
        "sensitive": sorted(set(sensitive_consents)),
        "general": general_consent,
        "policy": policy_accepted,
        "requester": requester,
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _start_refusal(
    exc: ValidationError,
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    now: datetime,
) -> ValidationError:
    """Translate a refusal from the scheduling service into the online booking's errors,
    by its code (`bookings.errors.ROUTES`)."""
    code = errors.first_code(exc)
    route = errors.route(code)
    if route.offer_other_times:
        return SlotTaken(
            nearest_slots(option=option, starts_at=starts_at, therapist=therapist, now=now)
        )
    if route.field == "therapist":
        return ValidationError({"therapist": [ValidationError(THERAPIST_UNAVAILABLE, code=code)]})
    if route.field == "option":
        return ValidationError({"option": [ValidationError(OPTION_UNAVAILABLE, code=code)]})
    if code == "naive":
        return ValidationError({"start": [ValidationError(START_NAIVE, code=code)]})
    if route.field:
        return ValidationError({route.field: exc.error_list})
    return exc


def online_booking_create(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    details: ClientDetails,
    answers: Mapping[str, bool],
    sensitive_consents: Collection[str],
    general_consent: bool,
    policy_accepted: bool,
    idempotency_key: str | None = None,
    requester: str = "",
    now: datetime | None = None,
) -> OnlineBooking:
    """Book `option` at `starts_at` for a client booking online, or raise why not.

    Raises `ScreeningRefused` (nothing written) when the answers forbid treatment, even if
    other fields are also wrong: safety advice comes first. Raises a `ValidationError`
    whose `message_dict` names `client`, `screening`, `consents`, `policy_accepted`,
    `start`, `therapist` or `option` for bad input, and `SlotTaken` with the nearest free
    times when the time is not (or no longer) free. A repeated `idempotency_key` with the
    same request (and `requester`, who sent it) returns the booking made with it; with any
    other request it raises `KeyReused`.
    """
    now = now or timezone.now()
    idempotency_key = (idempotency_key or "").strip() or None
    fingerprint = request_fingerprint(
        option=option,
        starts_at=starts_at,
        therapist=therapist,
        details=details,
        answers=answers,
        sensitive_consents=sensitive_consents,
        general_consent=general_consent,
        policy_accepted=policy_accepted,
        requester=requester,
    )
    if idempotency_key:
        existing = _by_key(idempotency_key, fingerprint)
        if existing is not None:
            return existing

    option = TreatmentOption.objects.select_related("treatment_type").get(pk=option.pk)
    try:
        rules.check_option_bookable(option, source=AppointmentSource.ONLINE)
    except ValidationError as exc:
        raise ValidationError(
            {"option": [ValidationError(OPTION_UNAVAILABLE, code=errors.first_code(exc))]}
        ) from exc

    problems: dict[str, list[ValidationError]] = {}
    catalogue = catalogue_current()
    complete = _validate_screening(option=option, answers=answers, problems=problems, catalogue=catalogue)
    _validate_consents(
        option=option,
        sensitive_consents=sensitive_consents,
        general_consent=general_consent,
        problems=problems,
    )
    verdict = None
    if complete:
        verdict = screening_verdict(
            option=option, answers=answers, sensitive_consents=sensitive_consents, now=now,
            catalogue=catalogue,
        )
        if not verdict.allowed:
            raise ScreeningRefused(verdict)
    _validate_details(details, problems)
    if policy_accepted is not True:
        problems.setdefault("policy_accepted", []).append(
            ValidationError(POLICY_REQUIRED, code="policy_required")
        )
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        problems.setdefault("start", []).append(ValidationError(START_NAIVE, code="naive"))
    if problems:
        raise ValidationError(problems)
    assert verdict is not None

    try:
        with transaction.atomic():
            booking = _create(
                option=option,
                starts_at=starts_at,
                therapist=therapist,
                details=details,
                answers=answers,
                sensitive_consents=sensitive_consents,
                verdict=verdict,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                now=now,
            )
    except IntegrityError:
        # The same confirmation raced itself past the first check: the other one won.
        existing = _by_key(idempotency_key, fingerprint) if idempotency_key else None
        if existing is None:
            raise
        return existing
    except ValidationError as exc:
        if isinstance(exc, (ScreeningRefused, SlotTaken)):
            raise
        existing = _by_key(idempotency_key, fingerprint) if idempotency_key else None
        if existing is not None:
            return existing
        raise _start_refusal(
            exc, option=option, starts_at=starts_at, therapist=therapist, now=now
        ) from exc
    return booking


def _by_key(key: str, fingerprint: str) -> OnlineBooking | None:
    """The booking made with `key`, when it was made by this very request."""
    booking = (
        OnlineBooking.objects.select_related(
            "appointment__therapist", "appointment__treatment_type", "appointment__option",
            "submission",
        )
        .filter(idempotency_key=key)
        .first()
    )
    if booking is not None and not secrets.compare_digest(booking.request_fingerprint, fingerprint):
        raise KeyReused()
    return booking


def _create(
    *,
    option: TreatmentOption,
    starts_at: datetime,
    therapist: Therapist | None,
    details: ClientDetails,
    answers: Mapping[str, bool],
    sensitive_consents: Collection[str],
    verdict: Verdict,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> OnlineBooking:
    client = _client_for(details)
    appointment = appointment_book(
        client=client,
        option=option,
        starts_at=starts_at,
        therapist=therapist,
        source=AppointmentSource.ONLINE,
        now=now,
        screening=SessionScreening(verdict=verdict),
    )
    policy = BookingPolicy.current()
    # The window the client accepts is the one recorded on the appointment.
    booking = OnlineBooking(
        appointment=appointment,
        manage_token=secrets.token_urlsafe(32),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        therapist_chosen=therapist is not None,
        policy_text=policy.cancellation_policy_text,
        cancellation_window_hours=int(appointment.cancellation_window.total_seconds()) // 3600,
        accepted_at=now,
        findings=[{"code": f.code, "action": f.action} for f in verdict.findings],
    )
    validate_row(booking, trusted=["appointment"])
    booking.save()
    token, token_hash = new_confirmation_token()
    submission = OnlineSubmission(
        booking=booking,
        name=" ".join(details.name.split()),
        email=details.email.strip(),
        phone=details.phone.strip(),
        answers={code: bool(value) for code, value in answers.items()},
        general_consent=True,
        sensitive_consents=sorted(set(sensitive_consents)),
        submitted_at=now,
        name_differs=not _same_name(details.name, client),
        phone_differs=not _same_phone(details.phone, client),
        token_hash=token_hash,
        token_expires_at=appointment.ends_at,
    )
    validate_row(submission, trusted=["booking"])
    submission.save()
    emails.email_booked(
        _for_email(booking),
        manage_url=booking.manage_url,
        confirm_url=settings.SITE_URL + reverse("bookings:book_confirm", args=[token]),
    )
    return booking


def _for_email(booking: OnlineBooking) -> Appointment:
    return Appointment.objects.select_related(
        "client", "therapist", "treatment_type", "online_booking"
    ).get(pk=booking.appointment_id)


def client_cancel(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The client cancels their appointment themselves (manage link or portal), however it
    was booked: late or not is judged against the window it was booked under, and the
    client is emailed."""
    now = now or timezone.now()
    return appointment_cancel(
        appointment=appointment, reason=CLIENT_CANCEL_REASON, by_client=True, now=now
    )


def client_move(
    *, appointment: Appointment, starts_at: datetime, now: datetime | None = None
) -> Appointment:
    """The client moves their appointment themselves (manage link or portal) to another
    free time: same treatment and length, with the therapist `rules.therapist_kept_on_move`
    names, or any free therapist when they booked with no preference.

    Raises `SlotTaken` with the nearest free times when the new time is not free."""
    now = now or timezone.now()
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"start": [START_NAIVE]})
    if not rules.is_changeable(appointment):
        raise ValidationError({"start": [errors.refused("not_reschedulable")]})
    option = appointment.option
    fixed = rules.therapist_kept_on_move(appointment)
    therapist = therapist_free_at(
        option=option,
        starts_at=starts_at,
        therapist=fixed,
        prefer=appointment.therapist,
        exclude_appointment=appointment,
        now=now,
    )
    if therapist is None:
        raise SlotTaken(nearest_slots(option=option, starts_at=starts_at, therapist=fixed, now=now))
    try:
        return appointment_reschedule(
            appointment=appointment, starts_at=starts_at, therapist=therapist, now=now
        )
    except ValidationError as exc:
        raise _start_refusal(exc, option=option, starts_at=starts_at, therapist=fixed, now=now) from exc
