"""The markup of the booking time step's month grid and day's time buttons, built in one
pass in Python.

Rendered with template tags, a month of cells and a day of times cost some 150 `date`
filters and most of the page's time. The strings here are the ones those tags gave (the
same tags and attributes, Django's own translated day and month names, `date:"l"`,
`date:"j"`, `date:"F"` and `time:"g:i a"`); tests/bookings/test_time_picker.py holds them to
that. What differs per visitor (the time they chose) is marked as the buttons are joined.
The month section around the grid (its caption, weekdays and links to other months) is a
template rendered once per process for each month, counts and chosen day, and kept.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache

from django.template.loader import render_to_string
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Week = tuple[tuple[date, int] | None, ...]

CURRENT_DATE = ' aria-current="date"'
CURRENT_TIME = ' aria-current="true"'


def weekday_name(day: date) -> str:
    """`day|date:"l"`."""
    return str(WEEKDAYS[day.weekday()])


def month_name(day: date) -> str:
    """`day|date:"F"`."""
    return str(MONTHS[day.month])


def clock(moment: datetime) -> str:
    """`moment|time:"g:i a"` for a wall-clock time already in the clinic's zone."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {_('p.m.') if moment.hour > 11 else _('a.m.')}"


def month_rows(weeks: Sequence[Sequence[tuple[date, int] | None]], month: date, chosen: date | None) -> SafeString:
    """The grid's body: a row per week, a cell per day of the month (a link with the number
    of free times when there are some), empty cells for the days of the months around."""
    month_iso = f"{month:%Y-%m}"
    month_label = conditional_escape(month_name(month))
    names = [conditional_escape(str(WEEKDAYS[i])) for i in range(7)]
    rows = []
    for week in weeks:
        cells = []
        for cell in week:
            if cell is None:
                cells.append("<td></td>")
                continue
            day, free = cell
            before = f'<span class="visually-hidden">{names[day.weekday()]} </span>{day.day}'
            if free:
                current = day == chosen
                cells.append(
                    f'<td><a class="month-day{" chosen" if current else ""}" '
                    f'href="?month={month_iso}&amp;day={day.isoformat()}#times"'
                    f'{CURRENT_DATE if current else ""}>{before}'
                    f'<span class="visually-hidden"> {month_label},</span> <span class="month-count">{free}'
                    f'<span class="visually-hidden"> time{"" if free == 1 else "s"} free</span></span></a></td>'
                )
            else:
                cells.append(
                    f'<td><span class="month-day full">{before}'
                    f'<span class="visually-hidden"> {month_label}, no times free</span></span></td>'
                )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - built from dates, numbers and escaped names


@lru_cache(maxsize=512)
def month_section(
    *,
    language: str | None,
    month: date,
    weeks: tuple[Week, ...],
    chosen: date | None,
    previous_month: date | None,
    next_month: date | None,
    next_day: date | None,
) -> SafeString:
    """The month grid with its links to other months (templates/bookings/public/_month.html)
    in `language` (the one active).

    Nothing of a visitor's is in it but the day they look at, and its markup follows only
    from these arguments: it is rendered once per process for each, and kept (the free
    times it counts are as new as the caller's)."""
    context = {
        "month": month,
        "month_rows": month_rows(weeks, month, chosen),
        "weekdays": [(calendar.day_abbr[i], calendar.day_name[i]) for i in range(7)],
        "previous_month": previous_month,
        "next_month": next_month,
        "next_day": next_day,
    }
    return mark_safe(render_to_string("bookings/public/_month.html", context))  # noqa: S308 - a template's output


def time_buttons(parts: Iterable[tuple[str, Sequence[tuple[str, str]]]], chosen: object) -> SafeString:
    """A heading and a row of submit buttons per part of the day; each part's times as
    (ISO start, clock label). The button of the `chosen` ISO start is marked current."""
    html = []
    for name, times in parts:
        buttons = []
        for iso, label in times:
            current = iso == chosen
            buttons.append(
                f'<button type="submit" name="start" value="{conditional_escape(iso)}" '
                f'class="btn btn-outline-primary{" active" if current else ""}"'
                f'{CURRENT_TIME if current else ""}>{conditional_escape(label)}</button>'
            )
        row = "\n".join(buttons)
        html.append(f'<h3 class="h6 mt-2">{conditional_escape(name)}</h3>\n<div class="slot-grid">\n{row}\n</div>')
    return mark_safe("\n".join(html))  # noqa: S308 - every value escaped above
