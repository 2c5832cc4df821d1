from django.contrib import admin

from clinic.models import Client, Room, Therapist


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "registration_number", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "registration_number", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["calendar_token"]


@admin.register(Client)
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


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
