"""Admin for therapists and rooms: `clinic`'s pages plus the treatments a therapist offers."""

from __future__ import annotations

from django.contrib import admin

from clinic import admin as clinic_admin
from clinic.models import Room, Therapist
from treatments.admin import OfferedTreatmentInline


@admin.register(Therapist)
class TherapistAdmin(clinic_admin.TherapistAdmin):
    inlines = [OfferedTreatmentInline]


@admin.register(Room)
class RoomAdmin(clinic_admin.RoomAdmin):
    pass
