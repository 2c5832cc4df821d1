from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.pagecache import cached_public_page
from treatments.selectors import treatments_for_public


@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "treatments/home.html", {"treatments": treatments_for_public()})


@cached_public_page
def treatment_list(request: HttpRequest) -> HttpResponse:
    return render(request, "treatments/treatment_list.html", {"treatments": treatments_for_public()})
