"""The API's own description: served, valid OpenAPI 3, covering every published
path, and a readable page for integrators."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLISHED = {
    ("post", "/auth/realms/{realm}/protocol/openid-connect/token"),
    ("post", "/apigw/webservices/rest/apigw/cases/search"),
    ("post", "/apigw/webservices/rest/apigw/cases/searchrfi"),
    ("get", "/apigw/webservices/rest/apigw/docs/search/cn/{number}"),
    ("post", "/apigw/webservices/rest/apigw/docs/upload/cn/{number}"),
    ("post", "/apigw/webservices/rest/apigw/docs/upload"),
    ("get", "/apigw/webservices/rest/apigw/docs/download/{handle}"),
}


def test_the_description_is_served_and_covers_the_contract(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    operations = {(method, path) for path, methods in spec["paths"].items() for method in methods}
    assert PUBLISHED <= operations
    assert all(path.startswith(("/auth/realms/", "/apigw/webservices/")) for _, path in operations)  # nothing else of the app
    result = spec["components"]["schemas"]["CaseResult"]["properties"]
    assert {"injuredWorkrSuffix", "providerFirtName", "providerMidleInitial", "dateofURDecision"} <= set(result)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    search = spec["paths"]["/apigw/webservices/rest/apigw/cases/search"]["post"]
    assert set(search["responses"]["200"]["content"]) == {"application/json", "text/plain"}
    assert "parameters" not in search  # no ?format=: the contract negotiates by Accept


def test_the_description_is_valid_openapi(client):
    from openapi_spec_validator import validate

    validate(client.get(reverse("api:schema")).json())


def test_the_page_for_integrators_lists_every_call(client):
    html = client.get(reverse("api:docs")).content.decode()
    for method, path in PUBLISHED:
        assert f"<code>{path}</code>" in html, path
    assert "Insufficient Records" in html and "injuredWorkrSuffix" in html and "<script>" not in html.split("</main>")[0]
