"""The ops home: one page that links every back-office page this person's role
opens, reached from the header menu."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.backoffice.queues import queues_for, summarise


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
            _("Finance report"),
            _("GMV, captures, refunds, commission and fees per day and currency."),
            reverse("payments:finance_report"),
            OpsPermission.VIEW_FINANCE,
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
            _("Admin"),
            _("Every record, read and edited through Django's admin."),
            reverse("admin:index"),
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
