"""The API of the help centre (public, read-only) and of the follow-up survey
(the order's customer only), with problem+json errors, and both in the
OpenAPI document."""

from datetime import timedelta

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle, SurveyInvitation, Ticket
from doorstep.support.surveys import send_follow_up_surveys
from tests.factories import make_completed_order, make_ops, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    editor = make_ops("Support")
    made = []
    for index, (slug, en, hans) in enumerate(
        [
            ("refunds", "How refunds work", "退款如何处理"),
            ("reschedule", "Changing the time", "更改时间"),
            ("payouts", "When payouts are made", "何时打款"),
        ]
    ):
        made.append(
            help_centre.create_article(
                actor=editor,
                slug=slug,
                section=HelpArticle.Section.PAYMENTS,
                position=index,
                texts={
                    "title_en": en,
                    "body_en": f"{en}: the details.",
                    "title_zh_hans": hans,
                    "body_zh_hans": f"{hans}：详情。",
                },
                publish=True,
            )
        )
    return made


def test_anyone_lists_articles_page_by_page(client, articles):
    first = client.get(f"{API}/help/articles", {"limit": 2})
    body = first.json()
    second = client.get(f"{API}/help/articles", {"limit": 2, "cursor": body["next"]})

    assert first.status_code == 200
    assert [a["slug"] for a in body["items"]] == ["refunds", "reschedule"]
    assert second.json() == {
        "items": [second.json()["items"][0]],
        "next": None,
    }
    assert second.json()["items"][0]["slug"] == "payouts"


def test_search_answers_in_the_callers_language(client, articles):
    found = client.get(
        f"{API}/help/articles", {"q": "打款"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert [a["title"] for a in found.json()["items"]] == ["何时打款"]


def test_one_article_and_problems_for_the_rest(client, articles):
    article = client.get(f"{API}/help/articles/refunds", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert article.status_code == 200
    assert article.json()["body"] == "退款如何处理：详情。"
    assert_problem(
        client.get(f"{API}/help/articles/nothing"), 404, "help_article_not_found"
    )
    assert_problem(
        client.get(f"{API}/help/articles", {"cursor": "bogus"}), 400, "invalid_cursor"
    )
    assert_problem(client.get(f"{API}/help/articles", {"limit": 0}), 400)


# --- Surveys --------------------------------------------------------------------------


@pytest.fixture
def invitation():
    order = make_completed_order()
    send_follow_up_surveys(now=order.state_changed_at + timedelta(hours=25))
    return SurveyInvitation.objects.get(order=order)


def test_the_customer_reads_and_answers_once(client, invitation):
    headers = bearer(invitation.customer)
    url = f"{API}/me/surveys/{invitation.public_id}"

    read = client.get(url, **headers)
    answered = client.post(
        f"{url}/answer",
        {"csat": 2, "comment": "Late"},
        content_type="application/json",
        **headers,
    )
    again = client.post(
        f"{url}/answer", {"csat": 5}, content_type="application/json", **headers
    )

    assert read.status_code == 200
    assert read.json()["answered"] is False
    assert answered.status_code == 201
    assert answered.json()["csat"] == 2
    assert answered.json()["ticket_id"] == Ticket.objects.get().public_id
    assert_problem(again, 409, "survey_already_answered")


def test_the_wrong_user_gets_404(client, invitation):
    url = f"{API}/me/surveys/{invitation.public_id}"
    stranger = bearer(make_user())

    assert_problem(client.get(url, **stranger), 404, "survey_not_found")
    assert_problem(
        client.post(
            f"{url}/answer", {"csat": 5}, content_type="application/json", **stranger
        ),
        404,
        "survey_not_found",
    )
    assert_problem(client.get(url), 401)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"csat": 6}, "csat"), ({"csat": 4, "nps": 9}, "nps"), ({}, "csat")],
)
def test_bad_answers_are_problems_naming_the_field(client, invitation, body, field):
    problem = assert_problem(
        client.post(
            f"{API}/me/surveys/{invitation.public_id}/answer",
            body,
            content_type="application/json",
            **bearer(invitation.customer),
        ),
        400,
        "invalid_input",
    )

    assert field in str(problem["errors"])
    assert not hasattr(SurveyInvitation.objects.get(), "response")


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert "get" in paths["/api/v1/help/articles"]
    assert "404" in paths["/api/v1/help/articles/{slug}"]["get"]["responses"]
    answer = paths["/api/v1/me/surveys/{survey_id}/answer"]["post"]["responses"]
    assert {"201", "400", "401", "404", "409"} <= answer.keys()
