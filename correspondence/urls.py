"""Correspondence URLs, included at /correspondence/ (imrsite/urls.py)."""

from django.urls import path

from . import views

app_name = "correspondence"

urlpatterns = [
    path("", views.correspondence_list, name="list"),
    path("batches/", views.batch_prepare, name="batch_prepare"),
    path("batches/<int:pk>/pdf/", views.batch_pdf, name="batch_pdf"),
    path("batches/<int:pk>/mailed/", views.batch_mailed, name="batch_mailed"),
    path("batches/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("deliveries/<int:pk>/confirm/", views.delivery_confirm, name="delivery_confirm"),
    path("deliveries/<int:pk>/failed/", views.delivery_failed, name="delivery_failed"),
    path("notices/<int:pk>/retry/", views.notice_retry, name="notice_retry"),
    path("late-records/", views.late_records, name="late_records"),
    path("late-records.csv", views.late_records_csv, name="late_records_csv"),
    path("d/<uuid:token>/", views.open_document, name="open"),
    path("cases/<str:number>/notices/<int:pk>/", views.notice_download, name="notice_download"),
    path("cases/<str:number>/noarfi/", views.noarfi_issue, name="noarfi_issue"),
    path("cases/<str:number>/contacts/<str:role>/", views.contact_update, name="contact_update"),
    path("cases/<str:number>/requests/", views.information_request, name="information_request"),
    path("cases/<str:number>/requests/<int:pk>/answer/", views.information_answer, name="information_answer"),
    path("review/<str:number>/questions/", views.reviewer_question, name="reviewer_question"),
]
