"""The reference rows the data migrations make (roles, specialties, guidelines)."""

from importlib import import_module

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DATA_MIGRATIONS = [
    ("accounts.migrations.0002_roles", "create_roles"),
    ("accounts.migrations.0009_manager_role", "create_manager"),
    ("reviewers.migrations.0002_specialties", "load"),
    ("reviewers.migrations.0003_non_physician_reviewers", "forwards"),
    ("determinations.migrations.0002_guidelines", "load"),
]


def reload_reference_data() -> None:
    """Re-run the data migrations, idempotently, with the historical models.

    A transactional test starts from whatever the previous one's flush left,
    and a flush empties these rows. (`serialized_rollback` cannot bring them
    back once another test's flush has re-created content types.)
    """
    state_apps = MigrationExecutor(connection).loader.project_state().apps
    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(state_apps, None)
