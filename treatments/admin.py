from django.contrib import admin

from clinic.admin import TherapistAdmin as BaseTherapistAdmin
from clinic.models import Therapist
from treatments.models import BodySite, HomeCareSheet, TreatmentOption, TreatmentType


class TreatmentOptionInline(admin.TabularInline):
    model = TreatmentOption
    extra = 0
    fields = ["duration_minutes", "price", "active"]


@admin.register(TreatmentType)
class TreatmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "buffer_minutes", "bookable_online", "active", "sensitive_region"]
    list_filter = ["active", "bookable_online", "sensitive_region"]
    search_fields = ["name", "code", "summary"]
    ordering = ["sort_order", "name"]
    filter_horizontal = ["body_sites", "therapists"]
    inlines = [TreatmentOptionInline]


@admin.register(TreatmentOption)
class TreatmentOptionAdmin(admin.ModelAdmin):
    list_display = ["treatment_type", "duration_minutes", "price", "active"]
    list_filter = ["active", "treatment_type"]
    search_fields = ["treatment_type__name", "treatment_type__code"]
    list_select_related = ["treatment_type"]
    ordering = ["treatment_type__sort_order", "duration_minutes"]


@admin.register(BodySite)
class BodySiteAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "perfect_spot", "sensitive_region"]
    list_filter = ["region", "sensitive_region"]
    search_fields = ["name", "code"]
    ordering = ["sort_order", "code"]


@admin.register(HomeCareSheet)
class HomeCareSheetAdmin(admin.ModelAdmin):
    list_display = ["title", "site_family", "tool", "hold_seconds", "repetitions", "times_per_day", "active"]
    list_filter = ["site_family", "tool", "active"]
    search_fields = ["title", "code"]
    filter_horizontal = ["body_sites"]


class OfferedTreatmentInline(admin.TabularInline):
    """Which treatments a therapist offers, edited from the therapist's page.

    The relation is declared on TreatmentType (the higher app), so it is added here."""

    model = TreatmentType.therapists.through
    extra = 0
    verbose_name = "treatment offered"
    verbose_name_plural = "treatments offered"


admin.site.unregister(Therapist)


@admin.register(Therapist)
class TherapistAdmin(BaseTherapistAdmin):
    inlines = [*BaseTherapistAdmin.inlines, OfferedTreatmentInline]
