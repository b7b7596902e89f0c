"""`manage.py correspondence_due`: the catch-up Celery beat runs every 5 minutes."""

from django.core.management.base import BaseCommand

from correspondence.services import correspondence_run_due


class Command(BaseCommand):
    help = "Issue missed notices and letter distributions, hand e-mails to the send task, reconcile interrupted e-mails, time out information requests and records."

    def handle(self, *args, **options):
        result = correspondence_run_due()
        summary = {key: (len(value) if isinstance(value, list) else value) for key, value in result.items()}
        self.stdout.write("; ".join(f"{key}: {value}" for key, value in summary.items()))
