import re
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import PhoneCode, User
from doorstep.accounts.services import (
    normalize_phone,
    request_phone_code,
    verify_phone_code,
)
from doorstep.core.errors import DomainError, RateLimited

pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"


def _code_from(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def test_right_code_signs_in_and_creates_the_account(
    sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    assert sms_outbox[-1].to == PHONE

    user = verify_phone_code(phone=PHONE, code=_code_from(sms_outbox))

    assert user.phone == PHONE
    assert user.phone_verified
    assert User.objects.filter(phone=PHONE).count() == 1


def test_code_is_stored_hashed(sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    code = _code_from(sms_outbox)
    assert code not in PhoneCode.objects.get().digest


def test_wrong_code_is_refused_and_counted(
    sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    wrong = "000000" if _code_from(sms_outbox) != "000000" else "111111"

    with pytest.raises(DomainError) as error:
        verify_phone_code(phone=PHONE, code=wrong)

    assert error.value.code == "invalid_code"
    assert PhoneCode.objects.get().failed_attempts == 1
    assert not User.objects.filter(phone=PHONE).exists()


def test_expired_code_is_refused(sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(DomainError) as error:
        verify_phone_code(phone=PHONE, code=_code_from(sms_outbox))

    assert error.value.code == "code_expired"
    assert not User.objects.filter(phone=PHONE).exists()


def test_too_many_attempts_kill_even_the_right_code(
    sms_outbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    right = _code_from(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        with pytest.raises(DomainError):
            verify_phone_code(phone=PHONE, code=wrong)

    with pytest.raises(DomainError) as error:
        verify_phone_code(phone=PHONE, code=right)

    assert error.value.code == "too_many_attempts"


def test_only_the_newest_code_works(sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    first = _code_from(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        request_phone_code(phone=PHONE)
    second = _code_from(sms_outbox)

    if first != second:
        with pytest.raises(DomainError):
            verify_phone_code(phone=PHONE, code=first)
    assert verify_phone_code(phone=PHONE, code=second).phone == PHONE


def test_requests_per_number_are_limited():
    for _ in range(3):
        request_phone_code(phone=PHONE)

    with pytest.raises(RateLimited):
        request_phone_code(phone=PHONE)

    assert PhoneCode.objects.filter(phone=PHONE).count() == 3


@pytest.mark.parametrize("raw", ["", "12", "not a phone", "+86 123", "+1" + "9" * 20])
def test_bad_numbers_are_refused(raw):
    with pytest.raises(DomainError) as error:
        normalize_phone(raw)
    assert "phone" in error.value.fields


def test_numbers_are_normalised_to_e164():
    assert normalize_phone("138 0013 8000", region="CN") == PHONE
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"
