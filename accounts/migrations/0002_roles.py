"""Create the three role groups with their model permissions.

Object-level rules (a reviewer sees only assigned cases) live in the
selectors; these permissions say what each role may do at all.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "intake": {
        "cases": ["add", "change", "view"],
        "reviewers.reviewer": ["view"],
        "reviewers.specialty": ["view"],
        "reviewers.specialtyfit": ["view"],
        "reviewers.boardcertification": ["view"],
        "reviewers.license": ["view"],
        "reviewers.affiliation": ["view"],
        "reviewers.assignment": ["add", "change", "view"],
        "determinations.determination": ["view"],
        "determinations.itemdecision": ["view"],
        "determinations.letter": ["view"],
        "determinations.guideline": ["view"],
    },
    "reviewer": {
        "cases.case": ["view"],
        "cases.disputeditem": ["view"],
        "cases.casedocument": ["view"],
        "cases.party": ["view"],
        "reviewers.assignment": ["view", "change"],
        "determinations.determination": ["add", "change", "view"],
        "determinations.itemdecision": ["add", "change", "view"],
        "determinations.letter": ["view"],
        "determinations.guideline": ["view"],
    },
    "admin": {
        "accounts": ["add", "change", "view"],
        "cases": ["add", "change", "view", "delete"],
        "reviewers": ["add", "change", "view", "delete"],
        "determinations": ["add", "change", "view"],
        "auth.group": ["view"],
    },
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for target, actions in grants.items():
            if "." in target:
                app_label, model = target.split(".")
                qs = Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
            else:
                qs = Permission.objects.filter(content_type__app_label=target)
            perms += [p for p in qs if p.codename.split("_", 1)[0] in actions]
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0001_initial"),
        ("reviewers", "0001_initial"),
        ("determinations", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
