from django.urls import path

from . import views

app_name = "closures"

urlpatterns = [
    path("<str:number>/terminate/", views.terminate, name="terminate"),
    path("<str:number>/consolidate/", views.consolidate, name="consolidate"),
    path("<str:number>/additional-reviewer/", views.additional_reviewer, name="additional_reviewer"),
]
