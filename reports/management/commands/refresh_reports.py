"""`manage.py refresh_reports [--full]`: the summary tables' refresh Celery beat runs."""

from django.core.management.base import BaseCommand

from reports.services import reports_refresh


class Command(BaseCommand):
    help = "Refresh the DWC statistics' summary tables: the months changed since the last run (or every month)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every month.")

    def handle(self, *args, full=False, **options):
        result = reports_refresh(full=full)
        if result.skipped:
            self.stdout.write("Another refresh is running; nothing done.")
            return
        kind = "every month" if result.full else "changed months"
        self.stdout.write(self.style.SUCCESS(f"Refreshed {len(result.months)} month(s) ({kind}) in {result.seconds:.1f} s."))
