"""Admin for session notes, their parts and the access log.

Every queryset comes from bookings.selectors.visibility, so an out-of-scope note is absent
from lists, search, autocomplete and history, and its pages answer 404. Writes go through
bookings.services.notes; a signed note is shown read-only, with addenda under it. Each GET
of a note's change page leaves exactly one access-log row.
"""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from bookings.admin.access import AccessLogged
from bookings.admin.lists import QuickRows
from bookings.models import (
    INACTIVE_STATUSES,
    AccessLog,
    Appointment,
    BodyMapEntry,
    NoteAddendum,
    NoteReferral,
    SessionNote,
)
from bookings.notes_forms import AddendumForm, SessionNoteForm
from bookings.selectors.notes import checklist_for_note
from bookings.selectors.plans import session_measures
from bookings.selectors.signatures import addenda_of, signatory_of, signature_of
from bookings.selectors.visibility import (
    notes_visible_to,
    notes_writable_by,
    sees_all_clinical,
    therapist_of,
)
from bookings.services import notes as services
from treatments.models import BodySite

# Approximate positions on the back-view figure (viewBox 0 0 200 420).
SITE_POSITIONS = {
    "lumbar-paraspinal": (100, 150),
    "glute-top": (100, 178),
    "glute-med-min": (66, 188),
    "glute-side": (138, 196),
    "glute-max-upper": (118, 200),
    "piriformis": (84, 208),
    "hamstrings": (84, 270),
    "heel-inner-edge": (78, 404),
    "plantar-bottom": (122, 398),
    "heel-behind-ball": (128, 386),
    "ball-under": (72, 384),
    "ball-behind-big-toe": (60, 392),
}


BODY_MAP_ROW_REFUSED = (
    "This row could not be saved: the note already has this site and side (for example a "
    "site today's screening marks avoided). Change the row or remove it."
)
NOTE_NOT_SAVED = "Nothing was saved: correct the marked fields and save again."


def _codes(exc: ValidationError) -> set[str | None]:
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    return {e.code for group in errors for e in group}


class BodyMapFormSet(BaseInlineFormSet):
    """Marks the rows a refused save could not store, so the page shows which one."""

    def __init__(self, *args, refused_rows: frozenset = frozenset(), **kwargs):
        self.refused_rows = refused_rows
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            site = data.get("site")
            if site is not None and (site.pk, data.get("side")) in self.refused_rows:
                form.add_error(None, BODY_MAP_ROW_REFUSED)


class BodyMapInline(admin.TabularInline):
    model = BodyMapEntry
    formset = BodyMapFormSet
    extra = 0
    fields = [
        "site", "side", "trigger_point", "referral_pattern", "tenderness", "tension",
        "treated", "avoided", "pressure",
    ]

    def _editable(self, request, obj) -> bool:
        return obj is not None and not obj.is_signed and notes_writable_by(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return True


class ReferralInline(BodyMapInline):
    model = NoteReferral
    fields = ["referred_to", "urgency", "client_told", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AddendumInline(admin.StackedInline):
    model = NoteAddendum
    extra = 0
    fields = ["written", "reason", "text"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "addenda (under the original; add one with the form below)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    @admin.display(description="Written by")
    def written(self, obj: NoteAddendum) -> str:
        zone_time = timezone.localtime(obj.created_at)
        return f"{signatory_of(obj.author)}, {zone_time:%Y-%m-%d %H:%M %Z}"


@admin.register(SessionNote)
class SessionNoteAdmin(AccessLogged, QuickRows, admin.ModelAdmin):
    form = SessionNoteForm
    list_display = ["when", "client", "therapist", "treatment", "status", "treated", "signed_at"]
    list_filter = ["status", "treated", "therapist"]
    list_select_related = ["appointment__treatment_type", "client", "therapist"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    date_hierarchy = "created_at"
    inlines = [BodyMapInline, ReferralInline, AddendumInline]
    readonly_fields = ["appointment", "client", "therapist", "status", "signature"]
    fieldsets = [
        (None, {"fields": ["appointment", "client", "therapist", "status", "signature", "treated"]}),
        ("Subjective", {"fields": [
            "complaint", "onset", "pattern", "below_knee", "tingling_numbness", "aggravating",
            "easing", "goals", "pain_before",
        ]}),
        ("Objective", {"fields": ["observations", "palpation", "range_of_motion"]}),
        ("Treatment given", {"fields": ["techniques", "treatment_minutes", "client_response", "modification"]}),
        ("Assessment (clinical impression, not a diagnosis)", {"fields": ["assessment", "pain_after"]}),
        ("Plan", {"fields": ["plan", "home_care_sheets"]}),
    ]
    change_form_template = "admin/bookings/sessionnote/change_form.html"
    object_history_template = "admin/bookings/sessionnote/object_history.html"

    # --- scope and permissions ------------------------------------------------------------

    def get_queryset(self, request):
        return notes_visible_to(request.user).select_related(
            "appointment__treatment_type", "client", "therapist", "signed_by__therapist"
        )

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return not obj.is_signed and notes_writable_by(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        # Clinical records are kept for the retention period; nobody deletes them here.
        return False

    @admin.display(description="Appointment", ordering="appointment__starts_at")
    def when(self, obj: SessionNote) -> str:
        return f"{timezone.localtime(obj.appointment.starts_at):%Y-%m-%d %H:%M}"

    @admin.display(description="Treatment")
    def treatment(self, obj: SessionNote) -> str:
        return obj.appointment.treatment_type.name

    @admin.display(description="Signed")
    def signature(self, obj: SessionNote) -> str:
        signed = signature_of(obj)
        return str(signed) if signed else "Not signed"

    # --- add: start the note of an appointment ---------------------------------------------

    def get_urls(self):
        p = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("start/<int:appointment_id>/", self.admin_site.admin_view(self.start_view),
                 name=f"{p}_start"),
            path("<path:object_id>/addendum/", self.admin_site.admin_view(self.addendum_view),
                 name=f"{p}_addendum"),
            path("<path:object_id>/send-home-care/", self.admin_site.admin_view(self.send_home_care_view),
                 name=f"{p}_send_home_care"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Notes start from an appointment: list the user's held appointments without one."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        appointments = Appointment.objects.exclude(status__in=INACTIVE_STATUSES).filter(note__isnull=True)
        if not sees_all_clinical(request.user):
            therapist = therapist_of(request.user)
            appointments = appointments.filter(therapist=therapist) if therapist else appointments.none()
        appointments = appointments.select_related("client", "treatment_type", "therapist").order_by(
            "-starts_at"
        )[:50]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Start a session note",
            "appointments": appointments,
        }
        return TemplateResponse(request, "admin/bookings/sessionnote/start.html", context)

    def start_view(self, request, appointment_id: int):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        appointment = get_object_or_404(Appointment, pk=appointment_id)
        try:
            note = services.note_create(
                appointment=appointment, by=request.user, ip=services.client_ip(request)
            )
        except ValidationError as exc:
            for msg in exc.messages:
                self.message_user(request, msg, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:bookings_sessionnote_add"))
        return HttpResponseRedirect(reverse("admin:bookings_sessionnote_change", args=[note.pk]))

    # --- change: chart, checklist, body map, sign ------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        rows = checklist_for_note(obj) if obj is not None else []
        refusal = getattr(request, "note_refusal", None)

        class Form(form_class):
            def __init__(self, *args, **kw):
                kw.setdefault("checklist", rows)
                super().__init__(*args, **kw)

            def clean(self):
                cleaned = super().clean()
                if refusal is not None:
                    # The services refused the last attempt: show why, keep what was typed.
                    self.add_error(None, [NOTE_NOT_SAVED, *refusal.messages])
                return cleaned

        return Form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BodyMapInline):
            kwargs["refused_rows"] = frozenset(getattr(request, "note_refused_rows", ()))
        return kwargs

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # No model permission (front desk): 403; a note out of the rule's scope: 404.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        note = self.get_object(request, object_id)
        if note is None:
            raise Http404("No such note.")
        extra_context = {**(extra_context or {}), **self._note_context(request, note)}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The history page shows who changed the note and when: a read of the record too.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        note = self.get_object(request, object_id)
        if note is None:
            raise Http404("No such note.")
        extra_context = {
            **(extra_context or {}),
            "signature": signature_of(note),
            "addenda": addenda_of(note),
        }
        return super().history_view(request, object_id, extra_context)

    def _note_context(self, request, note: SessionNote) -> dict:
        on_map = {e.site_id: e for e in note.body_map.all()}
        sites = list(BodySite.objects.all())
        figure = []
        for i, site in enumerate(sites):
            x, y = SITE_POSITIONS.get(site.code, (100, 240 + 8 * i))
            entry = on_map.get(site.pk)
            state = "avoided" if entry and entry.avoided else "treated" if entry and entry.treated else ""
            figure.append({"site": site, "x": x, "y": y, "checkbox": f"id_sites_treated_{i}", "state": state})
        return {
            "note": note,
            "signature": signature_of(note),
            "verdict": note.verdict,
            "figure": figure,
            "addendum_form": AddendumForm(),
            "can_add_addendum": note.is_signed and notes_writable_by(request.user).filter(pk=note.pk).exists(),
            "sign_problems": [] if note.is_signed else services.sign_problems(note),
            "home_care": note.home_care.select_related("sheet"),
            "plan_session": session_measures(note.appointment),
        }

    def save_model(self, request, obj, form, change):
        ip = services.client_ip(request)
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in services.NOTE_FIELDS}
        services.note_update(note=obj, by=request.user, ip=ip, **fields)
        answers, remarks = form.checklist_answers()
        services.note_save_checklist(note=obj, answers=answers, remarks=remarks, by=request.user, ip=ip)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the rows typed in the table, so a quick pick of a site already there is a
        # no-op instead of a duplicate.
        note = form.instance
        if form.cleaned_data.get("sites_treated"):
            services.body_map_mark_treated(note=note, sites=form.cleaned_data["sites_treated"], by=request.user)
        if form.cleaned_data.get("home_care_sheets"):
            services.home_care_assign(note=note, sheets=form.cleaned_data["home_care_sheets"], by=request.user)

    def save_formset(self, request, form, formset, change):
        note = form.instance
        objs = formset.save(commit=False)
        if formset.model is BodyMapEntry:
            for entry in formset.deleted_objects:
                if not note.is_signed:
                    entry.delete()
            for entry in objs:
                try:
                    services.body_map_save(note=note, entry=entry, by=request.user)
                except ValidationError:
                    request.note_refused_rows = {(entry.site_id, entry.side)}
                    raise
        elif formset.model is NoteReferral:
            for ref in formset.new_objects:
                services.referral_add(
                    note=note, referred_to=ref.referred_to, urgency=ref.urgency,
                    client_told=ref.client_told, by=request.user,
                )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # A rule refused the write and everything rolled back. Show the form again with
            # what was typed and the reason (the form's clean adds it, which keeps this
            # second pass from saving); a note signed meanwhile is read-only, so go back.
            if (
                request.method != "POST"
                or "signed" in _codes(exc)
                or getattr(request, "note_refusal", None) is not None
            ):
                for msg in exc.messages:
                    self.message_user(request, msg, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            request.note_refusal = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        if "_sign" in request.POST:
            try:
                services.note_sign(note=obj, by=request.user, ip=services.client_ip(request))
            except ValidationError as exc:
                for msg in exc.messages:
                    self.message_user(request, msg, messages.ERROR)
                self.message_user(request, "The note was saved as a draft; it is not signed.", messages.WARNING)
            else:
                self.message_user(request, "The note is signed.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:bookings_sessionnote_change", args=[obj.pk]))
        return super().response_change(request, obj)

    # --- addenda and home care --------------------------------------------------

    def addendum_view(self, request, object_id):
        note = self.get_object(request, object_id)
        if note is None:
            raise Http404("No such note.")
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:bookings_sessionnote_change", args=[note.pk]))
        form = AddendumForm(request.POST)
        if form.is_valid():
            try:
                services.note_add_addendum(
                    note=note, by=request.user, ip=services.client_ip(request), **form.cleaned_data
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    self.message_user(request, msg, messages.ERROR)
            else:
                self.message_user(request, "Addendum added.", messages.SUCCESS)
        else:
            for field, errors in form.errors.items():
                for msg in errors:
                    self.message_user(request, f"{form.fields[field].label}: {msg}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:bookings_sessionnote_change", args=[note.pk]))

    def send_home_care_view(self, request, object_id):
        note = self.get_object(request, object_id)
        if note is None:
            raise Http404("No such note.")
        if request.method == "POST":
            try:
                count = services.home_care_send(note=note, by=request.user)
            except ValidationError as exc:
                for msg in exc.messages:
                    self.message_user(request, msg, messages.ERROR)
            else:
                self.message_user(request, f"{count} home-care sheet(s) sent.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:bookings_sessionnote_change", args=[note.pk]))


class StaffMemberFilter(admin.SimpleListFilter):
    """The log per staff member: everyone who has a row in it."""

    title = "staff member"
    parameter_name = "user"

    def lookups(self, request, model_admin):
        from django.contrib.auth.models import User

        ids = AccessLog.objects.exclude(user=None).values("user_id").distinct()
        return [(str(u.pk), u.get_full_name() or u.get_username()) for u in User.objects.filter(pk__in=ids).order_by("username")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(user_id=int(value))
        return queryset


class _Echo:
    """A file-like object csv.writer writes one line into, handed straight back."""

    def write(self, value: str) -> str:
        return value


@admin.register(AccessLog)
class AccessLogAdmin(QuickRows, admin.ModelAdmin):
    """Read-only for managers, per client or per staff member, exportable as CSV; nobody
    adds, changes or deletes a row."""

    list_display = ["at", "user", "action", "object_type", "object_id", "client", "ip"]
    list_filter = [StaffMemberFilter, "action", "object_type"]
    change_list_template = "admin/bookings/accesslog/change_list.html"
    list_select_related = ["user", "client"]
    search_fields = ["client__first_name", "client__last_name", "user__username"]
    date_hierarchy = "at"
    fields = ["at", "user", "action", "object_type", "object_id", "client", "ip"]
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if sees_all_clinical(request.user) else qs.none()

    def has_view_permission(self, request, obj=None) -> bool:
        return sees_all_clinical(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # The manager reads the log per client: ?client__id__exact=<id>.
        return lookup == "client__id__exact" or super().lookup_allowed(lookup, value, request)

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="bookings_accesslog_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The rows the list shows (same filters), as CSV, streamed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            rows = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            rows = self.get_queryset(request).none()
        zone = timezone.get_current_timezone()
        header = ["time", "staff member", "action", "record type", "record id", "client id", "ip"]

        def lines():
            buffer = _Echo()
            writer = csv.writer(buffer)
            yield writer.writerow(header)
            for at, username, action, object_type, object_id, client_id, ip in rows.order_by("at", "pk").values_list(
                "at", "user__username", "action", "object_type", "object_id", "client_id", "ip"
            ).iterator(chunk_size=2000):
                yield writer.writerow(
                    [at.astimezone(zone).isoformat(timespec="seconds"), username or "", action, object_type, object_id, client_id or "", ip or ""]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
        response["Cache-Control"] = "no-store, private"
        return response

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
