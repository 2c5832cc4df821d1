"""Health-privacy views: a clearance document download, and a person's own copy of their
records (manager in the admin, or the client in the portal). Each is logged and never
cached."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from bookings.models.notes import AccessAction
from bookings.portal_session import portal_client
from bookings.selectors.visibility import clinical_scope
from bookings.services.notes import access_record, client_ip
from bookings.services.privacy import client_export
from clinic.models import Client
from treatments.models import MedicalClearance


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def export_response(archive: bytes, client: Client) -> HttpResponse:
    """The ZIP as a download that no cache keeps."""
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="client-{client.public_id}.zip"'
    return _no_store(response)


@require_GET
@staff_member_required
def clearance_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A clearance's uploaded document, for those the visibility rule lets read the client's
    record (404 for everyone else, so nobody learns it exists); logged as a download."""
    clearance = get_object_or_404(
        clinical_scope(MedicalClearance.objects.select_related("client"), request.user), pk=pk
    )
    if not clearance.document:
        raise Http404("This clearance has no document.")
    try:
        handle = clearance.document.open("rb")
    except FileNotFoundError:
        raise Http404("The stored document is missing.") from None
    access_record(
        user=request.user, action=AccessAction.DOWNLOAD, obj=clearance, client=clearance.client,
        ip=client_ip(request),
    )
    suffix = clearance.document.name.rsplit(".", 1)[-1] if "." in clearance.document.name else "bin"
    response = FileResponse(handle, as_attachment=True, filename=f"clearance-{clearance.pk}.{suffix}")
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


@require_POST
def portal_export(request: HttpRequest) -> HttpResponse:
    """A signed-in portal client downloads their own copy."""
    client = portal_client(request)
    if client is None:
        return redirect("bookings:portal")
    archive = client_export(client=client, by=None, ip=client_ip(request))
    return export_response(archive, client)
