"""The project's Django admin site (the default `admin.site`, see imrsite.apps)."""

from django.contrib import admin

from .admin_mixins import AuditedAdminMixin


class AuditedAdminSite(admin.AdminSite):
    """Django's AdminSite, except that every model admin registered on it is
    audited (AuditedAdminMixin), whichever app registers it and however."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        """The search behind an autocomplete box lists the objects it finds (people's names):
        a list read of the model searched, like its change list (the search term is not kept)."""
        from django.apps import apps
        from django.core.exceptions import FieldDoesNotExist

        from accounts import audit

        response = super().autocomplete_view(request)
        if response.status_code == 200:
            try:
                source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
                remote = source._meta.get_field(request.GET["field_name"]).remote_field.model
            except (KeyError, LookupError, FieldDoesNotExist, AttributeError):
                return response  # Django answered 403 for these already; nothing was listed
            audit.admin_list_read(remote, page="admin-autocomplete")
        return response
