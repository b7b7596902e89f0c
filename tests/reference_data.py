"""The reference rows the data migrations make (roles, specialties, guidelines)."""

import pkgutil
from importlib import import_module

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# (app, migration name without its number, function): named without the number
# so a migration renumbered after a merge is still found.
DATA_MIGRATIONS = [
    ("accounts", "roles", "create_roles"),
    ("accounts", "manager_role", "create_manager"),
    ("reviewers", "specialties", "load"),
    ("reviewers", "non_physician_reviewers", "forwards"),
    ("determinations", "guidelines", "load"),
    ("reminders", "default_rules", "load"),
    ("billing", "fee_schedule", "load"),
]


def _migration_module(app: str, name: str):
    package = import_module(f"{app}.migrations")
    found = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name.split("_", 1)[-1] == name]
    if len(found) != 1:
        raise LookupError(f"{app}: expected one data migration named *_{name}, found {found}")
    return import_module(f"{app}.migrations.{found[0]}")


def reload_reference_data() -> None:
    """Re-run the data migrations, idempotently, with the historical models.

    A transactional test starts from whatever the previous one's flush left,
    and a flush empties these rows. (`serialized_rollback` cannot bring them
    back once another test's flush has re-created content types.)
    """
    state_apps = MigrationExecutor(connection).loader.project_state().apps
    for app, name, function in DATA_MIGRATIONS:
        getattr(_migration_module(app, name), function)(state_apps, None)
