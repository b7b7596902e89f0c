"""`manage.py generate_cases --count N [--seed S]`: realistic synthetic cases."""

from django.core.management.base import BaseCommand, CommandError

from cases.management.synthetic import generate_cases


class Command(BaseCommand):
    help = "Create realistic synthetic cases (domain.md §6 distributions) for demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many cases to create.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Cases written per transaction.")

    def handle(self, *args, count, seed, batch_size, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def progress(done, total):
            self.stdout.write(f"  {done:,} / {total:,} cases")

        result = generate_cases(count=count, seed=seed, batch_size=batch_size, progress=progress)
        if result.reviewers_created:
            self.stdout.write(f"Created {result.reviewers_created} reviewer(s) so every treatment category has one.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.count:,} cases in {result.seconds:.1f} s ({result.rate:,.0f} cases/s)."
            )
        )
