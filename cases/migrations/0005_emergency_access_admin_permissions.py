"""The admin role may grant and review emergency access; no other role gets
these permissions (the intake group's app-wide "cases" grant predates the model)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_emergencyaccess", "view_emergencyaccess"]


def grant_admin(apps, schema_editor):
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="admin")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="cases", codename__in=CODENAMES))


def ungrant_admin(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="admin"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="cases", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_emergency_access"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_admin, ungrant_admin)]
