"""The pages the benchmark requests at each size, and who requests them.

Imported by bench.django_side once Django is set up: each function reads the
benchmark database (its busiest reviewer, a case in review, the API's
organization) to build the same page at every size.
"""

import json

from django.conf import settings

from worklists.queues import INTAKE_QUEUE_KEYS, REVIEWER_QUEUE_KEYS

SEARCH_TERM = "Kowalski"
COMMON_NAME = "Nguyen"


# --- pages ---------------------------------------------------------------------

def bench_users():
    from django.contrib.auth.models import Group

    from accounts.models import Role, User
    from reviewers.models import Assignment, Reviewer

    intake, _ = User.objects.get_or_create(username="bench_intake", defaults={"first_name": "Bench", "last_name": "Intake"})
    intake.groups.add(Group.objects.get_or_create(name=Role.INTAKE)[0])
    admin, created = User.objects.get_or_create(
        username="bench_admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Bench", "last_name": "Admin"}
    )
    admin.groups.add(Group.objects.get_or_create(name=Role.ADMIN)[0])
    # The reviewer with the longest queue: the dashboard's worst case.
    from django.db.models import Count, Q

    reviewer = (
        Reviewer.objects.annotate(n=Count("assignments", filter=Q(assignments__status__in=Assignment.OPEN_STATUSES)))
        .order_by("-n", "pk")
        .select_related("user")
        .first()
    )
    reviewer.user.groups.add(Group.objects.get_or_create(name=Role.REVIEWER)[0])
    return intake, admin, reviewer


def bench_manager():
    from django.contrib.auth.models import Group

    from accounts.models import Role, User

    manager, _ = User.objects.get_or_create(username="bench_manager", defaults={"first_name": "Bench", "last_name": "Manager"})
    manager.groups.add(Group.objects.get(name=Role.MANAGER))
    return manager


def statistics_month():
    """The last full month of letters in the generated data (the reports' month), as YYYY-MM."""
    from django.db.models import Max

    from cases.models import Case
    from reports.selectors import add_months, month_start

    latest = Case.objects.aggregate(d=Max("decided_on"))["d"]
    return add_months(month_start(latest), -1)


def statistics_urls() -> dict[str, tuple[str, str]]:
    """The statistics and the public search: page name → (role, url)."""
    from reports.selectors import add_months

    month = statistics_month()
    first = add_months(month, -11)
    return {
        "reports, month": ("manager", f"/reports/?start={month:%Y-%m}&end={month:%Y-%m}"),
        "reports, year": ("manager", f"/reports/?start={first:%Y-%m}&end={month:%Y-%m}"),
        "public search": ("anonymous", "/decisions/"),
        # A filter that fills a page at both sizes, and a rare one (fewer matches than a page at 1,000 cases).
        "public search, filtered": ("anonymous", f"/decisions/?category=Pharmaceuticals&decided_from={first:%Y-%m-%d}"),
        "public search, rare filter": (
            "anonymous", f"/decisions/?category=Pharmaceuticals&outcome=overturned&decided_from={first:%Y-%m-%d}",
        ),
    }


def page_urls(reviewer) -> dict[str, tuple[str, str]]:
    """page name → (role, url)."""
    from cases.models import Case

    case = (
        Case.objects.filter(status=Case.Status.IN_REVIEW).order_by("number").values_list("number", flat=True).first()
    )
    return {
        **statistics_urls(),
        "reviewer dashboard": ("reviewer", "/review/"),
        "case list": ("intake", "/cases/"),
        "case list, searched": ("intake", f"/cases/?q={SEARCH_TERM}"),
        # A common surname: a full page of matches at both sizes (34 at 1,000 cases, 29,650 at a million).
        "case list, searched, common name": ("intake", f"/cases/?q={COMMON_NAME}"),
        "case list, filtered": ("intake", "/cases/?status=awaiting_records&review_type=standard"),
        "case page": ("intake", f"/cases/{case}/"),
        "admin case changelist": ("admin", f"/{settings.ADMIN_URL}cases/case/"),
        "admin case changelist, searched": ("admin", f"/{settings.ADMIN_URL}cases/case/?q={SEARCH_TERM}"),
        # The control: one match at both sizes (the search above finds 24 at 1,000 cases, a full page at a million).
        "admin case changelist, searched by case number": ("admin", f"/{settings.ADMIN_URL}cases/case/?q={case}"),
        "admin assignment changelist": ("admin", f"/{settings.ADMIN_URL}reviewers/assignment/"),
        "admin party changelist": ("admin", f"/{settings.ADMIN_URL}cases/party/"),
        "case list, sorted by employee": ("intake", "/cases/?sort=employee"),
        # The last page at 1,000 cases (25 a page): the same offset at both sizes. Deeper pages cost their
        # offset (an index walk of 25 × page rows), whatever the number of cases.
        "case list, deep page": ("intake", "/cases/?page=40"),
        "correspondence list": ("intake", "/correspondence/"),
        "intake home": ("intake", "/"),
        **{f"case list, queue {key}": ("intake", f"/cases/?queue={key}") for key in INTAKE_QUEUE_KEYS},
        **{f"reviewer dashboard, queue {key}": ("reviewer", f"/review/?queue={key}") for key in REVIEWER_QUEUE_KEYS},
        **api_pages(),
    }


API_ACCOUNT = "bench-api"


def api_organization():
    """The claims administrator whose account searches: that of the first generated case
    (the generator spreads cases over 20, so about 50 at 1,000 cases and 50,000 at a million)."""
    from cases.models import Case

    return Case.objects.order_by("id").select_related("claims_administrator").first().claims_administrator


def api_pages() -> dict[str, tuple[str, str, str]]:
    """The claims administrators' API searches: page name → ("api", url, JSON body). A limit of
    25 is a page; where the 1,000-case database has fewer matches than that, the same search with a
    limit of what it finds there does equal work at both sizes."""
    from api.urls import BASE
    from cases.models import Case

    number, claim = (
        Case.objects.filter(claims_administrator=api_organization()).order_by("id").values_list("number", "claim_number").first()
    )
    search, rfi = f"/{BASE}cases/search", f"/{BASE}cases/searchrfi"
    return {
        "api search, claim number": ("api", search, json.dumps({"CAID": claim.lower()})),
        "api search, case number": ("api", search, json.dumps({"IMRID": number})),
        "api search, all cases": ("api", search, json.dumps({"limit": 25})),
        "api search, status": ("api", search, json.dumps({"statuses": ["4"], "limit": 25})),
        "api search, open records requests": ("api", rfi, json.dumps({"limit": 25})),
        "api search, status, 5 results": ("api", search, json.dumps({"statuses": ["4"], "limit": 5})),
        "api search, open records requests, 4 results": ("api", rfi, json.dumps({"limit": 4})),
    }


def api_token() -> str:
    """A real access token of the benchmark's service account, taken from the token endpoint."""
    from django.test import Client

    from api import services as api_services
    from api.models import ServiceAccount

    password = "bench-api-password-0123456789"
    account = ServiceAccount.objects.filter(user__username=API_ACCOUNT).first()
    if account is None:
        account = api_services.service_account_create(username=API_ACCOUNT, organization=api_organization(), password=password)
    api_services.service_account_set_password(account=account, password=password)
    response = Client(REMOTE_ADDR="127.0.0.1").post(
        "/auth/realms/dxc-externals/protocol/openid-connect/token",
        {"grant_type": "password", "client_id": "dxc", "username": API_ACCOUNT, "password": password},
    )
    if response.status_code != 200:
        raise SystemExit(f"api token: HTTP {response.status_code} {response.content[:200]!r}")
    return response.json()["access_token"]


def verified_session_cookie(user) -> str:
    """A Cookie header of a signed-in session that has passed the second factor, as
    production settings (DEBUG off, 2FA enforced) require of every staff page."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, name="bench").first()
    device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what django_otp.login records after a good code
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
