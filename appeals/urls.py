"""Appeal URLs, included at /appeals/ (imrsite/urls.py)."""

from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("cases/<str:number>/", views.appeal_record, name="record"),
    path("cases/<str:number>/<int:pk>/outcome/", views.appeal_decide, name="decide"),
]
