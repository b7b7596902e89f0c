"""Letter URLs, included at /letters/ (imrsite/urls.py)."""

from django.urls import path

from . import letter_views

app_name = "letters"

urlpatterns = [
    path("<str:number>/status/", letter_views.letter_status, name="status"),
    path("<str:number>/<int:pk>/download/", letter_views.letter_download, name="download"),
]
