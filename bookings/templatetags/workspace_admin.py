"""The appointment list's date hierarchy, without truncating every row's date.

Django's `date_hierarchy` lists the years, months or days that hold rows with
`QuerySet.datetimes()`: a DISTINCT over every row's date converted to the clinic's zone,
which on 50,000 appointments took most of the page's time. Here the periods run from the
first to the last matching row (two index lookups), so a period with no appointment at
all (a Sunday) may be listed, and opens an empty list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.utils import timezone

register = template.Library()


class _Periods:
    """The part of a changelist queryset that Django's date hierarchy uses."""

    def __init__(self, queryset) -> None:
        self.queryset = queryset
        self._found: dict[str, tuple[datetime | None, datetime | None]] = {}

    def _ends(self, field: str) -> tuple[datetime | None, datetime | None]:
        if field not in self._found:
            ordered = self.queryset.order_by(field).values_list(field, flat=True)
            first = ordered.first()
            last = ordered.reverse().first() if first is not None else None
            self._found[field] = (first, last)
        return self._found[field]

    def aggregate(self, *, first, last) -> dict:
        low, high = self._ends(first.source_expressions[0].name)
        return {"first": low, "last": high}

    def datetimes(self, field: str, kind: str) -> list[datetime]:
        low, high = self._ends(field)
        if low is None:
            return []
        low, high = timezone.localtime(low), timezone.localtime(high)
        periods = []
        if kind == "year":
            periods = [low.replace(year=y, month=1, day=1) for y in range(low.year, high.year + 1)]
        elif kind == "month":
            month = low.replace(day=1)
            while (month.year, month.month) <= (high.year, high.month):
                periods.append(month)
                month = (month + timedelta(days=32)).replace(day=1)
        else:
            day = low
            while day.date() <= high.date():
                periods.append(day)
                day += timedelta(days=1)
        return [p.replace(hour=0, minute=0, second=0, microsecond=0) for p in periods]


class _ChangeList:
    def __init__(self, cl) -> None:
        self._cl = cl
        self.queryset = _Periods(cl.queryset)

    def __getattr__(self, name):
        return getattr(self._cl, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def appointment_date_hierarchy(cl):
    return date_hierarchy(_ChangeList(cl))
