from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One thing that happened, as consumers see it. Append-only."""

    topic = models.CharField(max_length=80, db_index=True)  # e.g. "order.accepted"
    subject = models.CharField(max_length=40, db_index=True)  # public id it is about
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Failed deliveries (a consumer raised); the sweep gives up after a few.
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    last_delivery_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="event_undelivered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.subject}"
