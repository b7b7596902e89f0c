from django.apps import AppConfig


class DeterminationsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'determinations'

    def ready(self):
        # Registers the letter document type and the public-copy announcement
        # (a receiver of the engine's document_ready) in every process.
        from . import letters  # noqa: F401
