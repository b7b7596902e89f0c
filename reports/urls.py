from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="index"),
    path("export/<slug:table>.<str:fmt>", views.report_export, name="export"),
    path("pdf/", views.report_pdf_request, name="pdf_request"),
    path("pdf/<int:pk>/", views.report_pdf_download, name="pdf_download"),
    path("refresh/", views.report_refresh, name="refresh"),
]
