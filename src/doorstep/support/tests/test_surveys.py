"""The follow-up survey (回访): a day after completion each customer is asked
once, NPS every N-th completed order; they answer once; a low score opens one
high-priority ticket about the order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.notifications.models import Kind, Notification
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.support.models import SurveyInvitation, SurveyResponse, Ticket
from doorstep.support.surveys import answer_survey, send_follow_up_surveys
from tests.factories import make_completed_order, make_order, make_user

pytestmark = pytest.mark.django_db

DAY = timedelta(hours=24)


@pytest.fixture
def completed():
    return make_completed_order()


def _invite(order, *, after=DAY + timedelta(minutes=1)):
    send_follow_up_surveys(now=order.state_changed_at + after)
    return SurveyInvitation.objects.get(order=order)


def test_the_job_is_declared_and_calls_the_service():
    job = JOBS_BY_NAME["send_follow_up_surveys"]

    assert job.run == "doorstep.support.tasks.send_follow_up_surveys"
    assert job.function() == {"invited": 0, "with_nps": 0}


def test_customers_are_asked_a_day_after_completion_not_before(completed):
    too_soon = completed.state_changed_at + DAY - timedelta(minutes=1)

    assert send_follow_up_surveys(now=too_soon) == {"invited": 0, "with_nps": 0}
    assert not SurveyInvitation.objects.exists()

    result = send_follow_up_surveys(now=completed.state_changed_at + DAY)

    assert result["invited"] == 1
    invitation = SurveyInvitation.objects.get()
    assert invitation.order == completed
    assert invitation.customer == completed.customer
    assert Event.objects.filter(
        topic="survey.invited", subject=invitation.public_id
    ).exists()


def test_each_order_is_asked_once(completed):
    later = completed.state_changed_at + DAY

    send_follow_up_surveys(now=later)
    assert send_follow_up_surveys(now=later + timedelta(hours=1))["invited"] == 0

    assert SurveyInvitation.objects.count() == 1


def test_orders_not_completed_or_long_ago_are_not_asked(settings):
    settings.DOORSTEP_SURVEY_MAX_AGE_DAYS = 7
    make_order(state="delivered")
    old = make_completed_order()

    send_follow_up_surveys(now=old.state_changed_at + DAY + timedelta(days=8))

    assert not SurveyInvitation.objects.exists()


def test_a_closed_account_is_not_asked():
    order = make_completed_order(customer=make_user(is_active=False))

    send_follow_up_surveys(now=order.state_changed_at + DAY)

    assert not SurveyInvitation.objects.exists()


def test_the_customer_is_notified_in_their_language(
    django_capture_on_commit_callbacks,
):
    order = make_completed_order(customer=make_user(language="zh-hans"))

    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(order)

    notice = Notification.objects.get(kind=Kind.FOLLOW_UP_SURVEY)
    assert notice.recipient == order.customer
    assert notice.url == f"/support/surveys/{invitation.public_id}/"
    assert order.title in notice.title


def test_nps_is_asked_every_nth_completed_order_of_the_customer(settings):
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 2
    customer = make_user()
    orders = [make_completed_order(customer=customer) for _ in range(4)]
    other = make_completed_order()

    send_follow_up_surveys(now=timezone.now() + DAY)

    asks = {
        invitation.order_id: invitation.asks_nps
        for invitation in SurveyInvitation.objects.all()
    }
    assert [asks[order.pk] for order in orders] == [False, True, False, True]
    assert asks[other.pk] is False


# --- Answering ------------------------------------------------------------------------


def test_a_good_answer_is_kept_and_opens_no_ticket(completed):
    invitation = _invite(completed)

    response = answer_survey(
        user=completed.customer,
        invitation_id=invitation.public_id,
        csat=5,
        comment=" Spotless ",
    )

    assert (response.csat, response.nps, response.comment) == (5, None, "Spotless")
    assert response.ticket is None
    assert not Ticket.objects.exists()
    assert Event.objects.filter(topic="survey.answered").exists()


@pytest.mark.parametrize(("csat", "nps"), [(2, None), (1, None), (4, 6), (5, 0)])
def test_a_low_score_opens_one_high_priority_ticket(settings, csat, nps):
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 1 if nps is not None else 0
    order = make_completed_order()
    invitation = _invite(order)

    response = answer_survey(
        user=order.customer,
        invitation_id=invitation.public_id,
        csat=csat,
        nps=nps,
        comment="Late and rude.",
    )

    ticket = Ticket.objects.get()
    assert response.ticket == ticket
    assert ticket.source == Ticket.Source.SURVEY
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.order == order
    assert ticket.requester == order.customer
    assert "Late and rude." in ticket.messages.get().body


def test_a_middling_score_is_not_low(settings):
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 1
    order = make_completed_order()
    invitation = _invite(order)

    answer_survey(
        user=order.customer, invitation_id=invitation.public_id, csat=3, nps=7
    )

    assert not Ticket.objects.exists()


def test_an_answer_is_given_once_and_a_second_changes_nothing(completed):
    invitation = _invite(completed)
    answer_survey(user=completed.customer, invitation_id=invitation.public_id, csat=1)

    with pytest.raises(Conflict) as raised:
        answer_survey(
            user=completed.customer, invitation_id=invitation.public_id, csat=1
        )

    assert raised.value.code == "survey_already_answered"
    assert SurveyResponse.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_someone_elses_survey_is_not_found(completed):
    invitation = _invite(completed)

    with pytest.raises(NotFound) as raised:
        answer_survey(user=make_user(), invitation_id=invitation.public_id, csat=5)

    assert raised.value.code == "survey_not_found"
    provider = completed.provider.user
    with pytest.raises(NotFound):
        answer_survey(user=provider, invitation_id=invitation.public_id, csat=5)
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("asks_nps", "answer", "field"),
    [
        (False, {"csat": None}, "csat"),
        (False, {"csat": 6}, "csat"),
        (False, {"csat": "five"}, "csat"),
        (False, {"csat": 4, "nps": 9}, "nps"),
        (True, {"csat": 4}, "nps"),
        (True, {"csat": 4, "nps": 11}, "nps"),
        (False, {"csat": 4, "comment": "x" * 2001}, "comment"),
    ],
)
def test_bad_answers_name_the_field_and_write_nothing(
    settings, asks_nps, answer, field
):
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 1 if asks_nps else 0
    order = make_completed_order()
    invitation = _invite(order)

    with pytest.raises(DomainError) as raised:
        answer_survey(user=order.customer, invitation_id=invitation.public_id, **answer)

    assert raised.value.code == "invalid_input"
    assert field in raised.value.fields
    assert not SurveyResponse.objects.exists()
    assert not Ticket.objects.exists()
