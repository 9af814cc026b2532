"""The survey page: only the order's customer sees it; errors beside the field;
answered once, then a clear answer instead of the form. And the ops trend page,
for those who handle tickets."""

from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.support.models import SurveyInvitation, SurveyResponse, Ticket
from doorstep.support.surveys import invite_to_survey, send_follow_up_surveys
from tests.factories import make_completed_order, make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(settings):
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 1
    order = make_completed_order()
    send_follow_up_surveys(now=order.state_changed_at + timedelta(hours=25))
    return SurveyInvitation.objects.get(order=order)


def test_someone_elses_survey_is_not_found(client, invitation):
    url = invitation.get_absolute_url()

    client.force_login(make_user())
    assert client.get(url).status_code == 404
    assert client.post(url, {"csat": "5", "nps": "10"}).status_code == 404
    client.force_login(invitation.order.provider.user)
    assert client.get(url).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_signed_out_people_are_asked_to_sign_in(client, invitation):
    response = client.get(invitation.get_absolute_url())

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_missing_scores_show_beside_their_fields(client, invitation):
    client.force_login(invitation.customer)

    page = client.get(invitation.get_absolute_url())
    refused = client.post(invitation.get_absolute_url(), {"comment": "ok"})

    assert page.status_code == 200
    assert b'name="nps"' in page.content
    assert refused.status_code == 400
    assert refused.context["form"].errors.keys() == {"csat", "nps"}
    assert not SurveyResponse.objects.exists()


def test_a_low_answer_thanks_the_customer_and_is_answered_once(client, invitation):
    client.force_login(invitation.customer)
    url = invitation.get_absolute_url()

    answered = client.post(url, {"csat": "1", "nps": "2", "comment": "No-show"})
    again = client.post(url, {"csat": "5", "nps": "10"})
    later = client.get(url)

    assert answered.status_code == 200
    assert b"data-follow-up-ticket" in answered.content
    assert again.status_code == 409
    assert later.status_code == 200
    assert b"data-survey-answered" in later.content
    assert SurveyResponse.objects.get().csat == 1
    assert Ticket.objects.count() == 1


def test_the_trend_page_is_for_ops_who_handle_tickets(client):
    invite_to_survey(order=make_completed_order())
    client.force_login(make_user())
    assert client.get(reverse("support:ops_satisfaction")).status_code == 404

    sign_in_ops(client, make_ops("Finance"))
    assert client.get(reverse("support:ops_satisfaction")).status_code == 403

    sign_in_ops(client, make_ops("Support"))
    page = client.get(reverse("support:ops_satisfaction"))
    assert page.status_code == 200
    assert page.context["trend"].total.invited == 1
    assert b"data-satisfaction" in page.content
