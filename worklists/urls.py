from django.urls import path

from . import views

app_name = "worklists"

urlpatterns = [
    path("views/", views.view_list, name="views"),
    path("views/save/", views.view_save, name="view_save"),
    path("views/<int:pk>/pin/", views.view_pin, name="view_pin"),
    path("views/<int:pk>/delete/", views.view_delete, name="view_delete"),
    path("bulk/", views.bulk, name="bulk"),
    path("bulk/notices.pdf", views.bulk_notices_pdf, name="bulk_notices_pdf"),
    path("export/cases.csv", views.export_cases, name="export_cases"),
    path("export/my-reviews.csv", views.export_review, name="export_review"),
    path("export/correspondence.csv", views.export_correspondence, name="export_correspondence"),
]
