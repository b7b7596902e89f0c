from django.urls import path

from . import views

app_name = "review"

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
    path("<str:number>/", views.case_file, name="case"),
    path("<str:number>/accept/", views.accept, name="accept"),
    path("<str:number>/decline/", views.decline, name="decline"),
    path("<str:number>/determination/", views.determination, name="determination"),
    path("<str:number>/determination/check/", views.determination_check, name="determination_check"),
    path("<str:number>/determination/preview/", views.preview, name="preview"),
    path("<str:number>/determination/preview/letter/", views.preview_letter, name="preview_letter"),
    path("<str:number>/determination/finalize/", views.finalize, name="finalize"),
]
