"""Implementation URLs, included at /implementation/ (imrsite/urls.py)."""

from django.urls import path

from . import views

app_name = "implementation"

urlpatterns = [
    path("", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("cases/<str:number>/receipt/", views.receipt_record, name="receipt"),
    path("cases/<str:number>/items/<int:pk>/", views.item_record, name="item"),
]
