"""Public therapist pages: the team, one profile each, and their photos."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from bookings.selectors.profiles import next_free, public_therapists


@require_GET
def therapist_list(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/therapists/list.html", {"therapists": public_therapists()})


@require_GET
def therapist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    therapist = get_object_or_404(public_therapists(), pk=pk)
    return render(
        request,
        "bookings/therapists/detail.html",
        {"therapist": therapist, "next": next_free(therapist)},
    )


@require_GET
def therapist_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored (resized, EXIF-free) photo of an active therapist. Served through this
    view because stored files never have a public path of their own."""
    therapist = get_object_or_404(public_therapists(), pk=pk)
    if not therapist.photo:
        raise Http404("No photo.")
    try:
        handle = therapist.photo.open("rb")
    except FileNotFoundError:
        raise Http404("No photo.") from None
    response = FileResponse(handle, content_type="image/jpeg")
    patch_cache_control(response, public=True, max_age=3600)
    return response
