"""Notification screens: the bell (an htmx partial the header loads), the list,
marking read, and the preferences grid.

Views parse, call one service or query, render. Someone else's notification
answers 404, like one that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.core.errors import DomainError, NotFound
from doorstep.notifications import queries, services
from doorstep.notifications.forms import PreferencesForm
from doorstep.notifications.preferences import preference_grid

LIST_LENGTH = 100
# htmx listens for this on <body> to refresh the bell at once.
CHANGED = "notifications-changed"


def _changed(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = CHANGED
    return response


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The header's bell with the unread count; loaded by htmx, so pages that
    render the header pay no query for it."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(
        request,
        "notifications/_bell.html",
        {"unread": queries.unread_count(request.user)},
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(queries.notifications_of(request.user)[:LIST_LENGTH])
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": notifications,
            "has_unread": any(n.read_at is None for n in notifications),
        },
    )


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Opening a notification is reading it: mark it read, go where it points."""
    try:
        notification = services.mark_read(
            user=request.user, notification_id=notification_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    try:
        notification = services.mark_read(
            user=request.user, notification_id=notification_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    if request.headers.get("HX-Request"):
        return _changed(
            render(
                request,
                "notifications/_item.html",
                {"notification": notification},
            )
        )
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    grid = preference_grid(request.user)
    form = PreferencesForm(request.POST or None, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(user=request.user, choices=form.choices())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "rows": form.rows()},
    )
