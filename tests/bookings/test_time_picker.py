"""The time step's month grid and time buttons, built in Python, are the markup the template
tags gave: the former template code is kept here as the reference and both are compared
over every kind of cell and every time of a day."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone

from bookings.views.time_picker import (
    clock,
    month_name,
    month_rows,
    month_section,
    time_buttons,
    weekday_name,
)

ZONE = ZoneInfo("America/Toronto")

FORMER_GRID = """
    {% for week in weeks %}
      <tr>
      {% for cell in week %}
        {% if cell is None %}<td></td>{% else %}{% with d=cell.0 free=cell.1 %}
        <td>
          {% if free %}
            <a class="month-day{% if d == day %} chosen{% endif %}" href="?month={{ month|date:'Y-m' }}&amp;day={{ d|date:'Y-m-d' }}#times"{% if d == day %} aria-current="date"{% endif %}><span class="visually-hidden">{{ d|date:"l" }} </span>{{ d|date:"j" }}<span class="visually-hidden"> {{ d|date:"F" }},</span> <span class="month-count">{{ free }}<span class="visually-hidden"> time{{ free|pluralize }} free</span></span></a>
          {% else %}
            <span class="month-day full"><span class="visually-hidden">{{ d|date:"l" }} </span>{{ d|date:"j" }}<span class="visually-hidden"> {{ d|date:"F" }}, no times free</span></span>
          {% endif %}
        </td>
        {% endwith %}{% endif %}
      {% endfor %}
      </tr>
    {% endfor %}
"""

FORMER_TIMES = """
    {% for part, slots in day_parts %}
      <h3 class="h6 mt-2">{{ part }}</h3>
      <div class="slot-grid">
        {% for slot in slots %}{% with iso=slot.isoformat %}
          <button type="submit" name="start" value="{{ iso }}" class="btn btn-outline-primary{% if chosen == iso %} active{% endif %}"{% if chosen == iso %} aria-current="true"{% endif %}>{{ slot|time:"g:i a" }}</button>
        {% endwith %}{% endfor %}
      </div>
    {% endfor %}
"""


def tags(html: str) -> str:
    """Markup with the whitespace between tags dropped (the space inside a line, as between
    a day's number and its count, is kept)."""
    return re.sub(r">\s+<", "><", html.strip())


def weeks_of(month: date, free: dict[date, int]) -> tuple[tuple[tuple[date, int] | None, ...], ...]:
    return tuple(
        tuple((d, free.get(d, 0)) if d.month == month.month else None for d in week)
        for week in calendar.Calendar().monthdatescalendar(month.year, month.month)
    )


def test_the_month_grid_is_the_markup_the_template_gave():
    for month in (date(2026, 11, 1), date(2027, 2, 1), date(2026, 3, 1)):
        # Full days, one time (singular), many times; the chosen day and the others.
        free = {month + timedelta(days=n): (n * 7) % 23 for n in range(28)}
        free[month + timedelta(days=3)] = 1
        chosen = month + timedelta(days=9)
        former = Template(FORMER_GRID).render(
            Context({"weeks": weeks_of(month, free), "month": month, "day": chosen})
        )
        assert tags(month_rows(weeks_of(month, free), month, chosen)) == tags(former)


def test_the_time_buttons_are_the_markup_the_template_gave_at_every_time_of_day():
    day = date(2026, 11, 23)
    starts = [
        datetime.combine(day, time(0), tzinfo=ZONE) + timedelta(minutes=5 * n) for n in range(24 * 12)
    ]
    parts = [
        ("Morning", [s for s in starts if s.hour < 12]),
        ("Afternoon", [s for s in starts if 12 <= s.hour < 17]),
        ("Evening", [s for s in starts if s.hour >= 17]),
    ]
    chosen = starts[150].isoformat()
    former = Template(FORMER_TIMES).render(Context({"day_parts": parts, "chosen": chosen}))
    built = time_buttons([(name, [(s.isoformat(), clock(s)) for s in slots]) for name, slots in parts], chosen)
    assert tags(built) == tags(former)
    assert built.count('aria-current="true"') == 1


def test_names_and_clock_are_djangos_date_and_time_formats():
    from django.utils.formats import date_format, time_format

    for n in range(0, 400, 3):
        day = date(2026, 1, 1) + timedelta(days=n)
        assert weekday_name(day) == date_format(day, "l")
        assert month_name(day) == date_format(day, "F")
    moment = timezone.make_aware(datetime(2026, 11, 23, 0, 0), ZONE)
    for minutes in range(0, 24 * 60, 7):
        at = moment + timedelta(minutes=minutes)
        assert clock(at) == time_format(at, "g:i a")


def test_the_month_section_is_kept_for_its_inputs_and_follows_every_count():
    month = date(2026, 12, 1)
    free = {month + timedelta(days=n): 3 for n in range(10)}
    shown = {"language": "en-ca", "month": month, "chosen": month, "previous_month": None,
             "next_month": date(2027, 1, 1), "next_day": None}
    first = month_section(weeks=weeks_of(month, free), **shown)
    assert month_section(weeks=weeks_of(month, free), **shown) is first
    assert 'aria-current="date"' in first and "Next month (January)" in first
    free[month + timedelta(days=1)] = 1  # two times taken on 2 December
    changed = month_section(weeks=weeks_of(month, free), **shown)
    assert changed != first and '1<span class="visually-hidden"> time free</span>' in changed
    other_day = month_section(weeks=weeks_of(month, free), **{**shown, "chosen": month + timedelta(days=1)})
    assert 'href="?month=2026-12&amp;day=2026-12-02#times" aria-current="date"' in other_day
