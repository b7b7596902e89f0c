from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publications"
    verbose_name = "Public decision index"

    def ready(self):
        from determinations.signals import public_copy_ready

        from . import services

        def on_public_copy_ready(sender, *, letter, **kwargs):
            services.publication_sync(case_id=letter.determination.case_id)

        # Sent robustly after the commit that made the public copy ready, in the
        # process that rendered it: the index row is written there and then (no
        # second task and hand-over per decision); a failure is logged and never
        # touches the letter, and publications.sweep publishes it later.
        public_copy_ready.connect(on_public_copy_ready, weak=False, dispatch_uid="publications.public_copy_ready")
