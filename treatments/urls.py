from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path("", views.home, name="home"),
    path("treatments/", views.treatment_list, name="treatment_list"),
]
