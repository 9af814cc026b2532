"""Sending text messages.

``SmsSender`` is the interface a real carrier adapter (Twilio, Aliyun SMS, …)
implements; ``settings.SMS_SENDER`` names the class in use. ``ConsoleSmsSender``
prints to the log for development; ``OutboxSmsSender`` keeps messages in memory so
tests can read the code a person would have received.
"""

import logging
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


class SmsSender(Protocol):
    def send(self, message: Sms) -> None: ...


class ConsoleSmsSender:
    def send(self, message: Sms) -> None:
        logger.info("SMS to %s: %s", message.to, message.body)


class OutboxSmsSender:
    outbox: list[Sms] = []

    def send(self, message: Sms) -> None:
        self.outbox.append(message)


@cache
def _sender(path: str) -> SmsSender:
    return import_string(path)()


def send_sms(*, to: str, body: str) -> None:
    _sender(settings.SMS_SENDER).send(Sms(to=to, body=body))
