from django.apps import AppConfig


class ReviewersConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'reviewers'
