"""The ops console: the home that links every back-office page this person's
role opens (reached from the header menu), the search, a page per user, the
audit trail and the queue pages. Views parse, call one query or service and
render; the role checks are in ``backoffice.queries`` and the services."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.audit.actions import all_actions
from doorstep.backoffice import queries
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.backoffice.queues import queues_for, summarise
from doorstep.core.errors import DomainError, NotFound, PermissionDenied
from doorstep.reviews import services as review_services


@dataclass(frozen=True)
class OpsPage:
    title: str
    description: str
    url: str
    permission: OpsPermission | None = None  # None: every ops role


# The schedule page is built in the scheduling app; its address is part of the
# back office's layout, so it is named here by path.
SCHEDULE_PATH = "/ops/schedule/"


def ops_pages() -> list[OpsPage]:
    """Every back-office page, in the order the home lists them."""
    return [
        OpsPage(
            _("Search"),
            _("Find users, providers, orders and listings by id, e-mail or name."),
            reverse("backoffice:search"),
            OpsPermission.VIEW_PEOPLE,
        ),
        OpsPage(
            _("Audit trail"),
            _("Every ops action: who, when, what, before and after, and why."),
            reverse("backoffice:audit"),
            OpsPermission.VIEW_AUDIT,
        ),
        OpsPage(
            _("Orders"),
            _("Every order: its history, timers and the actions ops may take."),
            reverse("orders:ops_list"),
        ),
        OpsPage(
            _("Payouts"),
            _("Payout requests waiting for approval, and recent batches."),
            reverse("payments:ops_payouts"),
            OpsPermission.VIEW_FINANCE,
        ),
        OpsPage(
            _("Analytics"),
            _(
                "GMV, orders, retention, satisfaction and liquidity by day, week or"
                " month, per category and city, beside the period before."
            ),
            reverse("analytics:dashboard"),
            OpsPermission.VIEW_FINANCE,
        ),
        OpsPage(
            _("Finance report"),
            _("GMV, captures, refunds, commission and fees per day and currency."),
            reverse("payments:finance_report"),
            OpsPermission.VIEW_FINANCE,
        ),
        OpsPage(
            _("Settings"),
            _("Name, look, cities, categories, fees and policies."),
            reverse("marketplace:index"),
            OpsPermission.MANAGE_SETTINGS,
        ),
        OpsPage(
            _("Background checks"),
            _("Start checks providers consented to; decide results to review."),
            reverse("badges:ops_checks"),
            OpsPermission.VERIFY_PROVIDERS,
        ),
        OpsPage(
            _("Top provider rules"),
            _("What earns the Top provider badge; providers requalify nightly."),
            reverse("badges:ops_top_provider"),
            OpsPermission.ENFORCE_STANDARDS,
        ),
        OpsPage(
            _("Standards"),
            _("Penalty rules, strikes, appeals, warnings and suspensions."),
            reverse("standards:ops_home"),
            OpsPermission.ENFORCE_STANDARDS,
        ),
        OpsPage(
            _("Terms and privacy"),
            _("Publish new versions of the terms and privacy policy."),
            reverse("legal:ops_list"),
            OpsPermission.MANAGE_SETTINGS,
        ),
        OpsPage(
            _("Scheduled jobs"),
            _("What the worker runs on its own: last run, next run, last error."),
            SCHEDULE_PATH,
        ),
        OpsPage(
            _("Testimonials"),
            _("Pick real reviews to show on the home page, or take them off."),
            reverse("reviews:ops_testimonials"),
            OpsPermission.MODERATE_REVIEWS,
        ),
        OpsPage(
            _("Dispatch board"),
            _("Open platform orders, workers on duty, promise clocks; assign by hand."),
            reverse("dispatch_board:board"),
            OpsPermission.DISPATCH_ORDERS,
        ),
        OpsPage(
            _("Admin"),
            _("Every record, read and edited through Django's admin."),
            reverse("admin:index"),
        ),
        OpsPage(
            _("Support tickets"),
            _("Tickets by queue with their SLA clocks; replies, notes, workload."),
            reverse("support:ops_tickets"),
            OpsPermission.HANDLE_TICKETS,
        ),
        OpsPage(
            _("Help centre"),
            _("Write, translate and publish the help centre's articles."),
            reverse("support:ops_help"),
            OpsPermission.EDIT_HELP,
        ),
        OpsPage(
            _("Campaigns and codes"),
            _("Promotions, partner batches, influencer codes and their budgets."),
            reverse("growth_ops:campaigns"),
            OpsPermission.RUN_GROWTH,
        ),
        OpsPage(
            _("Growth funnel"),
            _("Visits, sign-ups, first and repeat orders, GMV and cost per source."),
            reverse("growth_ops:funnel"),
            OpsPermission.RUN_GROWTH,
        ),
        OpsPage(
            _("Customer satisfaction"),
            _("Follow-up surveys week by week: satisfaction, NPS, response rate."),
            reverse("support:ops_satisfaction"),
            OpsPermission.HANDLE_TICKETS,
        ),
        OpsPage(
            _("Provider plans"),
            _("Plans, their prices and perks, subscribers and MRR per currency."),
            reverse("subscriptions:ops_plans"),
            OpsPermission.MANAGE_SETTINGS,
        ),
        OpsPage(
            _("Webhook endpoints"),
            _("Every integrator's webhook endpoint, its failures; turn one off."),
            reverse("webhooks:ops_endpoints"),
            OpsPermission.MANAGE_SETTINGS,
        ),
    ]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not can_use_back_office(request):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            # Staff without a second factor in this session: set one up or use it.
            return redirect("mfa_index")
        raise Http404
    pages = [
        page
        for page in ops_pages()
        if page.permission is None or has_ops_permission(request.user, page.permission)
    ]
    queues = [summarise(queue) for queue in queues_for(request.user)]
    return render(request, "backoffice/home.html", {"pages": pages, "queues": queues})


# --- The console's pages ----------------------------------------------------------


def ops_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ops pages do not admit they exist to anyone else (404); ops whose role
    does not open the page get 403 (the query or service raised
    ``PermissionDenied``); an id nobody has gets 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_use_back_office(request):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except NotFound as error:
            raise Http404(error.message) from error

    return wrapped


@require_GET
@ops_page
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = queries.search(user=request.user, query=query)
    return render(request, "backoffice/search.html", {"results": results})


@require_GET
@ops_page
def user_page(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = queries.user_dossier(user=request.user, public_id=public_id)
    return render(request, "backoffice/user.html", {"dossier": dossier})


@require_GET
@ops_page
def provider_page(request: HttpRequest, public_id: str) -> HttpResponse:
    user_id = queries.provider_user_id(user=request.user, public_id=public_id)
    return redirect("backoffice:user", public_id=user_id)


def _day(value: str, *, end: bool = False) -> datetime | None:
    day = parse_date(value or "") if value else None
    if day is None:
        return None
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment)


AUDIT_PAGE_SIZE = 50


@require_GET
@ops_page
def audit_trail(request: HttpRequest) -> HttpResponse:
    params = {
        "q": request.GET.get("q", "").strip()[:200],
        "action": request.GET.get("action", ""),
        "actor": request.GET.get("actor", "").strip()[:254],
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }
    actions = all_actions()
    if params["action"] not in {action.code for action in actions}:
        params["action"] = ""
    entries = queries.audit_trail(
        user=request.user,
        text=params["q"],
        action=params["action"],
        actor=params["actor"],
        since=_day(params["since"]),
        until=_day(params["until"], end=True),
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/audit.html",
        {
            "page": page,
            "params": params,
            "actions": actions,
            "query": query.urlencode(),
        },
    )


@require_GET
@ops_page
def queue_page(request: HttpRequest, key: str) -> HttpResponse:
    queue, page = queries.queue_page(
        user=request.user, key=key, number=request.GET.get("page")
    )
    return render(
        request,
        "backoffice/queue.html",
        {
            "queue": queue,
            "page": page,
            "rows": f"backoffice/queues/{queue.key}.html",
            "now": timezone.now(),
        },
    )


REVIEW_DECISIONS = {
    "hide": review_services.hide_review,
    "dismiss": review_services.dismiss_review_reports,
}


@require_POST
@ops_page
def decide_review(request: HttpRequest, review_id: str, decision: str) -> HttpResponse:
    decide = REVIEW_DECISIONS.get(decision)
    if decide is None:
        raise Http404
    try:
        decide(
            review_id=review_id,
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except (PermissionDenied, NotFound):
        raise  # to ``ops_page``: 403 and 404
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Done. The decision is in the audit trail."))
    return redirect("backoffice:reported_reviews")
