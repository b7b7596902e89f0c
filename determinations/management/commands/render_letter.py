"""`manage.py render_letter CASE_NUMBER --output FILE.pdf [--public] [--html FILE.html]`.

Renders synchronously through the same code as the Celery task
(`determinations.rendering`), to a file; the letter rows are not touched.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from determinations import rendering
from determinations.letter_selectors import final_determination_for
from determinations.models import Letter


class Command(BaseCommand):
    help = "Render a case's Final Determination Letter to a PDF file (and optionally its HTML)."

    def add_arguments(self, parser):
        parser.add_argument("case_number")
        parser.add_argument("--output", required=True, help="PDF file to write")
        parser.add_argument("--public", action="store_true", help="the redacted public copy")
        parser.add_argument("--html", help="also write the letter's HTML here (linked to the print stylesheet)")

    def handle(self, *args, case_number, output, public, html, **options):
        determination = final_determination_for(case_number)
        if determination is None:
            raise CommandError(f"{case_number}: no such case, or it has no final determination")
        determination = rendering.load_determination(determination.pk)
        variant = Letter.Variant.PUBLIC if public else Letter.Variant.PARTIES
        markup = rendering.letter_html(determination=determination, variant=variant)
        pdf = rendering.html_to_pdf(markup)
        try:
            Path(output).write_bytes(pdf.data)
            if html:
                viewable = rendering.letter_html(
                    determination=determination, variant=variant, stylesheet_href=rendering.STYLESHEET.resolve().as_uri()
                )
                Path(html).write_text(viewable, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{output}: {pdf.page_count} page(s), {len(pdf.data)} bytes, sha256 {pdf.sha256}")
        )
