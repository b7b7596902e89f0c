"""`manage.py reminders_rebuild`: every open case is looked at by the next reminders run
(after an import, `generate_cases` or the first deploy of the reminders app)."""

from django.core.management.base import BaseCommand

from reminders.services import reminders_rebuild


class Command(BaseCommand):
    help = "Put every open case on the reminders schedule for the next run of the reminders job."

    def handle(self, *args, **options):
        count = reminders_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count:,} open case(s) scheduled for the next reminders run."))
