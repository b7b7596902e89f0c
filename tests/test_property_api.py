"""The claims administrators' API under arbitrary input (Hypothesis), beyond api/tests/test_fuzz.py.

test_fuzz.py drives every operation from the OpenAPI description and sends
arbitrary files through Django's own multipart encoder. Here the multipart body
is written by hand, so the part headers themselves are arbitrary (file names
with quotes, semicolons, backslashes, path separators, RFC 2231 encodings,
a missing or broken boundary, a second file part, an arbitrary category part),
the legacy upload gets names near its "{caseNumber}_{NNN}.pdf" pattern, and the
JSON endpoints get arbitrary JSON and bodies that are not JSON at all.

Whatever arrives: no 500, a JSON answer, and either exactly one stored document
with its file or nothing at all (no row without a file, no file without a row).
"""

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings as hsettings, strategies as st

from accounts.models import Role
from api.tests.test_fuzz import VALID, _consistent
from api.tests.world import TOKEN_URL, build, login
from cases.models import CaseDocument
from tests.factories import UserFactory

from .test_property_forms import FUZZ

pytestmark = pytest.mark.django_db

BASE = "/apigw/webservices/rest/apigw/"


@pytest.fixture
def api(db, client, settings):
    settings.API_RATE_LIMIT = settings.API_ADDRESS_RATE_LIMIT = settings.API_TOKEN_RATE_LIMIT = "1000000/minute"
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 64 * 1024
    world = build()
    token = login(client, world.a.username)["access_token"]
    return world, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# File names: printable or not, quoted or not, with path parts and parameters smuggled in.
names = st.one_of(
    st.text(max_size=60),
    st.text(max_size=40).map(lambda t: t + ".pdf"),
    st.sampled_from([
        "../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/abs/path.pdf", "C:\\x\\y.pdf", "a\";name=\"file.pdf",
        "x.pdf\"; filename=\"y.exe", "records.pdf; category=D", "  .pdf", ".pdf", "x.PDF", "nul.pdf", "con.pdf",
        "é" * 300 + ".pdf", "<script>alert(1)</script>.pdf", "records.pdf\x00.exe", "a/b/c/records.pdf", "%2e%2e%2fx.pdf",
    ]),
)


def header_value(text):
    """What a client could put in a header line: no CR/LF (they would end the header)."""
    return text.replace("\r", " ").replace("\n", " ")


@st.composite
def multipart(draw):
    boundary = "b0undary" + draw(st.text(alphabet="abcdef0123456789", min_size=0, max_size=8))
    name = draw(names)
    encoding = draw(st.sampled_from(["quoted", "bare", "rfc2231", "missing"]))
    if encoding == "quoted":
        disposition = f'form-data; name="file"; filename="{header_value(name)}"'
    elif encoding == "bare":
        disposition = f"form-data; name=file; filename={header_value(name)}"
    elif encoding == "rfc2231":
        from urllib.parse import quote

        disposition = f"form-data; name=\"file\"; filename*=UTF-8''{quote(name)}"
    else:
        disposition = 'form-data; name="file"'
    part_type = draw(st.sampled_from(["application/pdf", "application/octet-stream", "text/html", "", "application/pdf; x=\"y\""]))
    content = draw(st.one_of(st.just(VALID), st.binary(max_size=200), st.just(VALID + b"--" + boundary.encode())))
    parts = [(disposition, part_type, content)]
    if draw(st.booleans()):
        parts.append(('form-data; name="category"', "", draw(st.text(max_size=10)).encode("utf-8", "surrogatepass")))
    if draw(st.integers(0, 5)) == 0:
        parts.append(('form-data; name="file"; filename="second.pdf"', "application/pdf", VALID))
    body = b""
    for disp, ctype, data in parts:
        body += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode("utf-8", "surrogatepass")
        if ctype:
            body += f"Content-Type: {ctype}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    ending = draw(st.sampled_from(["closed", "closed", "unclosed", "truncated"]))
    if ending == "closed":
        body += f"--{boundary}--\r\n".encode()
    elif ending == "truncated":
        body = body[: draw(st.integers(0, len(body)))]
    header_boundary = draw(st.sampled_from([boundary, boundary, f'"{boundary}"', "", "other"]))
    content_type = f"multipart/form-data; boundary={header_boundary}" if header_boundary else "multipart/form-data"
    return body, content_type, name


def post_raw(client, url, body, content_type, headers):
    return client.generic("POST", url, body, content_type=content_type, **headers)


def test_hand_written_multipart_bodies_never_fail_or_half_write(api, settings):
    world, headers = api
    client = Client()
    url = f"{BASE}docs/upload/cn/{world.a.open_case.number}"
    statuses = set()

    @hsettings(FUZZ, max_examples=25)
    @given(multipart())
    def run(example):
        body, content_type, _name = example
        before = CaseDocument.objects.count()
        response = post_raw(client, url, body, content_type, headers)
        statuses.add(response.status_code)
        assert response.status_code in (200, 400, 413, 415), response.content
        assert response["Content-Type"] == "application/json"
        assert CaseDocument.objects.count() == before + (1 if response.status_code == 200 else 0)
        _consistent(settings.MEDIA_ROOT)

    run()
    assert 200 in statuses and statuses - {200}, statuses  # both outcomes reached


def test_legacy_upload_names_near_the_pattern(api, settings):
    world, headers = api
    client = Client()
    own, other = world.a.open_case.number, world.b.open_case.number
    near = st.one_of(
        st.builds(lambda n, seq, ext: f"{n}_{seq}{ext}", st.sampled_from([own, own.lower(), other, "CM99-9999999", "CM26-1", own + "0"]),
                  st.one_of(st.just("001"), st.text(alphabet="0123456789x", min_size=0, max_size=5)), st.sampled_from([".pdf", ".PDF", ".pdf.exe", "", ".pd"])),
        names,
    )
    statuses = set()

    @hsettings(FUZZ, max_examples=25)
    @given(near)
    def run(name):
        from django.core.files.uploadedfile import SimpleUploadedFile

        before = CaseDocument.objects.count()
        part = SimpleUploadedFile(name.replace("\x00", "") or "x", VALID, content_type="application/pdf")
        response = client.post(f"{BASE}docs/upload", {"file": part}, **headers)
        statuses.add(response.status_code)
        assert response.status_code in (200, 400, 404, 415), response.content
        assert response["Content-Type"] == "application/json"
        assert CaseDocument.objects.count() == before + (1 if response.status_code == 200 else 0)
        if response.status_code == 200:
            assert CaseDocument.objects.latest("pk").case.number == own  # never another organization's case
        _consistent(settings.MEDIA_ROOT)

    run()
    assert 200 in statuses and 404 in statuses and 400 in statuses, statuses


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
SEARCH_KEYS = ["caseNumber", "claimNumber", "employeeName", "dateOfInjury", "status", "fromDate", "toDate", "limit", "offset",
               "sort", "page", "pageSize", "category"]


@pytest.mark.parametrize("path", ["cases/search", "cases/searchrfi"])
def test_search_with_arbitrary_json(api, path):
    world, headers = api
    client = Client()
    bodies = st.one_of(
        json_values.map(json.dumps),
        st.dictionaries(st.sampled_from(SEARCH_KEYS), json_values, max_size=5).map(json.dumps),
        st.binary(max_size=60),  # not JSON, maybe not UTF-8
        st.just('{"a":' * 2000 + "1" + "}" * 2000),  # deep nesting
    )

    @hsettings(FUZZ, max_examples=25)
    @given(bodies, st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain", ""]))
    def run(body, content_type):
        response = client.generic("POST", f"{BASE}{path}", body, content_type=content_type, **headers)
        assert response.status_code in (200, 400, 415), response.content[:300]
        assert response["Content-Type"].startswith(("application/json", "text/csv"))

    run()


def test_token_endpoint_with_arbitrary_form_and_json(api):
    client = Client()
    fields = st.dictionaries(st.sampled_from(["grant_type", "client_id", "username", "password", "refresh_token", "scope"]),
                             st.text(max_size=40), max_size=6)

    @hsettings(FUZZ, max_examples=25)
    @given(fields, st.booleans())
    def run(data, as_json):
        url = TOKEN_URL
        if as_json:
            response = client.generic("POST", url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, {k: v.replace("\x00", "") for k, v in data.items()})
        assert response.status_code in (200, 400, 401, 415, 429), response.content[:300]

    run()


def test_a_file_name_with_markup_is_shown_as_text_to_intake(api):
    world, headers = api
    client = Client()
    case = world.a.open_case
    name = '<img src=x onerror=alert(1)><svg onload=alert(2)>.pdf'  # no "/": the name's last path part is kept
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n").encode() + VALID + f"\r\n--{boundary}--\r\n".encode()
    response = post_raw(client, f"{BASE}docs/upload/cn/{case.number}", body, f"multipart/form-data; boundary={boundary}", headers)
    assert response.status_code == 200, response.content
    assert CaseDocument.objects.filter(case=case, title__contains="<img src=x").exists()  # kept as the sender wrote it
    staff = Client()
    staff.force_login(UserFactory(role=Role.INTAKE))
    html = staff.get(case.get_absolute_url()).content.decode()
    assert "&lt;img src=x" in html  # shown, as text
    for page in [html, staff.get(reverse("cases:list")).content.decode()]:
        assert "<img src=x" not in page and "<svg onload" not in page
