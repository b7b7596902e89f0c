"""`manage.py publish_decisions [--all]`: the public index's catch-up sweep, or a rebuild."""

from django.core.management.base import BaseCommand

from publications.services import publications_sweep


class Command(BaseCommand):
    help = "Publish decided cases whose public copy is ready and withdraw what must not be public."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Look at every decided and published case.")

    def handle(self, *args, all=False, **options):
        result = publications_sweep(rebuild=all)
        self.stdout.write(self.style.SUCCESS(f"Looked at {result.cases} case(s); {result.published} published."))
