"""The Checkr adapter on recorded Checkr responses and events (JSON files in
``recorded/checkr``), served by a fake HTTP session: no network."""

import json
from pathlib import Path

import pytest

from doorstep.trust.background_checks.base import (
    OUTCOME_CLEAR,
    OUTCOME_CONSIDER,
    OUTCOME_PROGRESS,
    OUTCOME_SUSPENDED,
    BackgroundCheckError,
    Candidate,
    hmac_sha256_hex,
)
from doorstep.trust.background_checks.checkr import CheckrChecks

RECORDED = Path(__file__).parent / "recorded" / "checkr"
API_KEY = "83ebeabdec09f6670863766f792ead24d61fe3f9"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


class RecordedResponse:
    def __init__(self, status: int, body: dict) -> None:
        self.status_code = status
        self._body = body

    def json(self) -> dict:
        return self._body


class RecordedSession:
    """Answers each call with the next recorded response; keeps the calls."""

    def __init__(self, *names: str) -> None:
        self.answers = [recorded(name) for name in names]
        self.calls: list[dict] = []

    def request(self, method, url, **kwargs):
        self.calls.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        return RecordedResponse(answer["status"], answer["body"])


CANDIDATE = Candidate(
    reference="bgc_RecordedCheck0001",
    first_name="Mei",
    last_name="Chen",
    email="mei.chen@example.com",
)


def test_a_check_is_a_candidate_then_an_invitation():
    # given Checkr's recorded answers
    session = RecordedSession("candidate_created", "invitation_created")
    checkr = CheckrChecks(api_key=API_KEY, package="tasker_standard", session=session)

    # when a check starts
    started = checkr.start_check(candidate=CANDIDATE)

    # then the candidate was created with our reference, then invited
    assert started.candidate_id == "e44aa283528e6fde7d542194"
    assert started.external_id == "c2fd8e3c0a53d62d77c3bfb0"
    assert started.candidate_url.startswith("https://apply.checkr.com/")
    first, second = session.calls
    assert first["url"] == "https://api.checkr.com/v1/candidates"
    assert first["json"]["custom_id"] == "bgc_RecordedCheck0001"
    assert first["auth"] == (API_KEY, "")
    assert second["url"] == "https://api.checkr.com/v1/invitations"
    assert second["json"]["candidate_id"] == "e44aa283528e6fde7d542194"
    assert second["json"]["package"] == "tasker_standard"


@pytest.mark.parametrize(
    ("answer", "code", "retryable"),
    [
        ("error_invalid", BackgroundCheckError.REJECTED, False),
        ("error_unauthorized", BackgroundCheckError.REJECTED, False),
        ("error_server", BackgroundCheckError.UNAVAILABLE, True),
    ],
)
def test_checkr_errors_have_stable_codes(answer, code, retryable):
    checkr = CheckrChecks(api_key=API_KEY, session=RecordedSession(answer))

    with pytest.raises(BackgroundCheckError) as raised:
        checkr.start_check(candidate=CANDIDATE)

    assert raised.value.code == code
    assert raised.value.retryable is retryable


def test_without_an_api_key_nothing_is_sent():
    session = RecordedSession()
    with pytest.raises(BackgroundCheckError) as raised:
        CheckrChecks(api_key="", session=session).start_check(candidate=CANDIDATE)
    assert raised.value.code == BackgroundCheckError.NOT_CONFIGURED
    assert session.calls == []


def _signed(name: str, key: str = API_KEY) -> tuple[bytes, dict]:
    body = json.dumps(recorded(name)).encode()
    return body, {"X-Checkr-Signature": hmac_sha256_hex(body, key=key)}


@pytest.mark.parametrize(
    ("event", "outcome", "external_id"),
    [
        ("event_invitation_completed", OUTCOME_PROGRESS, "4722c07dd9a10c3985ae432a"),
        ("event_report_suspended", OUTCOME_SUSPENDED, "4722c07dd9a10c3985ae432a"),
        ("event_report_completed_clear", OUTCOME_CLEAR, "4722c07dd9a10c3985ae432a"),
        (
            "event_report_completed_consider",
            OUTCOME_CONSIDER,
            "4722c07dd9a10c3985ae432a",
        ),
    ],
)
def test_recorded_events_read_as_our_outcomes(event, outcome, external_id):
    body, headers = _signed(event)

    parsed = CheckrChecks(api_key=API_KEY).verify_and_parse_webhook(
        body=body, headers=headers
    )

    assert parsed.candidate_id == "e44aa283528e6fde7d542194"
    assert parsed.outcome == outcome
    assert parsed.external_id == external_id
    assert parsed.created_at is not None


def test_an_event_signed_with_another_key_is_refused():
    body, headers = _signed("event_report_completed_clear", key="not-our-key")
    with pytest.raises(BackgroundCheckError) as raised:
        CheckrChecks(api_key=API_KEY).verify_and_parse_webhook(
            body=body, headers=headers
        )
    assert raised.value.code == BackgroundCheckError.BAD_SIGNATURE


def test_a_changed_body_is_refused():
    body, headers = _signed("event_report_completed_consider")
    tampered = body.replace(b'"consider"', b'"clear"')
    with pytest.raises(BackgroundCheckError):
        CheckrChecks(api_key=API_KEY).verify_and_parse_webhook(
            body=tampered, headers=headers
        )


def test_django_meta_spelling_of_the_header_is_read():
    body, headers = _signed("event_report_completed_clear")
    meta = {"HTTP_X_CHECKR_SIGNATURE": headers["X-Checkr-Signature"]}
    parsed = CheckrChecks(api_key=API_KEY).verify_and_parse_webhook(
        body=body, headers=meta
    )
    assert parsed.outcome == OUTCOME_CLEAR
