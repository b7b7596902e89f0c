from django.apps import AppConfig


class DeterminationsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'determinations'
