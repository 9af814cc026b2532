import json

import pytest

from doorstep.api.fallbacks import server_error


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_problem_not_a_page(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_an_unknown_web_path_is_a_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_is_a_problem(rf):
    response = server_error(rf.get("/api/v1/me"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "server_error"
