"""The load test (issue 17): the three kinds of staff, an API client and public
readers at once, against gunicorn with the production settings.

Started by `python -m bench.run --only load` (bench/load.py `bench_load`), which
creates the accounts (bench.django_side loadusers) and passes them in
LOAD_USERS (a JSON file). Every request goes to the --host given, which
bench/run.py sets to http://127.0.0.1:<port>; nothing else is contacted.

- Intake staff sign in with password and TOTP code, register a case, screen it
  (which issues its notice through the Celery worker), upload a record, and
  read the case list (plain and searched) and case pages.
- Reviewers sign in the same way, open their dashboard and case files, and save
  their determination draft (the form as the page gives it, with a new summary).
- The API client takes a token, searches by claim number and case number, and
  uploads a record to one of its cases.
- Public readers page through the published decisions, with and without filters.

Like a TLS-terminating proxy, the load sends `X-Forwarded-Proto: https`
(settings.SECURE_PROXY_SSL_HEADER), so the production settings' secure
cookies, CSRF origin checks and HSTS apply exactly as behind the real proxy.
"""

import io
import itertools
import json
import os
import random
import threading
import time
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser

from gevent.event import Event
from locust import HttpUser, between, task

USERS = json.loads(open(os.environ["LOAD_USERS"]).read())
_counters = {role: itertools.count() for role in ("intake", "reviewers")}
_lock = threading.Lock()
# One sign-in per account, its session shared by every load user on that account (a person's several
# tabs): a second sign-in within the same 30 s would reuse the TOTP code, which django-otp refuses.
_signed_in: dict[str, "Event"] = {}
_session_cookies: dict[str, dict] = {}
TOKEN_URL = "/auth/realms/dxc-externals/protocol/openid-connect/token"
API = "/apigw/webservices/rest/apigw/"
SEARCH_TERMS = ["Kowalski", "Garcia", "Nguyen", "WC-2019", "Smith"]


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()


def totp(key_hex: str) -> str:
    from django_otp.oath import totp as oath_totp

    return f"{oath_totp(bytes.fromhex(key_hex)):06d}"


class FormParser(HTMLParser):
    """The named fields of each <form method=post> on the page, in order."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] | None = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.fields = {}
            self.forms.append(self.fields)
        if self.fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.fields = None

    def handle_data(self, data):
        if self._textarea and self.fields is not None:
            self.fields[self._textarea] += data


def form_fields(html: str, having: str = "") -> dict[str, str]:
    """The fields of the first POST form (with a field named `having`, if given), as a browser would send them."""
    parser = FormParser()
    parser.feed(html)
    return next((form for form in parser.forms if not having or having in form), {})


class Staff(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": f"https://{self.host.split('://')[1]}"})
        accounts = USERS[self.role]
        with _lock:
            ordinal = next(_counters[self.role])
            self.account = accounts[ordinal % len(accounts)]
            # The draft this load user saves: its own, so two users of one account never edit the same one
            # (the second save would be refused 409, "changed meanwhile", which is the product working).
            self.sharing = ordinal // len(accounts)
            username = self.account["username"]
            first = username not in _signed_in
            if first:
                _signed_in[username] = Event()
        if not first:
            _signed_in[username].wait(60)
            for name, value in _session_cookies.get(username, {}).items():
                self.client.cookies.set(name, value)
            return
        try:
            self._sign_in()
            _session_cookies[username] = self.client.cookies.get_dict()
        finally:
            _signed_in[username].set()

    def _sign_in(self):
        page = self.get("/accounts/login/", "sign in (form)")
        fields = form_fields(page.text)
        fields.update(username=self.account["username"], password=self.account["password"])
        self.post("/accounts/login/", fields, name="sign in (password)")
        page = self.get("/accounts/2fa/verify/", "sign in (code form)")
        fields = form_fields(page.text)
        fields["token"] = totp(self.account["key"])
        with self.client.post("/accounts/2fa/verify/", data=fields, name="sign in (TOTP code)", allow_redirects=False,
                              headers=self._referer("/accounts/2fa/verify/"), catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"TOTP sign-in answered {response.status_code}")

    def _referer(self, path):
        """Referer as the browser sends it, and the cookies: the Secure ones too, which
        requests would keep back on plain http (the load stands where the TLS proxy would)."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)
        return {"Referer": f"https://{self.host.split('://')[1]}{path}", **({"Cookie": cookies} if cookies else {})}

    def get(self, path, name):
        return self.client.get(path, name=name, headers=self._referer(path))

    def post(self, path, data, *, name, files=None, expect=(302,)):
        with self.client.post(path, data=data, files=files, name=name, allow_redirects=False,
                              headers=self._referer(path), catch_response=True) as response:
            if response.status_code not in expect:
                response.failure(f"{name} answered {response.status_code}")
            return response

    def get_form(self, path, name, having=""):
        return form_fields(self.get(path, name).text, having)


class IntakeStaff(Staff):
    role = "intake"
    weight = 3
    wait_time = between(0.5, 2)

    @task(1)
    def register_screen_upload(self):
        today = date.today()
        tag = uuid.uuid4().hex[:10]
        employer, provider = USERS["known_parties"]["employer"], USERS["known_parties"]["requesting_provider"]
        fields = self.get_form("/cases/new/", "case new (form)")
        fields.update({
            "review_type": "standard", "received_on": (today - timedelta(days=1)).isoformat(), "channel": "electronic",
            "ur_decision_date": (today - timedelta(days=8)).isoformat(), "rfa_date": (today - timedelta(days=15)).isoformat(),
            "employee_first_name": random.choice(["Ana", "Luis", "Mei", "John", "Fatima"]),
            "employee_last_name": f"Load{tag}", "employee_date_of_birth": "1975-03-02", "employee_sex": "female",
            "employee_address": f"{random.randint(10, 9999)} Load Street\nFresno, CA 93721",
            "claim_number": f"LD-{tag}", "date_of_injury": "2024-01-10",
            "claims_administrator_name": f"Load Claims {tag}",
            "claims_administrator_address": "PO Box 1000\nSacramento, CA 95812",
            # A known employer and physician, picked from the candidates shown for the name (as a clerk does):
            # the form takes no address for either, and every party of a case gets its notices by mail.
            "employer_name": employer["name"], "employer_party": str(employer["id"]),
            "requesting_provider_name": provider["name"], "requesting_provider_party": str(provider["id"]),
            "requesting_provider_specialty": provider["specialty"],
            "diagnosis": "Lumbar strain", "diagnosis_icd": "S39.012A",
            "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
            "items-0-description": "Eight (8) physical therapy visits", "items-0-category": "Physical Medicine",
            "items-0-ur_decision": "denied",
        })
        response = self.post("/cases/new/", fields, name="case new (register)")
        location = response.headers.get("Location", "")
        if not location.startswith("/cases/"):
            return
        number = location.strip("/").split("/")[-1]
        csrf = self.get_form(location, "case page").get("csrfmiddlewaretoken", "")
        self.post(f"/cases/{number}/screening/", {"csrfmiddlewaretoken": csrf, "signature_present": "on",
                                                  "ur_decision_attached": "on", "note": "load"}, name="case screen")
        self.post(
            f"/cases/{number}/documents/",
            {"csrfmiddlewaretoken": csrf, "docs-TOTAL_FORMS": "1",
             "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20",
             "docs-0-kind": "medical_record", "docs-0-author": "Dr. Load", "docs-0-dated": "2025-01-15", "docs-0-title": ""},
            files={"docs-0-file": ("progress.pdf", PDF, "application/pdf")}, name="case upload",
        )

    @task(3)
    def case_list(self):
        self.get("/cases/", "case list")

    @task(3)
    def case_list_searched(self):
        self.get(f"/cases/?q={random.choice(SEARCH_TERMS)}", "case list, searched")

    @task(2)
    def case_page(self):
        self.get(f"/cases/{USERS['search_case']}/", "case page")


class Reviewer(Staff):
    role = "reviewers"
    weight = 3
    wait_time = between(0.5, 2)

    @task(3)
    def dashboard(self):
        self.get("/review/", "reviewer dashboard")

    @task(3)
    def case_file(self):
        self.get(f"/review/{random.choice(self.account['cases'])}/", "review case file")

    @task(2)
    def save_draft(self):
        cases = self.account["cases"]
        number = cases[self.sharing % len(cases)]
        path = f"/review/{number}/determination/"
        fields = self.get_form(path, "determination (form)", having="clinical_case_summary")
        fields["clinical_case_summary"] = f"Load test draft {time.time():.0f}: a worker with low back pain."
        fields["action"] = "save"
        self.post(path, fields, name="determination (save draft)")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(0.5, 2)

    def on_start(self):
        account = USERS["api"]
        response = self.client.post(TOKEN_URL, data={"grant_type": "password", "client_id": "dxc",
                                                     "username": account["username"], "password": account["password"]},
                                    name="api token")
        self.client.headers["Authorization"] = f"Bearer {response.json().get('access_token', '')}"
        self.cases = account["cases"]

    @task(3)
    def search_by_claim(self):
        number, claim = random.choice(self.cases)
        self.client.post(API + "cases/search", json={"CAID": claim}, name="api search, claim number")

    @task(2)
    def search_by_case(self):
        number, claim = random.choice(self.cases)
        self.client.post(API + "cases/search", json={"IMRID": number}, name="api search, case number")

    @task(1)
    def upload(self):
        number, _ = random.choice(self.cases)
        with self.client.post(API + f"docs/upload/cn/{number}", files={"file": ("records.pdf", PDF, "application/pdf")},
                              headers={"FILESIZE": str(len(PDF))}, name="api upload", catch_response=True) as response:
            if response.status_code >= 400:
                response.failure(f"api upload answered {response.status_code}: {response.text[:200]}")


class PublicReader(HttpUser):
    weight = 2
    wait_time = between(0.5, 2)

    @task(3)
    def index(self):
        self.client.get("/decisions/", name="public search")

    @task(2)
    def filtered(self):
        self.client.get("/decisions/?category=Pharmaceuticals", name="public search, filtered")
