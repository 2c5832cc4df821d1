"""Admin pages for people and places, as far as `clinic` knows them.

They are registered by `bookings.admin`, which adds what only the higher apps know: the
treatments a therapist offers, a client's appointments, and what deactivating a therapist
or a room does to booked appointments. Registering each model once, there, means no
admin is replaced after the fact.
"""

from django.contrib import admin

from clinic.models import Client


class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "registration_number", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "registration_number", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["calendar_token"]


class ClientAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "date_of_birth", "created_at"]
    list_display_links = ["full_name"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    date_hierarchy = "created_at"
    ordering = ["last_name", "first_name"]
    readonly_fields = ["public_id", "created_at"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "date_of_birth"]}),
        ("Contact", {"fields": ["email", "phone"]}),
        ("Emergency and care", {"fields": ["emergency_contact_name", "emergency_contact_phone", "family_doctor"]}),
        ("Front desk", {"fields": ["front_desk_remarks", "user", "public_id", "created_at"]}),
    ]

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj: Client) -> str:
        return obj.full_name


class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
