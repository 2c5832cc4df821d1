"""The staff schedule's grid (day and week views) as HTML, built in Python.

A day of 20 therapists has some 400 "Book" links and dozens of blocks; rendering them
through template tags took most of the page's time. Here each piece is formatted once,
escaped with `format_html`, and the result is a list of pieces that can be cached (see
`bookings.admin_site`): a "Book" link and its position carry their start instant, so the
links of times already past are left out when the page is served, not when it is built.

Nothing here is clinical: names, treatments, statuses and the screening flags the front
desk may see. The only per-user input is whether the user may add appointments (the
"Book" links); callers key any cache by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from bookings.selectors.workspace import Schedule
from treatments.models import TreatmentOption

# A piece is HTML, or (start instant, HTML) for what belongs to a "Book" link.
Piece = str | tuple[float, str]


def _hm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def grid_pieces(
    schedule: Schedule, *, week: bool, can_add: bool, option: TreatmentOption | None
) -> tuple[list[Piece], list[Piece]]:
    """(style sheet pieces, grid pieces) for the schedule: the positions (data, in this
    response's nonce-allowed style sheet) and the columns."""
    start = schedule.start_minute
    style: list[Piece] = [f".ws-body {{ height: {schedule.height}px; }}\n"]
    html: list[Piece] = [
        '<div class="ws-grid">\n  <div class="ws-times" aria-hidden="true">\n    <h2>&nbsp;</h2>\n    <div class="ws-body">\n      '
    ]
    for n, (minute, label) in enumerate(schedule.hour_marks, start=1):
        style.append(f"#ws-m{n} {{ top: calc({minute}px - {start}px); }}\n")
        html.append(format_html('<span class="ws-mark" id="ws-m{}">{}</span>', n, label))
    html.append("\n    </div>\n  </div>\n")
    week_url = reverse("admin:bookings_appointment_week")
    add_url = reverse("admin:bookings_appointment_add")
    change_url = reverse("admin:bookings_appointment_changelist")
    option_part = f"&amp;option={option.pk}" if option else ""
    for c, column in enumerate(schedule.columns, start=1):
        day = column.day.isoformat()
        style.append(f"#ws-c{c} {{ --ws-colour: {escape(column.colour)}; }}\n")
        if week:
            label = date_format(column.day, "l j F")
            heading = format_html(
                '<a href="?date={}">{}</a>', day, date_format(column.day, "D j M")
            )
        else:
            label = column.therapist_name
            heading = format_html(
                '<a href="{}?therapist={}&amp;date={}">{}</a>',
                week_url,
                column.therapist_id,
                day,
                column.therapist_name,
            )
        html.append(
            format_html(
                '  <section class="ws-col" data-therapist="{}" data-day="{}" id="ws-c{}" aria-label="{}">\n'
                "    <h2>{}{}</h2>\n"
                '    <div class="ws-body">\n      ',
                column.therapist_id,
                day,
                c,
                label,
                heading,
                " · closed" if column.closed else "",
            )
        )
        for n, span in enumerate(column.hour_spans, start=1):
            style.append(
                f"#ws-c{c}-h{n} {{ top: calc({span.top}px - {start}px); height: {span.height}px; }}\n"
            )
            html.append(
                format_html(
                    '<div class="ws-hours" id="ws-c{}-h{}" title="Working {}–{}"></div>',
                    c,
                    n,
                    _hm(span.starts_at),
                    _hm(span.ends_at),
                )
            )
        for n, shade in enumerate(column.shades, start=1):
            style.append(
                f"#ws-c{c}-s{n} {{ top: calc({shade.top}px - {start}px); height: {shade.height}px; }}\n"
            )
            html.append(
                format_html('<div class="ws-shade" id="ws-c{}-s{}">{}</div>', c, n, shade.label)
            )
        if can_add:
            for n, free in enumerate(column.free, start=1):
                at = free.starts_at.timestamp()
                style.append((at, f"#ws-c{c}-f{n} {{ top: calc({free.top}px - {start}px); }}\n"))
                html.append(
                    (
                        at,
                        format_html(
                            '<a class="ws-free" href="{}?therapist={}&amp;starts_at={}{}" id="ws-c{}-f{}">Book {}'
                            '<span class="visually-hidden"> with {}</span></a>',
                            add_url,
                            column.therapist_id,
                            quote(free.starts_at.isoformat(), safe="/"),
                            mark_safe(option_part),  # noqa: S308 - a number, built above
                            c,
                            n,
                            _hm(free.starts_at),
                            column.therapist_name,
                        ),
                    )
                )
        for n, block in enumerate(column.blocks, start=1):
            style.append(
                f"#ws-c{c}-b{n} {{ top: calc({block.top}px - {start}px); height: {block.height}px; }}\n"
            )
            flags = "".join(
                format_html('<span class="ws-flag">{}</span>', text)
                for shown, text in (
                    (block.needs_clearance, "needs clearance"),
                    (block.needs_consent, "needs consent"),
                    (block.needs_review, "needs screening review"),
                    (block.late_cancellation, "late cancellation"),
                    (block.first_visit, "first visit"),
                )
                if shown
            )
            html.append(
                format_html(
                    '\n      <a class="ws-block{}" data-appointment="{}" data-start="{}" href="{}{}/change/" id="ws-c{}-b{}">\n'
                    "        <strong>{}–{}</strong> {}<br>\n        {} · {}<br>\n        {}\n      </a>",
                    "" if block.is_active else " ws-inactive",
                    block.appointment_id,
                    _hm(block.starts_at),
                    change_url,
                    block.appointment_id,
                    c,
                    n,
                    _hm(block.starts_at),
                    _hm(block.ends_at),
                    block.client_name,
                    block.treatment,
                    block.status_label,
                    mark_safe(flags),  # noqa: S308 - built with format_html above
                )
            )
        html.append("\n    </div>\n  </section>\n")
    if not schedule.columns:
        html.append("  <p>No active therapists.</p>\n")
    html.append("</div>\n")
    return style, html


def joined(pieces: Iterable[Piece], *, earliest: datetime, latest: datetime) -> SafeString:
    """The pieces as one HTML string, leaving out "Book" links outside [earliest, latest]."""
    low, high = earliest.timestamp(), latest.timestamp()
    return mark_safe(  # noqa: S308 - every piece was escaped when it was built
        "".join(
            p if isinstance(p, str) else p[1]
            for p in pieces
            if isinstance(p, str) or low <= p[0] <= high
        )
    )
