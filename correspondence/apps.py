from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "correspondence"

    def ready(self):
        from . import documents, receivers  # noqa: F401  (document types and signal receivers)
