from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from treatments.selectors import treatments_for_public


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "treatments/home.html", {"treatments": treatments_for_public()})


def treatment_list(request: HttpRequest) -> HttpResponse:
    return render(request, "treatments/treatment_list.html", {"treatments": treatments_for_public()})
