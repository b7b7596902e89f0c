"""`manage.py import_cases FILE.json`: case bundles (docs/case-bundle.md)."""

from django.core.management.base import BaseCommand, CommandError

from cases.bundle import BundleError
from determinations.bundle_import import import_bundle_file


class Command(BaseCommand):
    help = "Import cases from a JSON case bundle; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 JSON file {\"cases\": [...]}")

    def handle(self, *args, file, **options):
        notes: list[str] = []
        try:
            cases = import_bundle_file(file, notes=notes)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        except BundleError as exc:
            for line in exc.problems:
                self.stderr.write(line)
            raise CommandError(f"{file}: {len(exc.problems)} problem(s); nothing was imported.") from exc
        # Parties matched on what identifies them: what the file says differently is reported, never merged silently.
        for line in notes:
            self.stdout.write(self.style.WARNING(f"note: {line}"))
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(cases)} case(s): " + ", ".join(case.number for case in cases))
        )
