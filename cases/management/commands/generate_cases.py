"""`manage.py generate_cases --count N [--seed S] [--distinct D]`: realistic synthetic cases."""

import time

from django.core.management.base import BaseCommand, CommandError

from cases.management.synthetic import generate_cases

DEFAULT_DISTINCT = 20_000


class Command(BaseCommand):
    help = (
        "Create realistic synthetic cases (domain.md §6 distributions) for demos and benchmarks. "
        "On PostgreSQL the first --distinct cases are drawn one by one and written with COPY; "
        "beyond that, further cases are copies of them made in SQL (new numbers, keys and employees)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many cases to create.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Cases written per transaction.")
        parser.add_argument(
            "--distinct", type=int, default=DEFAULT_DISTINCT,
            help=f"Cases drawn one by one before the rest are copied in SQL (PostgreSQL; default {DEFAULT_DISTINCT:,}; "
            "0: every case drawn one by one).",
        )

    def handle(self, *args, count, seed, batch_size, distinct, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if distinct < 0:
            raise CommandError("--distinct must be 0 or more")
        started = time.monotonic()

        def progress(done, total):
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed else 0
            eta = (total - done) / rate if rate else 0
            self.stdout.write(f"  {done:,} / {total:,} cases  {elapsed:.0f} s  ({rate:,.0f} cases/s, ~{eta:.0f} s left)")
            self.stdout.flush()

        result = generate_cases(count=count, seed=seed, batch_size=batch_size, progress=progress, distinct=distinct or None)
        if result.reviewers_created:
            self.stdout.write(f"Created {result.reviewers_created} reviewer(s) so every treatment category has one.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.count:,} cases in {result.seconds:.1f} s ({result.rate:,.0f} cases/s)."
            )
        )
