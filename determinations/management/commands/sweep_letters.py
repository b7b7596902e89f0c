"""`manage.py sweep_letters`: the re-queue sweep that Celery beat runs every 5 minutes."""

from django.core.management.base import BaseCommand

from determinations.letters import letters_sweep


class Command(BaseCommand):
    help = "Re-queue letters stuck in the queue or in a crashed render; fail those out of attempts."

    def handle(self, *args, **options):
        result = letters_sweep()
        self.stdout.write(f"re-queued {len(result.requeued)} letter(s); failed {result.failed} out of attempts")
