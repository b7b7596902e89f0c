"""`manage.py seed_demo [--password PW]`: demo users, the seed case, open cases."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.management.demo import seed_demo


class Command(BaseCommand):
    help = "Demo users (intake, reviewer, reviewer2, admin, manager), the seed letter's case and open cases at every stage."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the demo users (default: generated and printed once).")

    def handle(self, *args, password=None, **options):
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("--password: " + " ".join(exc.messages)) from exc
        result = seed_demo(password=password)
        if result.users_created:
            self.stdout.write("Users created: " + ", ".join(result.users_created))
        if result.passwords_reset:
            self.stdout.write("Passwords reset: " + ", ".join(result.passwords_reset))
        if result.password:
            self.stdout.write(f"Password for the new demo users (shown once): {result.password}")
        if result.cases_created:
            self.stdout.write("Cases created: " + ", ".join(result.cases_created))
        if result.letters_requested:
            self.stdout.write(f"Letters requested for the seed case: {result.letters_requested}")
        if not (result.users_created or result.passwords_reset or result.cases_created or result.letters_requested):
            self.stdout.write("Demo data already present; nothing to do.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
