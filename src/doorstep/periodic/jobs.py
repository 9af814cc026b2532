"""Every periodic job, declared once: its name, when it runs and what it calls.

A job's callable lives in the app whose work it is (usually its ``tasks.py``)
and takes no arguments. It returns something JSON can hold (a count, a dict of
counts), shown on the ops schedule page. A dict with a non-empty
``"attention"`` message marks the run as needing ops (the nightly reconcile
finding a mismatch, money flows that failed): ops are alerted, as they are when
a job raises.

Operators may change when a job runs without touching code, with
``DOORSTEP_PERIODIC_SCHEDULE`` (JSON): ``{"reconcile_payments": {"at": "04:30"},
"clear_pending_earnings": {"every": 600}}`` — ``every`` in seconds, ``at`` a
daily local time in ``TIME_ZONE``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Schedule:
    """Either every ``every`` from the last run, or daily at ``at`` local time."""

    every: timedelta | None = None
    at: time | None = None

    def __str__(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds())}s"
        return f"daily {self.at:%H:%M}"

    def next_after(self, moment: datetime) -> datetime:
        if self.every is not None:
            return moment + self.every
        zone = ZoneInfo(settings.TIME_ZONE)
        local = moment.astimezone(zone)
        candidate = datetime.combine(local.date(), self.at, tzinfo=zone)
        if candidate <= local:
            candidate = datetime.combine(
                local.date() + timedelta(days=1), self.at, tzinfo=zone
            )
        return candidate


@dataclass(frozen=True)
class Job:
    name: str
    title: Promise
    run: str  # dotted path of a callable taking no arguments
    every: timedelta | None = None
    at: time | None = None
    # A run still marked running after this long belongs to a dead worker.
    timeout: timedelta = timedelta(hours=1)

    @property
    def schedule(self) -> Schedule:
        """The declared schedule, or the operator's from the settings."""
        override = getattr(settings, "DOORSTEP_PERIODIC_SCHEDULE", {}).get(self.name)
        if not override:
            return Schedule(every=self.every, at=self.at)
        try:
            if "every" in override:
                every = timedelta(seconds=float(override["every"]))
                if every <= timedelta(0):
                    raise ValueError("every must be positive")
                return Schedule(every=every)
            return Schedule(at=time.fromisoformat(override["at"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ImproperlyConfigured(
                f"DOORSTEP_PERIODIC_SCHEDULE[{self.name!r}]: give "
                f'{{"every": seconds}} or {{"at": "HH:MM"}} ({error})'
            ) from error

    @property
    def function(self) -> Callable[[], object]:
        return _load(self.run)


@cache
def _load(path: str) -> Callable[[], object]:
    return import_string(path)


MINUTE = timedelta(minutes=1)

JOBS: tuple[Job, ...] = (
    Job(
        "rebuild_listing_neighbours",
        _("Recompute similar services and which have free times"),
        "doorstep.recommendations.tasks.rebuild_recommendations",
        every=60 * MINUTE,
        timeout=timedelta(hours=2),
    ),
    Job(
        "fire_order_timers",
        _("Order timers (expiry, reminders, auto-completion)"),
        "doorstep.orders.tasks.sweep_timers",
        every=MINUTE,
    ),
    Job(
        "close_review_windows",
        _("Reveal reviews whose window closed"),
        "doorstep.reviews.tasks.sweep_review_windows",
        every=5 * MINUTE,
    ),
    Job(
        "retry_notification_deliveries",
        _("Retry e-mail and SMS deliveries"),
        "doorstep.notifications.tasks.sweep_deliveries",
        every=MINUTE,
    ),
    Job(
        "deliver_overdue_events",
        _("Deliver events whose delivery was lost"),
        "doorstep.events.tasks.sweep_undelivered_events",
        every=MINUTE,
    ),
    Job(
        "retry_money_flows",
        _("Retry money flows the gateway put off"),
        "doorstep.payments.tasks.sweep_pending_money_flows",
        every=MINUTE,
    ),
    Job(
        "clear_pending_earnings",
        _("Clear providers' earnings after the holding period"),
        "doorstep.payments.tasks.clear_pending_earnings",
        every=15 * MINUTE,
    ),
    # --- standards enforcement (trust)
    Job(
        "review_provider_standing",
        _("Expire old strikes and lift what they no longer justify"),
        "doorstep.trust.standards.review_standing_of_all",
        every=60 * MINUTE,
    ),
    Job(
        "collect_fine_debts",
        _("Net fines providers owe from their new earnings"),
        "doorstep.trust.standards.collect_all_fine_debts",
        every=15 * MINUTE,
    ),
    Job(
        "reconcile_payments",
        _("Reconcile the ledger with the payment gateway"),
        "doorstep.payments.tasks.reconcile_payments",
        at=time(3, 0),
        timeout=timedelta(hours=3),
    ),
    Job(
        "sweep_document_expiry",
        _("Remind of expiring provider documents; lapse expired ones"),
        "doorstep.trust.tasks.sweep_document_expiry",
        at=time(6, 0),
    ),
    Job(
        "purge_document_files",
        _("Delete provider documents past their retention period"),
        "doorstep.trust.tasks.purge_document_files",
        at=time(4, 30),
    ),
    Job(
        "requalify_top_providers",
        _("Requalify every provider for the Top provider badge"),
        "doorstep.trust.check_tasks.requalify_top_providers",
        at=time(2, 30),
    ),
    Job(
        "deliver_sandbox_check_events",
        _("Send the background-check sandbox's due webhooks"),
        "doorstep.trust.check_tasks.deliver_sandbox_check_events",
        every=MINUTE,
    ),
    Job(
        "alert_ops_of_new_queue_items",
        _("Tell ops of new items in their queues"),
        "doorstep.backoffice.tasks.alert_new_queue_items",
        every=5 * MINUTE,
    ),
    Job(
        "assign_asap_jobs",
        _("Match jobs wanted as soon as possible with workers on duty"),
        "doorstep.dispatch.tasks.run_batch_round",
        every=timedelta(seconds=5),
    ),
    Job(
        "lapse_dispatch_offers",
        _("Pass on job offers nobody answered in time"),
        "doorstep.dispatch.tasks.sweep_offers",
        every=timedelta(seconds=15),
    ),
    Job(
        "retry_unplaced_dispatch_jobs",
        _("Look again for workers for jobs nobody was found for"),
        "doorstep.dispatch.tasks.retry_unplaced_jobs",
        every=MINUTE,
    ),
    Job(
        "check_dispatch_promises",
        _("Act on dispatched orders behind their promise"),
        "doorstep.dispatch.tasks.check_promises",
        every=timedelta(seconds=30),
    ),
    Job(
        "recover_lost_tasks",
        _("Re-queue tasks whose worker stopped while running them"),
        "doorstep.periodic.workers.recover_lost_tasks",
        every=MINUTE,
    ),
    Job(
        "prune_run_history",
        _("Forget old job runs and finished tasks"),
        "doorstep.periodic.services.prune_run_history",
        at=time(4, 0),
    ),
    # --- support tickets
    Job(
        "check_ticket_slas",
        _("Mark tickets past their SLA targets; escalate and alert ops"),
        "doorstep.support.ticket_tasks.check_ticket_slas",
        every=5 * MINUTE,
    ),
    Job(
        "close_solved_tickets",
        _("Close tickets solved some days ago"),
        "doorstep.support.ticket_tasks.close_solved_tickets",
        at=time(5, 0),
    ),
    Job(
        "send_follow_up_surveys",
        _("Ask customers how their job went, a day after it"),
        "doorstep.support.tasks.send_follow_up_surveys",
        every=15 * MINUTE,
    ),
    Job(
        "escalate_overdue_disputes",
        _("Send disputes nobody answered in time to ops"),
        "doorstep.support.tasks.escalate_overdue_disputes",
        every=15 * MINUTE,
    ),
    Job(
        "escalate_warranty_claims",
        _("Send unanswered warranty claims to ops; close claims whose redo is done"),
        "doorstep.support.tasks.escalate_warranty_claims",
        every=15 * MINUTE,
    ),
    # --- requests for quotes
    Job(
        "expire_quote_requests",
        _(
            "Lapse unanswered requests for quotes, expire old requests and quotes, "
            "refund lead fees of unopened quotes"
        ),
        "doorstep.quotes.tasks.expire_quote_requests",
        every=MINUTE,
    ),
    Job(
        "refresh_response_times",
        _("Measure again how fast each provider answers requests"),
        "doorstep.quotes.tasks.refresh_response_times",
        at=time(3, 30),
    ),
    # --- growth
    Job(
        "settle_order_rewards",
        _(
            "Give points, referral rewards and code owners' shares for orders "
            "whose dispute window has passed"
        ),
        "doorstep.growth.tasks.settle_order_rewards",
        every=15 * MINUTE,
    ),
    Job(
        "expire_rewards",
        _("Expire points and credit past their date"),
        "doorstep.growth.tasks.expire_rewards",
        at=time(3, 45),
    ),
    # --- paid promotion
    Job(
        "end_finished_promotions",
        _("Mark promotions whose last day passed as ended"),
        "doorstep.promotions.tasks.end_finished_promotions",
        every=15 * MINUTE,
    ),
    # --- invoicing
    Job(
        "issue_due_documents",
        _("Issue receipts, credit notes and fee invoices not issued yet"),
        "doorstep.invoicing.tasks.issue_due_documents",
        every=5 * MINUTE,
    ),
    Job(
        "issue_monthly_statements",
        _("Issue providers' statements of the month that just ended"),
        "doorstep.invoicing.tasks.issue_monthly_statements",
        at=time(4, 15),
    ),
    # --- analytics
    Job(
        "refresh_analytics",
        _("Recompute today's and yesterday's analytics; follow the ledger"),
        "doorstep.analytics.tasks.refresh_analytics",
        every=15 * MINUTE,
    ),
    Job(
        "follow_ledger_for_analytics",
        _("Analytics: recompute the days new ledger entries moved"),
        "doorstep.analytics.tasks.follow_ledger_for_analytics",
        every=MINUTE,
    ),
    Job(
        "refresh_supply_demand",
        _("Analytics: rebuild the supply and demand map (cells by hour of week)"),
        "doorstep.analytics.tasks.refresh_supply_demand",
        every=60 * MINUTE,
    ),
    # --- transparency log
    Job(
        "extend_transparency_log",
        _("Log new reviews, completions and ledger entries; sign a checkpoint"),
        "doorstep.transparency.tasks.extend_transparency_log",
        every=2 * MINUTE,
    ),
    # --- provider plans
    Job(
        "run_subscription_billing",
        _("Renew provider plans, retry failed renewals, end lapsed plans"),
        "doorstep.subscriptions.tasks.run_subscription_billing",
        every=15 * MINUTE,
    ),
    # --- recurring bookings
    Job(
        "plan_recurring_visits",
        _("Recurring bookings: book the visits of the coming weeks"),
        "doorstep.recurring.tasks.plan_recurring_visits",
        every=60 * MINUTE,
    ),
    Job(
        "charge_recurring_visits",
        _("Recurring bookings: hold each visit's price on the saved card a day before"),
        "doorstep.recurring.tasks.charge_recurring_visits",
        every=15 * MINUTE,
    ),
    # --- outgoing webhooks
    Job(
        "retry_webhook_deliveries",
        _("Send webhook deliveries that are due; turn off endpoints failing for days"),
        "doorstep.webhooks.tasks.sweep_webhook_deliveries",
        every=MINUTE,
    ),
)

JOBS_BY_NAME: dict[str, Job] = {job.name: job for job in JOBS}
