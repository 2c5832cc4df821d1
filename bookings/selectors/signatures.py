"""Who signed a note and who wrote its addenda, named as a regulator expects: full name
and, for a therapist, the registration number, with the time in the clinic's zone. Never
the username. The note page, the print and the history all read these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bookings.models import SessionNote
from bookings.selectors.availability import clinic_zone


@dataclass(frozen=True)
class Signatory:
    name: str
    registration: str = ""

    def __str__(self) -> str:
        if self.registration:
            return f"{self.name}, registration no. {self.registration}"
        return self.name


def signatory_of(user) -> Signatory:
    """A therapist's professional name and registration; anyone else's full name."""
    if user is None:
        return Signatory("Unknown")
    therapist = getattr(user, "therapist", None)
    if therapist is not None:
        return Signatory(therapist.display_name, therapist.registration_number)
    return Signatory(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class Signed:
    by: Signatory
    at: datetime  # in the clinic's zone

    def __str__(self) -> str:
        return f"{self.by}, {self.at:%Y-%m-%d %H:%M %Z}"


def signature_of(note: SessionNote) -> Signed | None:
    """The signature of a signed note; None for a draft."""
    if not note.is_signed or note.signed_at is None:
        return None
    return Signed(signatory_of(note.signed_by), note.signed_at.astimezone(clinic_zone()))


@dataclass(frozen=True)
class Addendum:
    signed: Signed
    reason: str
    text: str


def addenda_of(note: SessionNote) -> list[Addendum]:
    """The note's addenda, oldest first, each with its author named in full (1 query)."""
    return [
        Addendum(
            Signed(signatory_of(a.author), a.created_at.astimezone(clinic_zone())), a.reason, a.text
        )
        for a in note.addenda.select_related("author__therapist")
    ]
