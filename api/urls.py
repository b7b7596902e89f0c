"""The API's paths, exactly where the published clients call them."""

from django.urls import path, re_path

from . import manifest, pages, views

app_name = "api"

BASE = "apigw/webservices/rest/apigw/"

urlpatterns = [
    path("auth/realms/<str:realm>/protocol/openid-connect/token", views.TokenView.as_view(), name="token"),
    path("auth/realms/<str:realm>/protocol/openid-connect/logout", views.LogoutView.as_view(), name="logout"),
    path(BASE + "cases/search", views.CaseSearchView.as_view(), name="cases_search"),
    path(BASE + "cases/searchrfi", views.RfiSearchView.as_view(), name="cases_searchrfi"),
    path(BASE + "docs/search/cn/<str:number>", views.DocumentSearchView.as_view(), name="docs_search"),
    path(BASE + "docs/upload/cn/<str:number>", views.UploadView.as_view(), name="docs_upload"),
    path(BASE + "docs/upload", views.LegacyUploadView.as_view(), name="docs_upload_legacy"),
    # Handles contain a slash and are sent unencoded.
    path(BASE + "docs/download/<path:handle>", views.DocumentDownloadView.as_view(), name="docs_download"),
    # The SDK's samples call the date list with and without its trailing slash.
    re_path(r"^" + BASE + r"events/noarfi/?$", manifest.ManifestDatesView.as_view(), name="noarfi_dates"),
    path(BASE + "events/noarfi/<str:day>", manifest.ManifestView.as_view(), name="noarfi_day"),
    path("apigw/openapi.json", pages.schema, name="schema"),
    path("apigw/docs/", pages.documentation, name="docs"),
    # Anything else under /apigw/, line breaks included, answers the contract's JSON 404.
    re_path(r"^apigw/(?P<rest>[\s\S]*)\Z", views.not_found, name="not_found"),
]
