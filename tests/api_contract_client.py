"""A client of the California IMR API written only from the published contract
(the 2016 SDK's apidoc and samples): standard library only, no project code.

    python tests/api_contract_client.py --base http://127.0.0.1:8108 --username claims-api --password PW

walks token -> case search (JSON, CSV) -> RFI search -> upload to a case ->
list documents -> download each -> manifest dates -> manifest CSV ->
acknowledge -> refresh, and prints what it saw. tests/test_api_live.py runs it
against a live server for two organizations.
"""

import argparse
import csv
import io
import json
import sys
import uuid
import urllib.error
import urllib.parse
import urllib.request

REALM = "dxc-externals"
API = "/apigw/webservices/rest/apigw/"


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status
        self.body = body


class DxcClient:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.access_token = self.refresh_token = None

    # --- transport -------------------------------------------------------------------
    def _request(self, method, path, *, data=None, headers=None, auth=True):
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if auth:
            request.add_header("Authorization", f"Bearer {self.access_token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read()) from None

    def _json(self, body: bytes):
        result = json.loads(body.decode("utf-8"))
        # The published clients treat a body with a non-200 "status" as an error.
        if isinstance(result, dict) and result.get("status") not in (None, 200):
            raise ApiError(result["status"], body)
        return result

    # --- authentication (Keycloak) ---------------------------------------------------
    def _token(self, form: dict) -> dict:
        data = urllib.parse.urlencode({"client_id": "dxc", **form}).encode()
        status, _, body = self._request(
            "POST", f"/auth/realms/{REALM}/protocol/openid-connect/token", data=data,
            headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False,
        )
        tokens = json.loads(body)
        self.access_token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def login(self, username, password):
        return self._token({"grant_type": "password", "username": username, "password": password})

    def refresh(self):
        return self._token({"grant_type": "refresh_token", "refresh_token": self.refresh_token})

    # --- cases ---------------------------------------------------------------------------
    def search(self, criteria=None, *, rfi=False, as_csv=False):
        path = API + ("cases/searchrfi" if rfi else "cases/search")
        accept = "text/plain" if as_csv else "application/json"
        _, _, body = self._request("POST", path, data=json.dumps(criteria or {}).encode(),
                                   headers={"Content-Type": "application/json", "Accept": accept})
        if as_csv:
            return list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return self._json(body)

    def all_cases(self, *, rfi=False):
        """Every page, as the SDK's paging section says (start is a page index)."""
        cases, start = [], 0
        while True:
            page = self.search({"start": start, "limit": 25, "sort": [{"property": "caseNumber", "desc": False}]}, rfi=rfi)
            cases += page["results"]
            if not page["results"] or len(cases) >= page["matchCount"]:
                return cases
            start += 1

    # --- documents ----------------------------------------------------------------------
    def documents(self, case_number):
        _, _, body = self._request("GET", API + f"docs/search/cn/{case_number}", headers={"Accept": "application/json"})
        return self._json(body)

    def download(self, handle):
        # The handle goes into the path unencoded, slash included.
        _, headers, body = self._request("GET", API + f"docs/download/{handle}", headers={"Accept": "application/octet-stream"})
        return headers, body

    def upload(self, case_number, filename, content: bytes, *, legacy=False):
        boundary = "----------------------------" + uuid.uuid4().hex[:12]
        payload = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        path = API + ("docs/upload" if legacy else f"docs/upload/cn/{case_number}")
        _, _, body = self._request("POST", path, data=payload, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json", "filesize": str(len(content)),
        })
        return self._json(body)

    # --- NOARFI manifest ------------------------------------------------------------------
    def manifest_dates(self):
        _, _, body = self._request("GET", API + "events/noarfi/", headers={"Accept": "application/json"})
        return self._json(body)["datelist"]

    def manifest(self, day, *, legacy=False):
        _, _, body = self._request("GET", API + f"events/noarfi/{day}" + ("?legacy=true" if legacy else ""), headers={"Accept": "text/plain"})
        return list(csv.reader(io.StringIO(body.decode("utf-8"))))

    def acknowledge(self, day):
        _, _, body = self._request("DELETE", API + f"events/noarfi/{day}", headers={"Accept": "application/json"})
        return self._json(body)


def minimal_pdf() -> bytes:
    """A one-page PDF, written by hand (objects, cross-reference table, trailer)."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>", b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def walk(base, username, password, *, out=print) -> dict:
    """The whole published journey for one account; returns what it saw."""
    client = DxcClient(base)
    seen = {"username": username}
    tokens = client.login(username, password)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0 and "error_description" not in tokens
    out(f"[{username}] logged in; token expires in {tokens['expires_in']} s")

    page = client.search({"start": 0, "limit": 10, "sort": [{"property": "modificationDate", "desc": True}]})
    assert {"matchCount", "start", "limit", "results"} <= set(page)
    cases = client.all_cases()
    seen["cases"] = sorted(c["caseNumber"] for c in cases)
    out(f"[{username}] {page['matchCount']} case(s): {', '.join(seen['cases'])}")
    rows = client.search(as_csv=True)
    assert sorted(row[1] for row in rows) == seen["cases"], "CSV and JSON list the same cases"
    out(f"[{username}] CSV: {len(rows)} record(s) of {len(rows[0]) if rows else 0} fields")
    rfi = client.all_cases(rfi=True)
    seen["rfi"] = sorted(c["caseNumber"] for c in rfi)
    out(f"[{username}] records requested: {', '.join(seen['rfi']) or 'none'}")

    # Records go to a case that waits for them, else to any open case (status 5 is closed).
    candidates = rfi or [c for c in cases if c["status"] != "5"]
    target = candidates[0]["caseNumber"] if candidates else None
    seen["downloads"] = []
    if target:
        assert client.upload(target, "medical_record.pdf", minimal_pdf()) == {"status": 200, "msg": "OK"}
        assert client.upload(target, f"{target}_001.pdf", minimal_pdf(), legacy=True) == {"status": 200, "msg": "OK"}
        out(f"[{username}] uploaded two PDFs to {target}")
        for case in cases:
            listing = client.documents(case["caseNumber"])
            for item in listing["results"]:
                for rendering in item["renderings"]:
                    headers, body = client.download(rendering["identifier"])
                    assert body.startswith(b"%PDF-") and len(body) == rendering["size"], rendering
                    seen["downloads"].append((case["caseNumber"], item["type"], item["name"], item["dcn"]))
        out(f"[{username}] downloaded {len(seen['downloads'])} document(s)")

    dates = client.manifest_dates()
    seen["manifest_dates"] = dates
    seen["manifest_rows"] = 0
    for day in dates:
        rows = client.manifest(day)
        legacy = client.manifest(day, legacy=True)
        assert rows[0][0] == "claimsExaminerFirstName" and legacy[0][0] == "C_PARTICIPANT_CONTACT_F_NAME"
        seen["manifest_rows"] += len(rows) - 1
        assert client.acknowledge(day) == {"status": 200, "msg": "OK"}
    assert client.manifest_dates() == []
    out(f"[{username}] manifest dates {dates}: {seen['manifest_rows']} notice(s), acknowledged")

    old = client.refresh_token
    client.refresh()
    assert client.refresh_token != old
    client.search({"limit": 1})
    out(f"[{username}] refreshed; the new token works")
    return seen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    try:
        walk(args.base, args.username, args.password)
    except (ApiError, AssertionError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
