"""The access matrix: every URL pattern of the project, as every role.

The URL list comes from the URL conf itself (`get_resolver()`, walked
recursively), so a new view without a row in EXPECTED fails this test: no
page can be forgotten. Path converters are filled with real objects: the
case assigned to reviewer A, its document, A's decided case and its letter.
Admin URLs follow one rule (admin: the page, everyone else: the admin login),
with the model's own add/delete permission deciding 200 or 403.

Roles: anonymous, intake, the assigned reviewer (A), another reviewer (B),
admin, and the read-only manager (statistics only: `MANAGER`).
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from imrsite.tests.admin_objects import BUILDERS

from .phi_world import build_world, stored_document

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "intake", "reviewer", "other_reviewer", "admin", "manager")
LOGIN = "login"  # a 302 to /accounts/login/
ADMIN_LOGIN = "admin_login"  # a 302 to the admin's login page


def row(anonymous, intake, reviewer, other_reviewer, admin_):
    return dict(zip(ROLES, (anonymous, intake, reviewer, other_reviewer, admin_)))


def same(status, anonymous=LOGIN):
    return row(anonymous, status, status, status, status)


# GET status per URL name. 302 means "a redirect somewhere other than a login page".
EXPECTED = {
    "home": row(LOGIN, 200, 302, 302, 200),  # staff: the work queues; the others are sent to their pages
    "healthz": same(200, anonymous=200),
    "login": row(200, 302, 302, 302, 302),
    "logout": same(405, anonymous=405),  # POST only
    "accounts:notifications": same(200),  # everyone's own inbox
    "reminders:settings": same(200),  # everyone's own reminder e-mail choice
    "accounts:notifications_read": same(405),
    "session_status": same(200, anonymous=401),  # the idle-timeout dialog's clock: JSON, never a redirect
    "session_keep_alive": same(405, anonymous=405),  # POST only
    "two_factor": same(200),
    "two_factor_verify": same(302),  # nothing to verify until a device is set up
    "two_factor_setup": same(200),
    "two_factor_recovery_codes": same(302),
    "password_change": same(200),
    "password_change_done": same(200),
    "cases:list": row(LOGIN, 200, 403, 403, 200),
    "cases:new": row(LOGIN, 200, 403, 403, 200),
    "cases:detail": row(LOGIN, 200, 403, 403, 200),
    "cases:screen": same(405, anonymous=405),
    "cases:document_upload": same(405, anonymous=405),
    "cases:document_download": row(LOGIN, 200, 200, 404, 200),
    "cases:document_withdraw": same(405, anonymous=405),  # POST only
    "cases:records_complete": same(405, anonymous=405),
    "cases:expedite": same(405, anonymous=405),
    "cases:assign": same(405, anonymous=405),
    "cases:assignment_withdraw": same(405, anonymous=405),  # POST only
    "review:dashboard": row(LOGIN, 403, 200, 200, 403),
    "review:case": row(LOGIN, 403, 200, 404, 403),
    "review:accept": same(405),
    "review:decline": same(405),
    "review:determination": row(LOGIN, 403, 200, 404, 403),
    "review:determination_check": same(405),  # POST only (the form's live check)
    "review:preview": row(LOGIN, 403, 200, 404, 403),
    "review:preview_letter": row(LOGIN, 403, 200, 404, 403),
    "review:finalize": row(LOGIN, 403, 200, 404, 403),
    "letters:status": row(LOGIN, 200, 200, 404, 200),
    "letters:download": row(LOGIN, 200, 200, 404, 200),
    "reports:index": row(LOGIN, 403, 403, 403, 200),
    "reports:export": row(LOGIN, 403, 403, 403, 200),
    "reports:pdf_request": same(405, anonymous=405),  # POST only
    "reports:pdf_download": row(LOGIN, 403, 403, 403, 200),
    "reports:refresh": same(405, anonymous=405),  # POST only (admins)
    # The public decision search: no sign-in, the same for everyone.
    "decisions:search": same(200, anonymous=200),
    "decisions:index_csv": same(200, anonymous=200),
    "decisions:pdf": same(200, anonymous=200),
    "correspondence:list": row(LOGIN, 200, 403, 403, 200),
    "correspondence:batch_prepare": same(405, anonymous=405),
    "correspondence:batch_pdf": row(LOGIN, 200, 403, 403, 200),
    "correspondence:batch_mailed": same(405, anonymous=405),
    "correspondence:batch_retry": same(405, anonymous=405),
    "correspondence:delivery_retry": same(405, anonymous=405),
    "correspondence:delivery_confirm": same(405, anonymous=405),
    "correspondence:delivery_failed": same(405, anonymous=405),
    "correspondence:notice_retry": same(405, anonymous=405),
    "correspondence:late_records": row(LOGIN, 200, 403, 403, 200),
    "correspondence:late_records_csv": row(LOGIN, 200, 403, 403, 200),
    "correspondence:open": row(LOGIN, 200, 200, 404, 200),  # the e-mail's link: whoever may see the case
    "correspondence:notice_download": row(LOGIN, 200, 200, 404, 200),
    "correspondence:noarfi_issue": same(405, anonymous=405),
    "correspondence:contact_update": same(405, anonymous=405),
    "correspondence:information_request": same(405, anonymous=405),
    "correspondence:information_answer": same(405, anonymous=405),
    "correspondence:reviewer_question": same(405, anonymous=405),
    # Termination, consolidation, additional reviewer (issue 14): POST only, intake staff and admins.
    "closures:terminate": same(405, anonymous=405),
    "closures:consolidate": same(405, anonymous=405),
    "closures:additional_reviewer": same(405, anonymous=405),
    # Fees and invoices: staff and managers read, staff write (POST only).
    "billing:invoices": row(LOGIN, 200, 403, 403, 200),
    "billing:issue": same(405, anonymous=405),
    "billing:aging": row(LOGIN, 200, 403, 403, 200),
    "billing:invoice": row(LOGIN, 200, 403, 403, 200),
    "billing:payment": same(405, anonymous=405),
    "billing:invoice_csv": row(LOGIN, 200, 403, 403, 200),
    "billing:invoice_pdf": row(LOGIN, 200, 403, 403, 200),
    "implementation:report": row(LOGIN, 200, 403, 403, 200),
    "implementation:report_csv": row(LOGIN, 200, 403, 403, 200),
    "implementation:receipt": same(405, anonymous=405),  # POST only
    "implementation:item": same(405, anonymous=405),
    "appeals:record": same(405, anonymous=405),
    "appeals:decide": same(405, anonymous=405),
    # Work queues, saved views, bulk actions and exports (worklists)
    "worklists:views": row(LOGIN, 200, 200, 200, 200),
    "worklists:view_save": same(405, anonymous=405),  # POST only
    "worklists:view_pin": same(405, anonymous=405),
    "worklists:view_delete": same(405, anonymous=405),
    "worklists:bulk": same(405, anonymous=405),
    "worklists:bulk_notices_pdf": same(405, anonymous=405),
    "worklists:export_cases": row(LOGIN, 200, 403, 403, 200),
    "worklists:export_review": row(LOGIN, 403, 200, 200, 403),
    "worklists:export_correspondence": row(LOGIN, 200, 403, 403, 200),
    # The claims administrators' API: bearer tokens only, a browser session opens nothing
    # (api/tests/test_access.py walks it per organization and token state).
    "api:token": same(405, anonymous=405),  # POST only
    "api:logout": same(405, anonymous=405),
    "api:cases_search": same(401, anonymous=401),
    "api:cases_searchrfi": same(401, anonymous=401),
    "api:docs_search": same(401, anonymous=401),
    "api:docs_upload": same(401, anonymous=401),
    "api:docs_upload_legacy": same(401, anonymous=401),
    "api:docs_download": same(401, anonymous=401),
    "api:noarfi_dates": same(401, anonymous=401),
    "api:noarfi_day": same(401, anonymous=401),
    "api:not_found": same(404, anonymous=404),
    # The API's description for integrators: public, like the published SDK's, no case data.
    "api:schema": same(200, anonymous=200),
    "api:docs": same(200, anonymous=200),
}

# The manager (a signed-in user with no case role): where signed-in roles differ,
# what a manager gets; a URL every signed-in role gets alike needs no entry
# (`manager_expected`). On admin URLs a manager is like intake (not staff).
MANAGER = {
    "home": 302,  # to the reports
    "cases:list": 403, "cases:new": 403, "cases:detail": 403, "cases:document_download": 404,
    "review:dashboard": 403, "review:case": 403, "review:determination": 403, "review:preview": 403,
    "review:preview_letter": 403, "review:finalize": 403,
    "letters:status": 404, "letters:download": 404,
    "reports:index": 200, "reports:export": 200, "reports:pdf_download": 200,
    "correspondence:list": 403, "correspondence:batch_pdf": 403, "correspondence:late_records": 403,
    "correspondence:late_records_csv": 403, "correspondence:open": 404, "correspondence:notice_download": 404,
    "billing:invoices": 200, "billing:aging": 200, "billing:invoice": 200, "billing:invoice_csv": 200,
    "billing:invoice_pdf": 200,
    "implementation:report": 403, "implementation:report_csv": 403,
    "worklists:views": 403, "worklists:export_cases": 403, "worklists:export_review": 403,
    "worklists:export_correspondence": 403,
}


def manager_expected(name):
    if name in MANAGER:
        return MANAGER[name]
    signed_in = {EXPECTED[name][role] for role in ("intake", "reviewer", "other_reviewer", "admin")}
    assert len(signed_in) == 1, f"add {name!r} to MANAGER in tests/test_access_matrix.py: signed-in roles differ"
    return signed_in.pop()

# Admin pages with their own behaviour; every other admin page: see `admin_expected`.
ADMIN_SPECIAL = {
    "admin:login": row(200, 200, 200, 200, 302),  # signed-in non-staff see the form (to switch accounts)
    "admin:logout": row(302, 302, 302, 302, 405),  # POST only; non-staff are sent away first
    "admin:autocomplete": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403),  # needs its query parameters
    "admin:view_on_site": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302),  # to the case's intake page
    "admin:<object redirect>": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302),  # to the change page
    "admin:<catch-all>": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
}

# Which object fills a converter, for the URLs with parameters.
LETTER_URLS = {"letters:status", "letters:download"}
PUBLISHED_URLS = {"decisions:pdf"}  # a published case's number
REPORT_PDF_URLS = {"reports:pdf_download"}  # a ready report PDF


def walk(patterns, prefix="", namespace=None):
    """(route, name, pattern) for every URL pattern, recursively."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            if name is None and namespace == "admin":
                # The admin's two unnamed patterns: /<id>/ redirecting to the change page, and its catch-all.
                name = "admin:<object redirect>" if "object_id" in str(pattern.pattern) else "admin:<catch-all>"
            yield prefix + str(pattern.pattern), name, pattern


def all_patterns():
    return list(walk(get_resolver().url_patterns))


def _admin_model_for(route):
    """The model behind an admin route like 'admin/cases/case/<path:object_id>/change/'."""
    parts = route[len(settings.ADMIN_URL):].split("/")
    for model in admin.site._registry:
        if parts[:2] == [model._meta.app_label, model._meta.model_name]:
            return model
    return None


def _admin_object(model):
    obj = model._default_manager.order_by("pk").first()
    return obj if obj is not None else BUILDERS[model._meta.label](1)[0]


def concrete_url(route, name, pattern, world):
    """The URL to request, with every converter filled."""
    if name and name.startswith("admin:"):
        converters = getattr(pattern.pattern, "converters", {})
        if name == "admin:app_list":
            return reverse(name, kwargs={"app_label": "cases"})
        if name == "admin:view_on_site":
            from django.contrib.contenttypes.models import ContentType

            case = world.a.case
            return reverse(name, kwargs={"content_type_id": ContentType.objects.get_for_model(case).pk, "object_id": case.pk})
        if name == "admin:<catch-all>":
            return f"/{settings.ADMIN_URL}no-such-page/"
        if name == "admin:<object redirect>":
            model = _admin_model_for(route)
            return f"/{settings.ADMIN_URL}{model._meta.app_label}/{model._meta.model_name}/{_admin_object(model).pk}/"
        # Any other parameter is an object id of the route's model (object_id, or id for a user's password).
        kwargs = {key: _admin_object(_admin_model_for(route)).pk for key in converters}
        return reverse(name, kwargs=kwargs)
    a = world.a
    if name == "reports:export":
        return reverse(name, kwargs={"table": "by_category", "fmt": "csv"})
    if name in REPORT_PDF_URLS:
        return reverse(name, kwargs={"pk": world.report_pdf.pk})
    if name and name.startswith("billing:") and "pk" in getattr(pattern.pattern, "converters", {}):
        return reverse(name, kwargs={"pk": world.invoice.pk})
    if name in PUBLISHED_URLS:
        return reverse(name, kwargs={"number": world.published.case_number})
    if name and name.startswith("correspondence:"):
        return correspondence_url(name, pattern, world)
    if name in LETTER_URLS:
        kwargs = {"number": a.decided.number}
        if "pk" in pattern.pattern.converters:
            kwargs["pk"] = a.letter.pk
        return reverse(name, kwargs=kwargs)
    kwargs = {}
    converters = getattr(pattern.pattern, "converters", {})
    if "realm" in converters:
        kwargs["realm"] = settings.API_REALM
    if "handle" in converters:
        kwargs["handle"] = "20.5000.900/0123456789abcdef0123"
    if "day" in converters:
        kwargs["day"] = "2026-01-05"
    if name == "api:not_found":
        return "/apigw/no-such-call"
    if "number" in pattern.pattern.converters:
        kwargs["number"] = a.case.number
    if "pk" in pattern.pattern.converters:
        kwargs["pk"] = a.document.pk
    return reverse(name, kwargs=kwargs)


def correspondence_url(name, pattern, world):
    """Correspondence URLs, with a ready notice (and its e-mail delivery) on reviewer A's case and a ready mail batch."""
    from tests.phi_world import correspondence_objects

    objects = correspondence_objects(world)
    converters = pattern.pattern.converters
    kwargs = {}
    if "number" in converters:
        kwargs["number"] = world.a.case.number
    if "token" in converters:
        kwargs["token"] = objects["delivery"].token
    if "role" in converters:
        kwargs["role"] = "employee"
    if "pk" in converters:
        kwargs["pk"] = {"correspondence:notice_download": objects["notice"].pk, "correspondence:batch_pdf": objects["batch"].pk}.get(
            name, objects["delivery"].pk
        )
    return reverse(name, kwargs=kwargs)


def admin_expected(name, route, request_user_admin_request):
    """The rule for admin pages: an admin gets the page (403 where the model
    refuses add or delete), everyone else the admin login."""
    if name in ADMIN_SPECIAL:
        return {**ADMIN_SPECIAL[name], "manager": ADMIN_SPECIAL[name]["intake"]}
    status = 200
    model = _admin_model_for(route)
    if model is not None:
        model_admin = admin.site._registry[model]
        if route.endswith("/add/") and not model_admin.has_add_permission(request_user_admin_request):
            status = 403
        if route.endswith("/delete/") and not model_admin.has_delete_permission(request_user_admin_request):
            status = 403
    return {**row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, status), "manager": ADMIN_LOGIN}


def _outcome(response):
    """The response as the table writes it."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
    return response.status_code


def test_every_url_pattern_is_in_the_matrix():
    names = {name for _, name, _ in all_patterns() if not (name or "").startswith("admin:")}
    missing = sorted(str(n) for n in names - set(EXPECTED))
    assert not missing, f"add these URL names to EXPECTED in tests/test_access_matrix.py: {missing}"
    unnamed = [route for route, name, _ in all_patterns() if not name]
    assert not unnamed, f"name these URL patterns so the matrix can list them: {unnamed}"
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"EXPECTED lists URL names that no longer exist: {stale}"
    assert not set(MANAGER) - set(EXPECTED), f"MANAGER lists URL names that no longer exist: {sorted(set(MANAGER) - set(EXPECTED))}"
    for name in EXPECTED:
        manager_expected(name)


def _with_statistics(world):
    """A published public copy and a ready report PDF, for the statistics and public URLs."""
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile

    from accounts.models import Role
    from determinations.models import Letter
    from publications.services import publication_sync
    from reports.models import ReportDocument
    from tests.factories import UserFactory

    from .phi_world import PDF

    decided = world.a.decided
    public = Letter.objects.create(determination=world.a.letter.determination, variant=Letter.Variant.PUBLIC)
    public.file.save("public.pdf", ContentFile(PDF), save=False)
    public.sha256, public.status, public.page_count = world.a.letter.sha256, Letter.Status.READY, 1
    public.save()
    world.published = publication_sync(case_id=decided.pk)
    report_pdf = ReportDocument.objects.create(first_month=decided.decided_on.replace(day=1), last_month=decided.decided_on.replace(day=1))
    report_pdf.file.save("report.pdf", ContentFile(PDF), save=False)
    report_pdf.sha256, report_pdf.status, report_pdf.page_count = world.a.letter.sha256, ReportDocument.Status.READY, 1
    report_pdf.save()
    world.report_pdf = report_pdf
    world.invoice = _ready_invoice(decided, PDF)
    world.manager = UserFactory(username="manager-w")
    world.manager.groups.add(Group.objects.get(name=Role.MANAGER))
    return world


def _ready_invoice(decided, pdf):
    """An invoice of the decided case's fee line, with a ready PDF (the engine's output stands in)."""
    from django.core.files.base import ContentFile

    from billing.models import FeeLine, FeeSchedule, Invoice, InvoiceDocument

    line = FeeLine.objects.filter(case=decided).first() or FeeLine.objects.create(
        case=decided, claims_administrator=decided.claims_administrator, kind="completed", review_type="standard",
        earned_on=decided.decided_on, schedule=FeeSchedule.objects.first(), amount="345.00",
    )
    month = line.earned_on.replace(day=1)
    invoice = Invoice.objects.create(claims_administrator=line.claims_administrator, month=month, number="INV-TEST-1",
                                     issued_on=line.earned_on, line_count=1, total=line.amount)
    FeeLine.objects.filter(pk=line.pk).update(invoice=invoice)
    document = InvoiceDocument.objects.create(invoice=invoice, revision=1)
    document.file.save("invoice.pdf", ContentFile(pdf), save=False)
    import hashlib

    document.sha256, document.status, document.page_count = hashlib.sha256(pdf).hexdigest(), InvoiceDocument.Status.READY, 1
    document.save()
    return invoice


def test_access_matrix(client, rf, capsys):
    world = _with_statistics(build_world())
    users = {
        "anonymous": None,
        "intake": world.intake,
        "reviewer": world.a.user,
        "other_reviewer": world.b.user,
        "admin": world.admin,
        "manager": world.manager,
    }
    admin_request = rf.get("/")
    admin_request.user = world.admin
    patterns = all_patterns()
    urls = [(name, route, concrete_url(route, name, pattern, world)) for route, name, pattern in patterns]

    failures = []
    checked = 0
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        for name, route, url in urls:
            if name.startswith("admin:"):
                expected = admin_expected(name, route, admin_request)
            else:
                expected = {**EXPECTED[name], "manager": manager_expected(name)}
            got = _outcome(client.get(url))
            checked += 1
            if got != expected[role]:
                failures.append(f"{role:15} GET {url} ({name}): expected {expected[role]}, got {got}")

    with capsys.disabled():
        print(f"\naccess matrix: {len(urls)} URL patterns x {len(ROLES)} roles = {checked} pairs checked")
    assert checked == len(patterns) * len(ROLES)
    assert not failures, "\n".join(failures)


# --- object level: reviewer A against reviewer B's objects ---------------------------------

MISSING_CASE = "CM99-9999999"
MISSING_ID = 999_999


def _object_routes(side, *, missing=False):
    """Every route that names a case, document or letter, for one side's objects (or ids that do not exist)."""
    case = MISSING_CASE if missing else side.case.number
    decided = MISSING_CASE if missing else side.decided.number
    document = MISSING_ID if missing else side.document.pk
    letter = MISSING_ID if missing else side.letter.pk
    return {
        "review:case": reverse("review:case", args=[case]),
        "review:accept": reverse("review:accept", args=[case]),
        "review:decline": reverse("review:decline", args=[case]),
        "review:determination": reverse("review:determination", args=[case]),
        "review:determination_check": reverse("review:determination_check", args=[case]),
        "review:preview": reverse("review:preview", args=[case]),
        "review:preview_letter": reverse("review:preview_letter", args=[case]),
        "review:finalize": reverse("review:finalize", args=[case]),
        "cases:document_download": reverse("cases:document_download", args=[case, document]),
        "letters:status": reverse("letters:status", args=[decided]),
        "letters:download": reverse("letters:download", args=[decided, letter]),
    }


def _snapshot(world):
    from determinations.models import Determination, ItemDecision, Letter
    from reviewers.models import Assignment

    return (
        list(Assignment.objects.order_by("pk").values_list("pk", "reviewer_id", "status", "conflict_attested")),
        list(Determination.objects.order_by("pk").values_list("pk", "reviewer_id", "status", "revision", "clinical_case_summary")),
        list(ItemDecision.objects.order_by("pk").values_list("pk", "decision", "rationale")),
        list(Letter.objects.order_by("pk").values_list("pk", "status", "version")),
    )


def test_another_reviewers_objects_answer_exactly_like_missing_ones(client):
    from accounts.models import AuditEvent

    world = build_world()
    client.force_login(world.a.user)
    before = _snapshot(world)
    others, missing = _object_routes(world.b), _object_routes(world.b, missing=True)
    post = {"attested": "on", "reason": "x", "clinical_case_summary": "overwritten", "revision": "0", "action": "finalize"}
    pairs = 0
    for name in others:
        statuses = set()
        for method in ("get", "post"):
            theirs = getattr(client, method)(others[name], post if method == "post" else None)
            nothing = getattr(client, method)(missing[name], post if method == "post" else None)
            assert theirs.status_code == nothing.status_code, (name, method)
            assert theirs.status_code in (404, 405), (name, method, theirs.status_code)  # 405: the method the view does not take
            statuses.add(theirs.status_code)
            pairs += 1
        assert 404 in statuses, name
    assert pairs == 22
    assert _snapshot(world) == before  # no POST changed anything
    denied = AuditEvent.objects.filter(user=world.a.user, action=AuditEvent.Action.AUTHZ_DENIED)
    assert denied.filter(case=world.b.case).exists()
    assert denied.filter(object_type="determinations.letter").exists() is False  # B's case itself was refused first


def test_a_reviewer_lists_only_their_own_cases(client):
    world = build_world()
    client.force_login(world.a.user)
    html = client.get(reverse("review:dashboard")).content.decode()
    assert world.a.case.number in html
    assert world.b.case.number not in html and world.b.decided.number not in html
    # The intake list and its search are not for reviewers at all.
    assert client.get(reverse("cases:list"), {"q": world.b.case.number}).status_code == 403


@pytest.mark.parametrize("how", ["declined", "withdrawn"])
def test_reassignment_revokes_access_at_once(client, how):
    from imrsite.tests.admin_objects import assigned_case
    from reviewers import services as reviewer_services
    from reviewers.models import Assignment

    world = build_world()
    assignment = assigned_case(reviewer=world.a.reviewer)
    case = assignment.case
    document = stored_document(case)
    client.force_login(world.a.user)
    urls = [reverse("review:case", args=[case.number]), reverse("cases:document_download", args=[case.number, document.pk])]
    assert [client.get(url).status_code for url in urls] == [200, 200]
    if how == "declined":
        reviewer_services.assignment_decline(assignment=assignment, user=world.a.user, reason="I know the employer")
    else:
        # Intake taking the case back (issue 19 item 7).
        reviewer_services.assignment_withdraw(assignment=assignment, user=world.intake, reason="Reviewer unavailable")
    assert Assignment.objects.get(pk=assignment.pk).status == (Assignment.Status.DECLINED if how == "declined" else Assignment.Status.WITHDRAWN)
    assert [client.get(url).status_code for url in urls] == [404, 404]


def test_extra_post_fields_change_nothing_they_name(client):
    """Mass assignment: reviewer=, status=, case= in a reviewer's POST are ignored."""
    from determinations.models import Determination
    from reviewers.models import Assignment

    world = build_world()
    client.force_login(world.a.user)
    det = world.a.determination
    det.refresh_from_db()
    rows = list(det.decisions.order_by("item__position"))
    extra = {"reviewer": world.b.reviewer.pk, "reviewer_id": world.b.reviewer.pk, "status": "final", "case": world.b.case.pk,
             "finalized_by": world.b.user.pk, "version": 9}
    data = {"clinical_case_summary": "A 48-year-old man with low back pain.", "revision": det.revision, **extra}
    for index, row in enumerate(rows):
        data.update({
            f"item-{index}-decision_id": row.pk, f"item-{index}-decision": "upheld", f"item-{index}-guideline": row.guideline_id,
            f"item-{index}-section": "Physical Medicine", f"item-{index}-pages": "98", f"item-{index}-evidence_level": "A",
            f"item-{index}-lower_level_reason": "x", f"item-{index}-rationale": "The guidelines allow it.",
        })
    response = client.post(reverse("review:determination", args=[world.a.case.number]), data)
    assert response.status_code == 302
    det = Determination.objects.get(pk=det.pk)
    assert (det.reviewer_id, det.status, det.case_id, det.version, det.finalized_by_id) == (
        world.a.reviewer.pk, Determination.Status.DRAFT, world.a.case.pk, 1, None
    )
    assert det.clinical_case_summary == "A 48-year-old man with low back pain."
    assignment = Assignment.objects.get(case=world.a.case, status=Assignment.Status.ACCEPTED)
    client.post(reverse("review:accept", args=[world.a.case.number]), {"attested": "on", **extra})
    assignment.refresh_from_db()
    assert (assignment.reviewer_id, assignment.status) == (world.a.reviewer.pk, Assignment.Status.ACCEPTED)
