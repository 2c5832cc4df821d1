"""One mechanism for logging reads of clinical data in the admin.

`AccessLogged` goes on every model admin whose pages show clinical data. Each successful
GET of its list, a record or a record's history writes exactly one access-log row (who,
when, which client, what kind of record, how); a refused read (403, 404) writes none,
because the row is written only once the page is ready to be shown. A new clinical admin
gets logging by listing the mixin, and the walk test in tests/bookings/test_access_walk.py
fails for any clinical page that shows data without a row.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bookings.models.notes import AccessAction
from bookings.services.notes import access_record, client_ip


class AccessLogged:
    """Log every read of this admin's pages. `client_path` leads from a row to its client."""

    client_path = "client"
    # The list filter that narrows the list to one client, when the list is per client.
    client_filter = "client__id__exact"

    def _client_of(self, obj: Any):
        for part in self.client_path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def _log(self, request: HttpRequest, *, object_id: str, client) -> None:
        access_record(
            user=request.user,
            action=AccessAction.VIEW,
            object_type=self.model._meta.label_lower,  # type: ignore[attr-defined]
            object_id=object_id,
            client=client,
            ip=client_ip(request),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200 and hasattr(response, "context_data"):
            from clinic.models import Client

            raw = request.GET.get(self.client_filter, "")
            client = Client.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            self._log(request, object_id="list", client=client)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        original = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if request.method == "GET" and original is not None:
            self._log(request, object_id=str(original.pk), client=self._client_of(original))
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        shown = getattr(response, "context_data", {}).get("object") if response.status_code == 200 else None
        if shown is not None:
            self._log(request, object_id=str(shown.pk), client=self._client_of(shown))
        return response
