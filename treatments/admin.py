from django.contrib import admin
from django.utils.html import format_html, format_html_join

from treatments import services
from treatments.forms import ConsentInlineFormSet, ContraindicationItemForm
from treatments.models import (
    BodySite,
    Consent,
    ContraindicationAnswer,
    ContraindicationItem,
    ContraindicationVersion,
    HomeCareSheet,
    TreatmentOption,
    TreatmentType,
)
from treatments.selectors import version_changes


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

    The relation is declared on TreatmentType (the higher app), so the inline is defined
    here and the therapist's admin in `bookings.admin.people` shows it."""

    model = TreatmentType.therapists.through
    extra = 0
    verbose_name = "treatment offered"
    verbose_name_plural = "treatments offered"


# --- Clinical safety ---------------------------------------------------------------------
# Every write goes through treatments.services, so the admin can neither edit a catalogue
# version in place nor change a health record without leaving history.
# The health-record admins below are registered by `bookings.admin.clients`, which scopes
# them with the visibility rule (who treats whom is known from appointments) and adds the
# access log; both live in `bookings`.


class ContraindicationVersionInline(admin.TabularInline):
    model = ContraindicationVersion
    fk_name = "item"
    extra = 0
    can_delete = False
    fields = [
        "version", "question", "wording", "what_changed", "category", "action",
        "asked_on_visit_day", "created_at", "created_by",
    ]
    readonly_fields = fields
    ordering = ["-version"]
    verbose_name_plural = "versions (read-only; an edit adds a new one)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Changed from the version before")
    def what_changed(self, obj: ContraindicationVersion) -> str:
        changes = version_changes(obj)
        if not changes:
            return "first version" if obj.version == 1 else "no change"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><strong>{}</strong>: <del>{}</del> <ins>{}</ins></li>",
                ((c.field.replace("_", " "), c.before, c.after) for c in changes),
            ),
        )


@admin.register(ContraindicationItem)
class ContraindicationItemAdmin(admin.ModelAdmin):
    form = ContraindicationItemForm
    list_display = ["code", "current_action", "current_category", "current_version_number", "active"]
    list_filter = ["active", "current_version__category", "current_version__action"]
    search_fields = ["code", "current_version__wording"]
    list_select_related = ["current_version"]
    ordering = ["sort_order", "code"]
    inlines = [ContraindicationVersionInline]
    fieldsets = [
        (None, {"fields": ["code", "active", "sort_order"]}),
        ("Current version (saving a change adds a new version)", {
            "fields": [
                "question", "wording", "category", "action", "requires_clearance", "refer",
                "treatment_types", "body_sites", "other_types_action", "escalates_with_emergency",
                "asked_on_visit_day", "guidance", "client_advice",
            ]
        }),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    @admin.display(description="Action", ordering="current_version__action")
    def current_action(self, obj: ContraindicationItem) -> str:
        return obj.current_version.get_action_display() if obj.current_version else "-"

    @admin.display(description="Category", ordering="current_version__category")
    def current_category(self, obj: ContraindicationItem) -> str:
        return obj.current_version.get_category_display() if obj.current_version else "-"

    @admin.display(description="Version")
    def current_version_number(self, obj: ContraindicationItem):
        return obj.current_version.version if obj.current_version else None

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["active", "sort_order"])
            services.catalogue_item_revise(item=obj, by=request.user, **form.version_content())
            obj.refresh_from_db(fields=["current_version"])
        else:
            item = services.catalogue_item_create(
                code=obj.code, sort_order=obj.sort_order, active=obj.active, by=request.user,
                **form.version_content(),
            )
            obj.pk, obj.current_version = item.pk, item.current_version
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The version's relations were saved by the service; the inline is read-only, so
        # its formset has nothing to save (commit=False only prepares the change message).
        for formset in formsets:
            formset.save(commit=False)


class AnswerInline(admin.TabularInline):
    model = ContraindicationAnswer
    extra = 0
    can_delete = False
    fields = ["item", "answer", "detail", "version", "answered_at", "recorded_by"]
    readonly_fields = ["version", "answered_at", "recorded_by"]


class ConsentInline(admin.TabularInline):
    model = Consent
    formset = ConsentInlineFormSet
    extra = 0
    can_delete = False
    fields = ["kind", "region", "method", "given_at", "expires_at", "withdrawn_at", "recorded_by"]
    readonly_fields = ["recorded_by"]


class HealthIntakeAdmin(admin.ModelAdmin):
    list_display = ["client", "last_reviewed_at", "created_at"]
    list_select_related = ["client"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["client"]
    filter_horizontal = ["areas_to_avoid"]
    readonly_fields = ["last_reviewed_at", "last_reviewed_by", "created_at"]
    inlines = [AnswerInline, ConsentInline]
    actions = ["mark_reviewed"]
    fieldsets = [
        (None, {"fields": ["client", "last_reviewed_at", "last_reviewed_by", "created_at"]}),
        ("Health", {"fields": ["medications", "pregnant", "pregnancy_notes", "allergies"]}),
        ("Preferences", {
            "fields": [
                "pressure_preference", "areas_to_avoid", "areas_to_avoid_notes",
                "cannot_lie_prone", "cannot_lie_supine", "cannot_lie_side", "position_notes",
            ]
        }),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "client"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.INTAKE_FIELDS or name == "areas_to_avoid"
        }
        intake = obj if change else services.intake_get_or_create(client=obj.client, by=request.user)
        if fields:
            services.intake_update(intake=intake, by=request.user, **fields)
        if not change:
            obj.pk, obj._state.adding = intake.pk, False

    def save_related(self, request, form, formsets, change):
        # The intake's own relations were saved by the service, with history.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        intake = form.instance
        formset.save(commit=False)
        if formset.model is ContraindicationAnswer:
            for answer in [*formset.new_objects, *(o for o, _ in formset.changed_objects)]:
                services.answer_record(
                    intake=intake, item=answer.item, answer=answer.answer, detail=answer.detail,
                    by=request.user,
                )
        elif formset.model is Consent:
            for consent in formset.new_objects:
                services.consent_give(
                    client=intake.client, kind=consent.kind, region=consent.region,
                    method=consent.method, given_at=consent.given_at, expires_at=consent.expires_at,
                    by=request.user,
                )
            for consent, _ in formset.changed_objects:
                services.consent_withdraw(
                    consent=consent, withdrawn_at=consent.withdrawn_at, by=request.user
                )

    @admin.action(description="Mark as reviewed with the client today")
    def mark_reviewed(self, request, queryset):
        for intake in queryset.select_related("client"):
            services.intake_mark_reviewed(intake=intake, by=request.user)


class ConsentAdmin(admin.ModelAdmin):
    """Consents are added on the health intake; here they are listed and withdrawn."""

    list_display = ["client", "kind", "region", "method", "given_at", "expires_at", "withdrawn_at"]
    list_filter = ["kind", "region", "method"]
    list_select_related = ["intake__client"]
    search_fields = ["intake__client__first_name", "intake__client__last_name"]
    date_hierarchy = "given_at"
    fields = ["intake", "kind", "region", "method", "given_at", "expires_at", "withdrawn_at", "recorded_by"]
    readonly_fields = ["intake", "kind", "region", "method", "given_at", "expires_at", "withdrawn_at", "recorded_by"]
    actions = ["withdraw"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Client", ordering="intake__client__last_name")
    def client(self, obj: Consent):
        return obj.intake.client

    @admin.action(description="Withdraw the selected consents now")
    def withdraw(self, request, queryset):
        for consent in queryset.filter(withdrawn_at=None):
            services.consent_withdraw(consent=consent, by=request.user)


class MedicalClearanceAdmin(admin.ModelAdmin):
    list_display = ["client", "given_by", "given_on", "expires_on", "recorded_at"]
    list_select_related = ["client"]
    search_fields = ["client__first_name", "client__last_name", "given_by"]
    date_hierarchy = "given_on"
    autocomplete_fields = ["client"]
    filter_horizontal = ["items"]
    fields = ["client", "given_by", "given_on", "expires_on", "items", "scope_notes", "document", "recorded_by", "recorded_at"]

    def get_readonly_fields(self, request, obj=None):
        # A recorded clearance is evidence: record a new one rather than edit it.
        return self.fields if obj else ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        clearance = services.clearance_record(
            client=obj.client, given_by=obj.given_by, given_on=obj.given_on,
            expires_on=obj.expires_on, items=form.cleaned_data["items"],
            scope_notes=obj.scope_notes, document=form.cleaned_data.get("document") or None,
            by=request.user,
        )
        obj.pk, obj._state.adding = clearance.pk, False

    def save_related(self, request, form, formsets, change):
        pass


class HealthRecordChangeAdmin(admin.ModelAdmin):
    """Read-only history of health-record changes (old and new values on the detail page)."""

    list_display = ["changed_at", "changed_by", "client", "record_type", "kind"]
    list_filter = ["record_type", "kind"]
    list_select_related = ["client", "changed_by"]
    search_fields = ["client__first_name", "client__last_name"]
    date_hierarchy = "changed_at"
    fields = ["changed_at", "changed_by", "client", "record_type", "record_id", "kind", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
