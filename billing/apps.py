from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Review fees (8 CCR 9792.10.8): the schedule, one fee line per case, monthly invoices, payments."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = "Fees and invoices"

    def ready(self):
        from . import documents  # noqa: F401  (the invoice's document type)
