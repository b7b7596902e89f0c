"""A case number in the path may hold anything a client sends (percent-encoded, so
the decoded path holds "?" or control characters): a JSON 404, never a 500."""

from urllib.parse import quote

import pytest

from .world import BASE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["\xc3\U0001292fEf?\x16[", "CM26?x=%zz", "a\x00b", "%", "CM26-0000001?"])
def test_a_hostile_case_number_in_the_path_is_a_json_404(client, world, as_a, number):
    response = client.get(BASE + "docs/search/cn/" + quote(number, safe=""), **as_a)
    assert response.status_code == 404
    assert response.json()["status"] == 404
