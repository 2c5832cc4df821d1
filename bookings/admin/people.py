"""Admin for therapists and rooms: `clinic`'s pages, plus the treatments a therapist offers
and a decision for each booked appointment when a therapist or a room is deactivated."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from bookings.admin.decisions import AffectedAppointmentsAdmin
from bookings.models import Appointment
from bookings.selectors import affected
from bookings.services.schedule import Decisions, room_delete, room_save
from bookings.services.therapists import therapist_delete, therapist_save
from clinic import admin as clinic_admin
from clinic.models import Room, Therapist
from treatments.admin import OfferedTreatmentInline


@admin.register(Therapist)
class TherapistAdmin(clinic_admin.TherapistAdmin, AffectedAppointmentsAdmin):
    inlines = [OfferedTreatmentInline]

    def affected_by_save(self, obj: Therapist) -> list[Appointment]:
        return affected.affected_by_therapist_leaving(obj, now=timezone.now())

    def save_through_service(self, obj: Therapist, decisions: Decisions) -> None:
        therapist_save(therapist=obj, decisions=decisions)

    def delete_through_service(self, obj: Therapist, decisions: Decisions) -> None:
        therapist_delete(therapist=obj)


@admin.register(Room)
class RoomAdmin(clinic_admin.RoomAdmin, AffectedAppointmentsAdmin):
    def affected_by_save(self, obj: Room) -> list[Appointment]:
        return affected.affected_by_room_closing(obj, now=timezone.now())

    def save_through_service(self, obj: Room, decisions: Decisions) -> None:
        room_save(room=obj, decisions=decisions)

    def delete_through_service(self, obj: Room, decisions: Decisions) -> None:
        room_delete(room=obj)
