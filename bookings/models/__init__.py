"""Time and records: availability, appointments, online booking and session notes.

The models are split into modules by capability; this package re-exports them so Django
and the rest of the code can use `bookings.models.X`.
"""

from bookings.models.appointments import (
    ACTIVE_STATUSES,
    INACTIVE_STATUSES,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
)
from bookings.models.care import EmergencyAccess as EmergencyAccess
from bookings.models.online import ConfirmedVia as ConfirmedVia
from bookings.models.online import OnlineBooking as OnlineBooking
from bookings.models.online import OnlineSubmission as OnlineSubmission
from bookings.models.portal import PortalToken as PortalToken
from bookings.models.schedule import BookingPolicy, Closure, TimeOff, Weekday, WorkingHours

__all__ = [
    "ACTIVE_STATUSES",
    "INACTIVE_STATUSES",
    "Appointment",
    "AppointmentSource",
    "AppointmentStatus",
    "BookingPolicy",
    "Closure",
    "TimeOff",
    "Weekday",
    "WorkingHours",
]
from bookings.models.notes import AccessLog, BodyMapEntry, HomeCareAssignment, NoteAddendum, NoteChecklistItem, NoteReferral, SessionNote  # noqa: E402, F401, I001
from bookings.models.plans import OutcomeResponse, PlanSession, ResponseSource, TreatmentPlan  # noqa: E402, F401, I001
