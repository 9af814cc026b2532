"""Review screens: an order's review page (both sides), the reviews section of a
listing and of a provider's public page (an htmx partial for the filters), the
provider's reply and the report form.

Each view parses a form, calls one service (or query) and renders or redirects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.queries import entries_for
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.growth.sharing import share_meta
from doorstep.orders.models import Order
from doorstep.orders.queries import access_order
from doorstep.orders.states import REVIEWABLE_STATES
from doorstep.reviews import integrity, queries, services
from doorstep.reviews.forms import (
    FlagDecisionForm,
    ReplyForm,
    ReportForm,
    ReviewForm,
    add_service_error,
)

PAGE_SIZE = 10


def _found(function, *args):
    try:
        return function(*args)
    except NotFound as error:
        raise Http404 from error


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- An order's review page ---------------------------------------------------------


def _order_page(
    request: HttpRequest,
    order: Order,
    form: ReviewForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    state = queries.order_reviews(order, request.user)
    window_open = order.state in REVIEWABLE_STATES and (
        state.window is None or state.window.closed_at is None
    )
    if form is None and state.mine is None and window_open:
        form = ReviewForm(direction=state.direction)
    context = {
        "order": order,
        "state": state,
        "form": form if state.mine is None else None,
        "is_customer": state.direction == "customer_reviews_provider",
        "completed": order.state in REVIEWABLE_STATES,
        "window_open": window_open,
    }
    return render(request, "reviews/order_review.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def order_review(request: HttpRequest, order_id: str) -> HttpResponse:
    """Review the other side of a completed order; then wait for theirs."""
    order = _found(access_order, request.user, order_id)
    if request.method == "GET":
        return _order_page(request, order)
    direction = queries.order_reviews(order, request.user).direction
    form = ReviewForm(request.POST, request.FILES, direction=direction)
    if not form.is_valid():
        return _order_page(request, order, form, status=400)
    try:
        review = services.submit_review(
            order=order,
            author=request.user,
            submission=integrity.submission_from(request),
            **form.service_arguments(),
        )
    except DomainError as error:
        form.add_service_error(error)
        return _order_page(request, order, form, status=error.status)
    if review.is_revealed:
        messages.success(request, _("Thank you! Both reviews are now published."))
    else:
        messages.success(
            request,
            _(
                "Thank you! Your review stays hidden until the other side reviews "
                "or the review window closes."
            ),
        )
    return redirect("reviews:order", order_id=order.public_id)


# --- Reviews sections ---------------------------------------------------------------


def _filters(params: QueryDict) -> dict:
    stars = params.get("stars") or ""
    return {
        "with_photos": params.get("with_photos") == "1",
        "stars": int(stars) if stars in {"1", "2", "3", "4", "5"} else None,
    }


def _section(request: HttpRequest, reviews, *, summary, list_url: str, page_url: str):
    filters = _filters(request.GET)
    page = Paginator(
        queries.filtered(reviews, **filters).order_by("-revealed_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "summary": summary,
        "page": page,
        "filters": filters,
        "list_url": list_url,
        "page_url": page_url,
        "query": query.urlencode(),
        "star_options": range(5, 0, -1),
        "viewer_id": request.user.pk if request.user.is_authenticated else None,
    }


def listing_section(request: HttpRequest, listing: Listing) -> dict:
    """The context of the reviews section of a listing page."""
    return _section(
        request,
        queries.listing_reviews(listing),
        summary=queries.listing_summary(listing),
        list_url=reverse("reviews:listing_list", args=[listing.public_id]),
        page_url=reverse("catalog:listing", args=[listing.public_id]),
    )


def provider_section(request: HttpRequest, provider: ProviderProfile) -> dict:
    return _section(
        request,
        queries.provider_reviews(provider),
        summary=queries.provider_summary(provider),
        list_url=reverse("reviews:provider_list", args=[provider.public_id]),
        page_url=reverse("reviews:provider", args=[provider.public_id]),
    )


@require_GET
def listing_review_list(request: HttpRequest, listing_id: str) -> HttpResponse:
    """The filtered list of a listing's reviews (an htmx partial)."""
    listing = _found(queries.public_listing, listing_id)
    section = listing_section(request, listing)
    return render(request, "reviews/_review_list.html", {"section": section})


@require_GET
def provider_review_list(request: HttpRequest, provider_id: str) -> HttpResponse:
    provider = _found(queries.public_provider, provider_id)
    section = provider_section(request, provider)
    return render(request, "reviews/_review_list.html", {"section": section})


@require_GET
def provider_detail(request: HttpRequest, provider_id: str) -> HttpResponse:
    """A provider's public page: their card, their services and their reviews."""
    provider = _found(queries.public_provider, provider_id)
    listings = Listing.objects.filter(
        provider=provider, status=Listing.Status.PUBLISHED
    ).select_related("category")
    path = reverse("reviews:provider", args=[provider.public_id])
    context = {
        "provider": provider,
        "listings": listings,
        "review_section": provider_section(request, provider),
        "share": share_meta(
            request,
            title=provider.display_name,
            description=provider.bio
            or _("Services, prices and real reviews of %(provider)s.")
            % {"provider": provider.display_name},
            path=path,
            image_path=reverse("web:share_provider", args=[provider.public_id]),
        ),
        "share_path": path,
    }
    return render(request, "reviews/provider_detail.html", context)


@require_GET
def review_detail(request: HttpRequest, review_id: str) -> HttpResponse:
    """One public review on its own page: the link people share. Anything not
    public (still blind, hidden, about a customer) is not found."""
    review = _found(queries.public_review, review_id)
    name = review.reviewer_public_name or _("A customer")
    title = _("%(name)s about %(provider)s") % {
        "name": name,
        "provider": review.provider.display_name,
    }
    listing = review.listing
    context = {
        "review": review,
        "reviewer_name": name,
        "page_title": title,
        "listing": listing if listing and listing.is_published else None,
        "share": share_meta(
            request,
            title=f"{'★' * review.stars} {title}",
            description=review.text
            or _("A verified review of %(provider)s.")
            % {"provider": review.provider.display_name},
            path=review.get_absolute_url(),
            image_path=reverse("web:share_review", args=[review.public_id]),
        ),
        "share_text": title,
        "viewer_id": request.user.pk if request.user.is_authenticated else None,
    }
    return render(request, "reviews/review_detail.html", context)


# --- Reply and report ---------------------------------------------------------------


@login_required
@require_POST
def reply(request: HttpRequest, review_id: str) -> HttpResponse:
    review = _found(queries.visible_review, request.user, review_id)
    fallback = (
        reverse("catalog:listing", args=[review.listing.public_id])
        if review.listing_id
        else reverse("reviews:provider", args=[review.provider.public_id])
    )
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your reply."))
        return redirect(_safe_next(request, fallback))
    try:
        services.reply_to_review(
            review_id=review_id, user=request.user, text=form.cleaned_data["text"]
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your reply is published."))
    return redirect(_safe_next(request, fallback))


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, review_id: str) -> HttpResponse:
    review = _found(queries.visible_review, request.user, review_id)
    back = _safe_next(request, reverse("web:home"))
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.report_review(
                    review_id=review_id,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                add_service_error(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("Thank you. Our team will look at this review.")
                )
                return redirect(back)
    context = {"review": review, "form": form, "next": back}
    return render(request, "reviews/report.html", context, status=status)


# --- Ops: flagged patterns and reports ----------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # moderate reviews are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.MODERATE_REVIEWS):
        raise PermissionDenied


@require_GET
def ops_flags(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "reviews/ops_flags.html",
        {"flags": queries.open_review_flags()[:200]},
    )


@require_http_methods(["GET", "POST"])
def ops_flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    _ops_only(request)
    flag = _found(queries.review_flag_for_ops, flag_id)
    form = FlagDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_review_flag(
                user=request.user,
                flag_id=flag.pk,
                hide=form.cleaned_data["decision"] == FlagDecisionForm.HIDE,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("reviews:ops_flags")
    return render(
        request,
        "reviews/ops_flag.html",
        {
            "flag": flag,
            "form": form,
            "reviews": queries.reviews_of_pattern(flag),
            "trail": entries_for(flag),
        },
    )


@require_GET
def ops_reports(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request, "reviews/ops_reports.html", {"reports": queries.open_reports()[:200]}
    )


@require_POST
def ops_report_decide(request: HttpRequest, report_id: int) -> HttpResponse:
    _ops_only(request)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("decision") == "hide":
            report = _found(queries.open_report, report_id)
            services.hide_review(
                review_id=report.review.public_id, user=request.user, reason=reason
            )
        else:
            services.dismiss_review_report(
                user=request.user, report_id=report_id, reason=reason
            )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("reviews:ops_reports")


# --- Ops: testimonials on the home page ---------------------------------------------


@require_http_methods(["GET", "POST"])
def ops_testimonials(request: HttpRequest) -> HttpResponse:
    """Pick real reviews to show on the home page, or take them off."""
    _ops_only(request)
    if request.method == "POST":
        review_id = request.POST.get("review", "")
        try:
            if request.POST.get("action") == "unpick":
                services.unpick_testimonial(review_id=review_id, user=request.user)
                messages.success(request, _("Taken off the home page."))
            else:
                position = request.POST.get("position") or "0"
                services.pick_testimonial(
                    review_id=review_id,
                    user=request.user,
                    position=int(position) if position.isdigit() else -1,
                )
                messages.success(request, _("Shown on the home page."))
        except NotFound as error:
            raise Http404 from error
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("reviews:ops_testimonials")
    search = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "reviews/ops_testimonials.html",
        {
            "picked": queries.picked_testimonials()[:100],
            "candidates": queries.candidates_for_testimonials(search=search)[:50],
            "search": search,
        },
    )
