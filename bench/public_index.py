"""The public decision index of a benchmark database, filled in bulk (bench.django_side's
statistics step). Imported once Django is set up."""

def _sample_public_copy():
    """One real public copy (the first decided case's), stored once: every bench letter row points at it."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from determinations import rendering
    from determinations.models import Determination, Letter

    name = "bench/public-sample.pdf"
    if not default_storage.exists(name):
        determination = Determination.objects.filter(status=Determination.Status.FINAL).order_by("pk").first()
        pdf = rendering.letter_pdf(determination=rendering.load_determination(determination.pk), variant=Letter.Variant.PUBLIC)
        default_storage.save(name, ContentFile(pdf.data))
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    return name, hashlib.sha256(data).hexdigest(), len(data)


def fill_public_index(batch: int = 2000) -> int:
    """Publish every generated decided case in bulk (the bench's stand-in for 700,000 rendered letters).

    generate_cases makes determinations but no letters, and rendering one per
    case is out of reach at a million cases, so each decided case gets a ready
    public Letter row pointing at one real public copy, and its index rows are
    written in bulk with the same classification, outcome and specialty rules
    publication_sync uses. Item descriptions are copied as generated (they hold
    no names; the product always takes the public copy's redacted text).
    """
    from django.db import transaction
    from django.utils import timezone

    from cases import classification
    from cases.models import Case
    from determinations.models import Determination, ItemDecision, Letter
    from publications.models import PublicationState, PublishedDecision, PublishedItem
    from reports.selectors import case_outcome, case_specialties

    decided = Case.objects.filter(status=Case.Status.DECIDED, decided_on__isnull=False)
    if PublishedDecision.objects.count() >= decided.count():
        return 0
    pdf_name, sha256, size = _sample_public_copy()
    published_numbers = set(PublishedDecision.objects.values_list("case_number", flat=True))
    last_pk, written = 0, 0
    specialties = set()
    while True:
        rows = list(
            decided.filter(pk__gt=last_pk).order_by("pk").values(
                "pk", "number", "decided_on", "review_type", "diagnosis_icd", "diagnosis",
                "employee__date_of_birth", "employee__sex",
            )[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1]["pk"]
        rows = [r for r in rows if r["number"] not in published_numbers]
        if not rows:
            continue
        ids = [r["pk"] for r in rows]
        determinations = dict(
            Determination.objects.filter(case_id__in=ids, status=Determination.Status.FINAL).values_list("case_id", "pk")
        )
        items: dict[int, list] = {}
        for case_id, decision, position, category, description in (
            ItemDecision.objects.filter(determination_id__in=determinations.values()).exclude(decision="")
            .order_by("determination_id", "item__position")
            .values_list("determination__case_id", "decision", "item__position", "item__category", "item__description")
        ):
            items.setdefault(case_id, []).append((decision, position, category, description))
        specialty = case_specialties(Case.objects.filter(pk__in=ids))
        now = timezone.now()
        with transaction.atomic():
            letters = Letter.objects.bulk_create([
                Letter(determination_id=determinations[r["pk"]], variant=Letter.Variant.PUBLIC, version=1,
                       status=Letter.Status.READY, file=pdf_name, sha256=sha256, page_count=3, rendered_at=now)
                for r in rows if r["pk"] in determinations and items.get(r["pk"])
            ])
            letter_of = {letter.determination_id: letter for letter in letters}
            decisions, item_rows = [], []
            for r in rows:
                letter = letter_of.get(determinations.get(r["pk"]))
                if letter is None:
                    continue
                diagnosis, diagnosis_sub = classification.diagnosis_category(r["diagnosis_icd"], r["diagnosis"])
                spec = specialty.get(r["pk"], "")
                specialties.add(spec)
                decision = PublishedDecision(
                    case_number=r["number"], decision_date=r["decided_on"],
                    review_type="Expedited" if r["review_type"] == "expedited" else "Standard",
                    case_outcome=case_outcome([d for d, *_ in items[r["pk"]]]), specialty=spec,
                    diagnosis_category=diagnosis, diagnosis_subcategory=diagnosis_sub,
                    age_range=classification.age_range(r["employee__date_of_birth"], r["decided_on"]),
                    gender=classification.gender(r["employee__sex"]), pdf=pdf_name, pdf_sha256=sha256, pdf_size=size,
                    pdf_pages=3, source_letter=letter, published_at=now,
                )
                decisions.append(decision)
                for decided_item, position, category, description in items[r["pk"]]:
                    item_rows.append(PublishedItem(
                        decision=decision, position=position, description=description[:500], category=category,
                        subcategory=classification.treatment_subcategory(category, description), outcome=decided_item,
                        decision_date=r["decided_on"], specialty=spec, diagnosis_category=diagnosis,
                    ))
            PublishedDecision.objects.bulk_create(decisions)
            PublishedItem.objects.bulk_create(item_rows, batch_size=5000)
        written += len(decisions)
    state, _ = PublicationState.objects.get_or_create(key="index", defaults={"changed_at": timezone.now()})
    state.changed_at = timezone.now()
    state.published_count = PublishedDecision.objects.count()
    state.specialties = sorted({*state.specialties, *(s for s in specialties if s)})
    state.save()
    return written
