"""A stand-in SMS carrier that is down for a while."""

from doorstep.notifications.sms import OutboxSmsSender, Sms


class CarrierDown(Exception):
    pass


class FlakySmsSender(OutboxSmsSender):
    failures = 0  # how many sends fail before one succeeds (-1: always)
    calls = 0

    def send(self, message: Sms) -> None:
        type(self).calls += 1
        if type(self).failures:
            type(self).failures -= 1
            raise CarrierDown("carrier unavailable")
        super().send(message)
