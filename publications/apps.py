from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publications"
    verbose_name = "Public decision index"

    def ready(self):
        from determinations.models import Letter
        from imrsite.pipeline import document_ready

        from . import services

        def on_document_ready(sender, pk, **kwargs):
            services.letter_ready(letter_id=pk)

        # Sent robustly after the commit that made the letter ready: a failure here
        # is logged and never touches the letter (the sweep publishes it later).
        document_ready.connect(on_document_ready, sender=Letter, weak=False, dispatch_uid="publications.letter_ready")
