from django.contrib.admin.apps import AdminConfig


class ImrAdminConfig(AdminConfig):
    """django.contrib.admin with the audited site as `admin.site`."""

    default_site = "imrsite.admin_site.AuditedAdminSite"
