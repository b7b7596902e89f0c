from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("", views.decision_search, name="search"),
    path("index.csv", views.decision_index_csv, name="index_csv"),
    path("<str:number>/public-copy.pdf", views.decision_pdf, name="pdf"),
]
