from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/screening/", views.case_screen, name="screen"),
    path("<str:number>/documents/", views.document_upload, name="document_upload"),
    path("<str:number>/documents/<int:pk>/", views.document_download, name="document_download"),
    path("<str:number>/documents/<int:pk>/withdraw/", views.document_withdraw, name="document_withdraw"),
    path("<str:number>/records-complete/", views.records_complete, name="records_complete"),
    path("<str:number>/expedite/", views.convert_to_expedited, name="expedite"),
    path("<str:number>/assign/", views.assign, name="assign"),
    path("<str:number>/assignment/withdraw/", views.assignment_withdraw, name="assignment_withdraw"),
]
