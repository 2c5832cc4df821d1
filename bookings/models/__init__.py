"""Time and records: availability, appointments, online booking, session notes and plans.

The models are split into modules by topic; this package re-exports them so Django and
the rest of the code can use `bookings.models.X`.
"""

from bookings.models.appointments import (
    ACTIVE_STATUSES,
    ATTENDED_STATUSES,
    INACTIVE_STATUSES,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
)
from bookings.models.care import EmergencyAccess
from bookings.models.mail import EmailDelivery, EmailStatus, UpkeepJob
from bookings.models.notes import (
    AccessLog,
    BodyMapEntry,
    HomeCareAssignment,
    NoteAddendum,
    NoteChecklistItem,
    NoteReferral,
    RecordPurge,
    SessionNote,
)
from bookings.models.online import BookingDraft, ConfirmedVia, OnlineBooking, OnlineSubmission
from bookings.models.plans import OutcomeResponse, PlanSession, ResponseSource, TreatmentPlan
from bookings.models.portal import PortalToken
from bookings.models.schedule import BookingPolicy, Closure, TimeOff, Weekday, WorkingHours

__all__ = [
    "ACTIVE_STATUSES",
    "ATTENDED_STATUSES",
    "INACTIVE_STATUSES",
    "AccessLog",
    "Appointment",
    "AppointmentSource",
    "AppointmentStatus",
    "BodyMapEntry",
    "BookingDraft",
    "BookingPolicy",
    "Closure",
    "EmailDelivery",
    "EmailStatus",
    "ConfirmedVia",
    "EmergencyAccess",
    "HomeCareAssignment",
    "NoteAddendum",
    "NoteChecklistItem",
    "NoteReferral",
    "OnlineBooking",
    "OnlineSubmission",
    "OutcomeResponse",
    "PlanSession",
    "PortalToken",
    "RecordPurge",
    "ResponseSource",
    "SessionNote",
    "TimeOff",
    "TreatmentPlan",
    "UpkeepJob",
    "Weekday",
    "WorkingHours",
]
