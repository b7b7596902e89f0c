"""The published journey against a live server, by a client written only from
the published contract (tests/api_contract_client.py), for both demo
organizations: token -> search (JSON, CSV) -> RFI search -> upload -> list ->
download each -> manifest dates -> manifest CSV -> acknowledge -> refresh; and
the second organization's account sees none of the first's cases.

By default against pytest's live server on the demo data; set
IMR_API_LIVE_URL and IMR_API_LIVE_PASSWORD to drive a running `make run`.
"""

import os

import pytest

from . import api_contract_client

DEMO_PASSWORD = "a demo passphrase for the journey"


@pytest.mark.django_db(transaction=True)
def test_the_published_journey_end_to_end(live_server):
    base, password = os.environ.get("IMR_API_LIVE_URL"), os.environ.get("IMR_API_LIVE_PASSWORD")
    fresh = not base
    if fresh:
        from cases.management.demo import seed_demo

        seed_demo(password=DEMO_PASSWORD)
        base, password = live_server.url, DEMO_PASSWORD
    quiet = lambda *args: None  # noqa: E731
    first = api_contract_client.walk(base, "claims-api", password, out=quiet)
    second = api_contract_client.walk(base, "claims-api2", password, out=quiet)
    assert first["cases"] and second["cases"]
    assert not set(first["cases"]) & set(second["cases"])
    assert first["downloads"] and second["downloads"]
    if fresh:  # the demo data gives each account an unacknowledged notice of assignment
        assert first["manifest_rows"] >= 1 and second["manifest_rows"] >= 1
