from django.apps import AppConfig


class ReviewersConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'reviewers'

    def ready(self):
        from . import audit

        audit.connect()  # credential changes go to the audit trail, whoever makes them
