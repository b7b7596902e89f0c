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
