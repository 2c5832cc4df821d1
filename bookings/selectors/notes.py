"""Reads for session notes: the checklist a note opens with, notes to sign, progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.html import escape

from bookings.models import BodyMapEntry, SessionNote
from bookings.models.notes import NoteStatus
from bookings.selectors.screening import answers_for_visit
from bookings.selectors.visibility import notes_writable_by
from clinic.models import Client
from treatments.models import AnswerValue, TreatmentType
from treatments.outcomes import INSTRUMENTS, NPRS
from treatments.screening import CatalogueEntry, Verdict, screen
from treatments.selectors import (
    answers_for_client,
    catalogue_entries,
    clearances_for_client,
    consents_for_client,
)

# The pain scale's own threshold (the NPRS instrument), so notes and plans agree.
MEANINGFUL_PAIN_CHANGE = int(INSTRUMENTS[NPRS].mcid_points)


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    version_id: int | None
    wording: str
    question: str
    action: str
    red_flag: bool
    answer: str
    intake_answer: str
    remark: str = ""


def relevant_entries(treatment_code: str, entries: list[CatalogueEntry]) -> list[CatalogueEntry]:
    """Items that can matter for this treatment: red flags always, then those whose action
    applies to the treatment type."""
    return [e for e in entries if e.is_red_flag or e.action_for(treatment_code)]


def checklist_for_note(
    note: SessionNote, *, entries: list[CatalogueEntry] | None = None
) -> list[ChecklistRow]:
    """The rows the note opens with: the saved snapshot where there is one, else the
    client's current intake answers against the current catalogue. Red flags and the
    questions about the day open unanswered unless they were answered for this visit:
    people do not volunteer them, so they are asked every time."""
    entries = entries if entries is not None else catalogue_entries()
    intake = answers_for_client(note.client)
    this_visit = answers_for_visit(note.appointment, red_flags_this_visit=True)
    saved = {row.code: row for row in note.checklist.all()}
    treatment_code = note.appointment.treatment_type.code
    rows = []
    for e in relevant_entries(treatment_code, entries):
        snap = saved.get(e.code)
        rows.append(
            ChecklistRow(
                code=e.code,
                version_id=snap.version_id if snap else e.version_id,
                wording=snap.wording if snap else e.wording,
                question=e.question,
                action=str(e.action_for(treatment_code) or e.action),
                red_flag=e.is_red_flag,
                answer=snap.answer if snap else this_visit.get(e.code, AnswerValue.NOT_ASKED),
                intake_answer=intake.get(e.code, AnswerValue.NOT_ASKED),
                remark=snap.remark if snap else "",
            )
        )
    # Snapshot rows of items since retired from the catalogue still show.
    known = {r.code for r in rows}
    for code, snap in saved.items():
        if code not in known:
            rows.append(
                ChecklistRow(
                    code=code, version_id=snap.version_id, wording=snap.wording, question="",
                    action=snap.action, red_flag=code.startswith("rf-"), answer=snap.answer,
                    intake_answer=intake.get(code, AnswerValue.NOT_ASKED), remark=snap.remark,
                )
            )
    return rows


def verdict_for_note(
    note: SessionNote,
    answers: dict[str, str],
    *,
    now: datetime | None = None,
    entries: list[CatalogueEntry] | None = None,
) -> Verdict:
    """Screen today's answers for the note's treatment with the client's consents and
    clearances on record."""
    treatment = TreatmentType.objects.prefetch_related("body_sites").get(
        pk=note.appointment.treatment_type_id
    )
    return screen(
        answers,
        treatment,
        consents=consents_for_client(note.client),
        clearances=clearances_for_client(note.client),
        now=now or timezone.now(),
        catalogue=entries if entries is not None else catalogue_entries(),
    )


def notes_to_sign(user, *, now: datetime | None = None) -> QuerySet[SessionNote]:
    """Drafts older than NOTES_SIGN_WITHIN_HOURS that `user` should sign."""
    now = now or timezone.now()
    hours = settings.NOTES_SIGN_WITHIN_HOURS
    return (
        notes_writable_by(user)
        .filter(status=NoteStatus.DRAFT, created_at__lt=now - timedelta(hours=hours))
        .select_related("appointment__treatment_type", "client", "therapist")
        # What the list shows, not the notes' clinical text.
        .only(
            "pk", "created_at", "appointment__starts_at", "appointment__treatment_type__name",
            "client__first_name", "client__last_name", "therapist__display_name",
        )
        .order_by("created_at")
    )


@dataclass(frozen=True)
class Visit:
    note_id: int
    day: date
    pain_before: int | None
    pain_after: int | None
    sites_treated: tuple[str, ...]

    @property
    def change(self) -> int | None:
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before

    @property
    def meaningful(self) -> bool:
        return self.change is not None and abs(self.change) >= MEANINGFUL_PAIN_CHANGE


# The client page charts and lists the most recent visits; "all visits" shows every one.
RECENT_VISITS = 24


@dataclass(frozen=True)
class Progress:
    visits: tuple[Visit, ...]  # the visits shown, oldest first
    total: int  # every visit with a session note
    svg: str

    @property
    def partial(self) -> bool:
        return len(self.visits) < self.total


def progress_for_client(client: Client, *, last: int | None = RECENT_VISITS) -> Progress:
    """Pain before and after for the `last` visits (every visit if None), oldest first, with
    the sites treated (3 queries, however many visits the client has had)."""
    notes = SessionNote.objects.filter(client=client)
    total = notes.count()
    shown = (
        notes.select_related("appointment")
        # Five columns, not whole notes: a regular client's visits are hundreds of SOAP notes.
        .only("pk", "pain_before", "pain_after", "appointment__starts_at")
        .prefetch_related(
            Prefetch(
                "body_map",
                queryset=BodyMapEntry.objects.filter(treated=True).select_related("site"),
                to_attr="treated_entries",
            )
        )
        .order_by("-appointment__starts_at")
    )
    if last is not None:
        shown = shown[:last]
    visits = tuple(
        Visit(
            note_id=n.pk,
            day=timezone.localdate(n.appointment.starts_at),
            pain_before=n.pain_before,
            pain_after=n.pain_after,
            sites_treated=tuple(
                f"{e.site.name} ({e.get_side_display().lower()})" for e in n.treated_entries
            ),
        )
        for n in reversed(list(shown))
    )
    return Progress(visits=visits, total=total, svg=pain_chart_svg(visits))


def pain_chart_svg(visits: tuple[Visit, ...]) -> str:
    """A small server-side chart: one column per visit, a bar from pain before to pain
    after; changes of 2 points or more are drawn bold and labelled."""
    width, height, top, step = 40 + 48 * max(len(visits), 1), 170, 10, 48

    def y(pain: int) -> float:
        return top + (10 - pain) * 13

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="pain-chart-title">',
        '<title id="pain-chart-title">Pain before and after each visit (0-10)</title>',
    ]
    for level in (0, 5, 10):
        parts.append(
            f'<line x1="30" x2="{width}" y1="{y(level)}" y2="{y(level)}" stroke="#ccc"/>'
            f'<text x="2" y="{y(level) + 4}" font-size="10">{level}</text>'
        )
    for i, v in enumerate(visits):
        x = 40 + i * step + 12
        label = escape(f"{v.day:%b %d}")
        parts.append(f'<text x="{x - 12}" y="{height - 4}" font-size="9">{label}</text>')
        if v.pain_before is not None:
            parts.append(
                f'<circle cx="{x}" cy="{y(v.pain_before)}" r="4" fill="#b03a2e">'
                f"<title>{label}: before {v.pain_before}</title></circle>"
            )
        if v.pain_after is not None:
            parts.append(
                f'<circle cx="{x}" cy="{y(v.pain_after)}" r="4" fill="#1e8449">'
                f"<title>{label}: after {v.pain_after}</title></circle>"
            )
        if v.change is not None and v.pain_before is not None and v.pain_after is not None:
            cls = "meaningful" if v.meaningful else "small"
            stroke = 'stroke="#1f618d" stroke-width="4"' if v.meaningful else 'stroke="#999" stroke-width="1.5"'
            parts.append(
                f'<line class="{cls}" x1="{x}" x2="{x}" y1="{y(v.pain_before)}" '
                f'y2="{y(v.pain_after)}" {stroke}/>'
            )
            if v.meaningful:
                parts.append(
                    f'<text class="meaningful" x="{x + 6}" y="{y(v.pain_after) + 4}" '
                    f'font-size="10" font-weight="bold">{v.change:+d}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)
