from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'accounts'

    def ready(self):
        from . import audit, signals  # noqa: F401  (connects the sign-in receivers)

        audit.connect_admin_log()  # admin edits go to the audit trail too
