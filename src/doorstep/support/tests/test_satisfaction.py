"""The satisfaction trend ops read: CSAT average and share satisfied, NPS
(% promoters − % detractors) and the response rate, per week of sending, from
known answers."""

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.support.satisfaction import satisfaction_trend
from doorstep.support.surveys import answer_survey, invite_to_survey
from tests.factories import make_completed_order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def _survey(when, answer=None):
    order = make_completed_order()
    invitation = invite_to_survey(order=order, now=when)
    if answer is not None:
        csat, nps = answer
        answer_survey(
            user=order.customer,
            invitation_id=invitation.public_id,
            csat=csat,
            nps=nps,
            now=when + timedelta(hours=2),
        )
    return invitation


@pytest.fixture
def answers(settings):
    settings.TIME_ZONE = "UTC"
    settings.DOORSTEP_NPS_EVERY_N_ORDERS = 1
    this_week, three_weeks_ago = NOW - timedelta(hours=30), NOW - timedelta(weeks=3)
    _survey(this_week, (5, 10))
    _survey(this_week, (4, 6))  # a detractor: low, a ticket
    _survey(this_week)  # not answered
    _survey(three_weeks_ago, (2, 9))  # low satisfaction: a ticket
    _survey(three_weeks_ago, (3, 8))
    _survey(NOW - timedelta(weeks=13), (1, 0))  # before the 12 weeks


def test_each_week_is_computed_from_its_answers(answers):
    trend = satisfaction_trend(now=NOW)

    assert len(trend.weeks) == 12
    assert trend.weeks[-1].week.isoformat() == "2026-11-23"
    current, earlier = trend.weeks[-1], trend.weeks[-4]
    assert (current.invited, current.answered) == (3, 2)
    assert current.response_rate_percent == 67
    assert current.csat_average == 4.5
    assert current.satisfied_percent == 100
    assert current.nps == 0  # one promoter, one detractor
    assert current.low_scores == 1
    assert (earlier.invited, earlier.answered) == (2, 2)
    assert earlier.csat_average == 2.5
    assert earlier.satisfied_percent == 0
    assert earlier.nps == 50  # one promoter, one passive
    assert trend.weeks[0].invited == 0
    assert trend.weeks[0].nps is None


def test_the_total_covers_the_twelve_weeks_only(answers):
    total = satisfaction_trend(now=NOW).total

    assert (total.invited, total.answered) == (5, 4)
    assert total.response_rate_percent == 80
    assert total.csat_average == 3.5
    assert total.satisfied_percent == 50
    assert total.nps == 25  # two promoters, one detractor of four
    assert total.low_scores == 2
