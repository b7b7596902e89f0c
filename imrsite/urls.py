from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import SignInView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/notifications/", include("accounts.urls")),
    path("accounts/", include("accounts.auth_urls")),
    path("cases/", include("cases.urls")),
    path("review/", include("determinations.urls")),
    path("letters/", include("determinations.letter_urls")),
    path("reports/", include("reports.urls")),
    path("decisions/", include("publications.urls")),
    path("correspondence/", include("correspondence.urls")),
    path("implementation/", include("implementation.urls")),
    path("appeals/", include("appeals.urls")),
    # The claims administrators' API at the published paths (/auth/realms/..., /apigw/...).
    path("", include("api.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

admin.site.site_header = f"{settings.IMRO_SHORT_NAME} IMR administration"
admin.site.site_title = "IMR admin"
admin.site.index_title = "Cases, reviewers and reference data"
