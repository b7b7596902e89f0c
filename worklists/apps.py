from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "worklists"
    verbose_name = "Work queues and saved views"
