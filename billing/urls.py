from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("issue/", views.invoices_issue, name="issue"),
    path("aging/", views.aging, name="aging"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/payments/", views.payment_record, name="payment"),
    path("invoices/<int:pk>/csv/", views.invoice_csv, name="invoice_csv"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
