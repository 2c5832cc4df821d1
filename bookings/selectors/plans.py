"""Reads for treatment plans: progress counts, measures due, score series, charts, report.

Who may see a plan is the clinical visibility rule (`plans_visible_to` in
`bookings.selectors.visibility`); the portal asks only for the signed-in client's own rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import escape

from bookings.models import (
    ATTENDED_STATUSES,
    Appointment,
    AppointmentStatus,
    OutcomeResponse,
    PlanSession,
    TreatmentPlan,
)
from bookings.selectors.visibility import plans_visible_to
from clinic.models import Client
from treatments.outcomes import INSTRUMENTS, Change, Instrument

Status = AppointmentStatus
REMAINING = (Status.BOOKED, Status.CONFIRMED)


__all__ = ["plans_visible_to"]


@dataclass(frozen=True)
class PlanProgress:
    sessions: list[PlanSession]
    attended: int
    cancelled: int
    no_shows: int
    remaining: int

    @property
    def completed(self) -> bool:
        return is_completed([s.appointment.status for s in self.sessions])


def is_completed(statuses: list[str]) -> bool:
    """A plan is completed when every session is over (none booked, confirmed or in
    progress) and at least one was attended."""
    return any(s in ATTENDED_STATUSES for s in statuses) and not any(
        s in REMAINING or s == Status.CHECKED_IN for s in statuses
    )


def _sessions_with_appointments() -> Prefetch:
    return Prefetch(
        "plan_sessions",
        queryset=PlanSession.objects.select_related(
            "appointment__therapist", "appointment__treatment_type"
        ).order_by("number"),
        to_attr="sessions_loaded",
    )


def _progress(sessions: list[PlanSession]) -> PlanProgress:
    statuses = [s.appointment.status for s in sessions]
    return PlanProgress(
        sessions=sessions,
        attended=sum(1 for s in statuses if s in ATTENDED_STATUSES),
        cancelled=sum(1 for s in statuses if s == Status.CANCELLED),
        no_shows=sum(1 for s in statuses if s == Status.NO_SHOW),
        remaining=sum(1 for s in statuses if s in REMAINING),
    )


def plan_progress(plan: TreatmentPlan) -> PlanProgress:
    """Sessions attended, cancelled, missed and still to come (one query)."""
    sessions = getattr(plan, "sessions_loaded", None)
    if sessions is None:
        sessions = list(
            plan.plan_sessions.select_related(
                "appointment__therapist", "appointment__treatment_type"
            ).order_by("number")
        )
    return _progress(sessions)


@dataclass(frozen=True)
class DueMeasures:
    plan: TreatmentPlan
    session: PlanSession
    instruments: list[Instrument]


def measures_due(*, client: Client, now: datetime | None = None) -> list[DueMeasures]:
    """Questionnaires the client should answer now: for each of their plans, the next
    upcoming session, when it is one of the plan's collection visits and its measures are
    not all answered yet. Later collection visits open once the sessions before them have
    passed, so a questionnaire appears before the chosen visits only."""
    now = now or timezone.now()
    plans = TreatmentPlan.objects.filter(client=client).exclude(measures=[]).prefetch_related(
        Prefetch(
            "plan_sessions",
            queryset=PlanSession.objects.filter(
                appointment__status__in=REMAINING, appointment__starts_at__gt=now
            )
            .select_related("appointment__treatment_type", "appointment__therapist")
            .prefetch_related("appointment__outcome_responses")
            .order_by("appointment__starts_at"),
            to_attr="upcoming",
        )
    )
    due = []
    for plan in plans:
        if not plan.upcoming:
            continue
        session = plan.upcoming[0]
        if not plan.collects_at(session.number):
            continue
        answered = {r.instrument for r in session.appointment.outcome_responses.all()}
        missing = [INSTRUMENTS[code] for code in plan.measures if code not in answered]
        if missing:
            due.append(DueMeasures(plan=plan, session=session, instruments=missing))
    return due


def due_for_appointment(*, client: Client, appointment: Appointment, now: datetime | None = None):
    """The due entry for this appointment of the client's, or None."""
    return next(
        (d for d in measures_due(client=client, now=now) if d.session.appointment_id == appointment.pk),
        None,
    )


@dataclass(frozen=True)
class Point:
    label: str  # "Session 3" or the date
    when: datetime
    score: Decimal
    change: Change | None  # against the first score of the series


@dataclass(frozen=True)
class Series:
    instrument: Instrument
    points: list[Point]
    threshold_score: Decimal | None  # the score that would be a meaningful change

    @property
    def reached(self) -> bool:
        return any(p.change is not None and p.change.meaningful for p in self.points)


def _series(responses: list[OutcomeResponse], labels: dict[int, str]) -> list[Series]:
    # (when, label, score) per instrument; unscored responses have nothing to plot.
    by_instrument: dict[str, list[tuple[datetime, str, Decimal]]] = defaultdict(list)
    for r in responses:
        if r.score is None:
            continue
        label = (labels.get(r.appointment_id) if r.appointment_id else None) or (
            f"{timezone.localtime(r.submitted_at):%b %d}"
        )
        by_instrument[r.instrument].append((r.submitted_at, label, r.score))
    result = []
    for code, instrument in INSTRUMENTS.items():
        rows = sorted(by_instrument.get(code, []), key=lambda row: row[0])
        if not rows:
            continue
        baseline = rows[0][2]
        points = [
            Point(
                label=label,
                when=when,
                score=score,
                change=instrument.change(baseline, score) if i else None,
            )
            for i, (when, label, score) in enumerate(rows)
        ]
        step = instrument.threshold_at(baseline)
        threshold = baseline - step if instrument.lower_is_better else baseline + step
        inside = instrument.score_min <= threshold <= instrument.score_max
        result.append(Series(instrument, points, threshold if inside else None))
    return result


def plan_series(plan: TreatmentPlan) -> list[Series]:
    """Each measure of the plan over its sessions, changes counted from the first score."""
    labels = {
        s.appointment_id: f"Session {s.number}" for s in plan.plan_sessions.only("appointment_id", "number")
    }
    return _series(list(plan.responses.all()), labels)


def client_series(client: Client) -> list[Series]:
    """Each measure over all of the client's responses, in or outside plans."""
    responses = list(OutcomeResponse.objects.filter(client=client).select_related("appointment"))
    labels = {
        ps.appointment_id: f"{timezone.localtime(ps.appointment.starts_at):%b %d} (session {ps.number})"
        for ps in PlanSession.objects.filter(plan__client=client).select_related("appointment")
    }
    return _series(responses, labels)


# -- charts ------------------------------------------------------------------------------
def chart_svg(series: Series, *, chart_id: str) -> str:
    """A server-rendered line chart of one measure: scores over visits, a dashed line at
    the meaningful-change threshold, and points that reached it drawn larger with their
    change written beside them. Presentation attributes only (no style attribute), so a
    strict Content-Security-Policy renders it."""
    instrument = series.instrument
    lo, hi = instrument.score_min, instrument.score_max
    n = len(series.points)
    left, top, step, plot_h = 44, 14, 64, 160
    # Wide enough for the threshold's label even with two visits.
    width, height = max(320, left + 40 + step * max(n - 1, 1)), top + plot_h + 40

    def y(score: Decimal | int) -> float:
        return round(top + (hi - float(score)) * plot_h / (hi - lo), 1)

    def x(i: int) -> int:
        return left + 12 + i * step

    title_id = f"{chart_id}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="outcome-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id}">',
        f'<title id="{title_id}">{escape(instrument.title)} over visits (score {lo}-{hi}; '
        f'{"lower" if instrument.lower_is_better else "higher"} is better)</title>',
    ]
    for level in (lo, (lo + hi) // 2, hi):
        parts.append(
            f'<line x1="{left - 4}" x2="{width}" y1="{y(level)}" y2="{y(level)}" stroke="#ccc"/>'
            f'<text x="2" y="{y(level) + 4}" font-size="10">{level}</text>'
        )
    if series.threshold_score is not None:
        ty = y(series.threshold_score)
        parts.append(
            f'<line class="threshold" x1="{left - 4}" x2="{width}" y1="{ty}" y2="{ty}" '
            f'stroke="#b9770e" stroke-width="1.5" stroke-dasharray="5 4"/>'
            f'<text class="threshold" x="{left}" y="{ty - 4}" font-size="10" fill="#7e5109">'
            f"Meaningful change ({series.threshold_score.normalize():f})</text>"
        )
    coords = [(x(i), y(p.score)) for i, p in enumerate(series.points)]
    if len(coords) > 1:
        path = " ".join(f"{cx},{cy}" for cx, cy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f618d" stroke-width="2"/>')
    for (cx, cy), point in zip(coords, series.points, strict=True):
        label = escape(point.label)
        reached = point.change is not None and point.change.meaningful
        score = f"{point.score.normalize():f}"
        parts.append(
            f'<circle class="{"reached" if reached else "score"}" cx="{cx}" cy="{cy}" '
            f'r="{6 if reached else 4}" fill="{"#1e8449" if reached else "#1f618d"}">'
            f"<title>{label}: {score}</title></circle>"
        )
        if point.change is not None and reached:
            parts.append(
                f'<text class="reached" x="{cx + 8}" y="{cy - 6}" font-size="10" font-weight="bold" '
                f'fill="#1e8449">{point.change.points.normalize():+f}</text>'
            )
        short = escape(point.label.replace("Session ", "S"))
        parts.append(f'<text x="{cx - 8}" y="{height - 8}" font-size="9">{short}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(series_list: list[Series], *, prefix: str) -> list[dict]:
    """What the chart template needs: each series with its SVG."""
    return [
        {"series": s, "svg": chart_svg(s, chart_id=f"{prefix}-{s.instrument.code}")} for s in series_list
    ]


# -- manager's report --------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeReport:
    plans: int
    plans_completed: int
    clients_measured: int  # clients with a baseline and at least one later score
    clients_improved: int  # of those, clients with a meaningful change on any measure

    @property
    def share_improved(self) -> int | None:
        if not self.clients_measured:
            return None
        return round(100 * self.clients_improved / self.clients_measured)


def outcome_report() -> OutcomeReport:
    """Plans completed, and the share of measured clients who reached a meaningful change
    (within a plan, against that plan's first score). Three queries."""
    plans = list(TreatmentPlan.objects.prefetch_related(_sessions_with_appointments()))
    completed = sum(plan_progress(plan).completed for plan in plans)
    by_plan: dict[int, list[OutcomeResponse]] = defaultdict(list)
    client_of: dict[int, int] = {}
    for response in OutcomeResponse.objects.filter(plan__isnull=False, score__isnull=False).only(
        "plan_id", "client_id", "instrument", "score", "submitted_at", "appointment_id"
    ):
        if response.plan_id is not None:
            by_plan[response.plan_id].append(response)
            client_of[response.plan_id] = response.client_id
    measured, improved = set(), set()
    for plan_id, responses in by_plan.items():
        for series in _series(responses, {}):
            if len(series.points) > 1:
                measured.add(client_of[plan_id])
                if series.reached:
                    improved.add(client_of[plan_id])
    return OutcomeReport(len(plans), completed, len(measured), len(improved))


def plan_activities(plan: TreatmentPlan) -> list[str]:
    """The activities the client named in the plan's first PSFS response, so follow-ups
    rate the same ones."""
    first = plan.responses.filter(instrument="psfs").order_by("submitted_at").first()
    return [entry["text"] for entry in first.wording] if first else []


def client_plans(*, client: Client) -> list[tuple[TreatmentPlan, PlanProgress]]:
    """The client's own plans with their progress, newest first (the portal's view)."""
    plans = (
        TreatmentPlan.objects.filter(client=client)
        .select_related("treatment_type", "therapist")
        .prefetch_related(_sessions_with_appointments())
    )
    return [(plan, plan_progress(plan)) for plan in plans]


def response_lines(response: OutcomeResponse) -> list[dict[str, str]]:
    """A submitted response as (wording as asked, answer) lines for a read-only page."""
    lines = []
    for entry in response.wording:
        value = response.answers.get(entry["key"])
        if isinstance(value, dict):  # a PSFS activity
            value = value.get("rating")
            answer = "not rated" if value is None else f"{value} of 10"
        elif isinstance(value, bool) or value is None:
            answer = "Yes" if value else "No"
        else:
            answer = str(value)
        lines.append({"text": entry["text"], "answer": answer})
    return lines


@dataclass(frozen=True)
class SessionMeasures:
    session: PlanSession
    collects: bool
    measures: list[tuple[Instrument, OutcomeResponse | None]]


def session_measures(appointment: Appointment) -> SessionMeasures | None:
    """For a session note: which plan session this is ("3 of 8") and its measures, each
    with its response when answered. None when the appointment is not part of a plan."""
    session = (
        PlanSession.objects.filter(appointment=appointment).select_related("plan").first()
    )
    if session is None:
        return None
    answered = {r.instrument: r for r in appointment.outcome_responses.all()}
    return SessionMeasures(
        session=session,
        collects=session.plan.collects_at(session.number),
        measures=[(INSTRUMENTS[code], answered.get(code)) for code in session.plan.measures],
    )
