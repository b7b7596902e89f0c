"""The claims administrators' API documentation page, as an integrator opens it
(no sign-in): every published call listed, axe-core clean, photographed."""

import pytest
from playwright.sync_api import expect

from .pages import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_integrators_page(new_page):
    page = new_page()
    response = page.goto("/apigw/docs/")
    assert response.status == 200
    expect(page.get_by_role("heading", name="California IMR claims administrators' API")).to_be_visible()
    for path in ("/apigw/webservices/rest/apigw/cases/search", "/apigw/webservices/rest/apigw/events/noarfi/{day}",
                 "/auth/realms/{realm}/protocol/openid-connect/token"):
        expect(page.get_by_role("link", name=path).first).to_be_visible()
    page.get_by_role("link", name="Case statuses").click()
    expect(page.get_by_role("cell", name="Insufficient Records")).to_be_visible()
    check_page(page, "40 api documentation")
