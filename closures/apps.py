from django.apps import AppConfig


class ClosuresConfig(AppConfig):
    """Before the decision: termination or withdrawal (9792.10.6(a)) and consolidation (9792.10.4(a))."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "closures"
    verbose_name = "Termination and consolidation"
