"""The provider dashboard: "My services", creating and editing a listing with its
add-ons and photos, publishing and pausing.

Each view parses a form, calls one service and renders or redirects; the rules
live in ``services.py``. Someone else's listing is a 404, as in the API.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog import services
from doorstep.catalog.forms import (
    AddOnFormSet,
    ListingForm,
    PhotoForm,
    add_on_initial,
)
from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import DomainError, NotFound
from doorstep.web.forms import add_service_error

ADD_ONS_PREFIX = "add_ons"

View = Callable[..., HttpResponse]


def provider_required(view: View) -> View:
    """Signed in, with a provider profile; anyone else is sent to become one."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider = ProviderProfile.objects.filter(user=request.user).first()
        if provider is None:
            messages.info(
                request, _("Set up your provider profile to start offering services.")
            )
            return redirect("accounts:provider")
        request.provider = provider  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _own_listing(request: HttpRequest, listing_id: str) -> Listing:
    try:
        return services.access_own_listing(actor=request.user, listing_id=listing_id)
    except NotFound as error:
        raise Http404(error.message) from error


def price_label(listing: Listing) -> str:
    """The price as customers read it: "¥120.00", "¥45.00 / hour", "On quote"."""
    if listing.price is None:
        return _("On quote")
    amount = listing.price.format((get_language() or "en").lower())
    if listing.pricing_model == PricingModel.HOURLY:
        return _("%(amount)s / hour") % {"amount": amount}
    return amount


@dataclass(frozen=True)
class ListingRow:
    listing: Listing
    price: str
    problems: list[str]


def _row(listing: Listing, problems: list[str] | None = None) -> ListingRow:
    return ListingRow(
        listing=listing, price=price_label(listing), problems=problems or []
    )


# --- My services --------------------------------------------------------------------


@provider_required
@require_http_methods(["GET"])
def listing_list(request: HttpRequest) -> HttpResponse:
    listings = (
        Listing.objects.not_archived()
        .filter(provider=request.provider)  # type: ignore[attr-defined]
        .select_related("category")
        .prefetch_related("photos")
        .order_by("-created_at")
    )
    return render(
        request,
        "catalog/dashboard/listing_list.html",
        {
            "rows": [_row(listing) for listing in listings],
            "provider": request.provider,  # type: ignore[attr-defined]
        },
    )


def _change_status(
    request: HttpRequest,
    listing_id: str,
    action: Callable[..., Listing],
    done: str,
) -> HttpResponse:
    """Run a status change; answer htmx with the listing's row, others with a
    redirect to the list. A refusal is shown in the row (or as a message)."""
    problems: list[str] = []
    try:
        listing = action(actor=request.user, listing_id=listing_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        listing = _own_listing(request, listing_id)
        problems = [error.message] + [
            message
            for field, field_messages in error.fields.items()
            for message in field_messages
            if field != NON_FIELD_ERRORS or message != error.message
        ]
    if request.htmx:
        return render(
            request,
            "catalog/dashboard/_listing_row.html",
            {"row": _row(listing, problems)},
        )
    if problems:
        for problem in problems:
            messages.error(request, problem)
    else:
        messages.success(request, done % {"title": listing.title})
    return redirect(_safe_next(request) or "catalog:dashboard")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@provider_required
@require_POST
def publish(request: HttpRequest, listing_id: str) -> HttpResponse:
    return _change_status(
        request, listing_id, services.publish_listing, _("“%(title)s” is published.")
    )


@provider_required
@require_POST
def pause(request: HttpRequest, listing_id: str) -> HttpResponse:
    return _change_status(
        request, listing_id, services.pause_listing, _("“%(title)s” is paused.")
    )


@provider_required
@require_POST
def unpublish(request: HttpRequest, listing_id: str) -> HttpResponse:
    return _change_status(
        request,
        listing_id,
        services.unpublish_listing,
        _("“%(title)s” is back to draft."),
    )


@provider_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = _own_listing(request, listing_id)
    if request.method == "POST":
        try:
            services.delete_listing(actor=request.user, listing_id=listing_id)
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("catalog:dashboard")
        messages.success(
            request, _("“%(title)s” is deleted.") % {"title": listing.title}
        )
        return redirect("catalog:dashboard")
    return render(
        request, "catalog/dashboard/listing_delete.html", {"listing": listing}
    )


# --- Creating and editing -----------------------------------------------------------


@provider_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    provider = request.provider  # type: ignore[attr-defined]
    form = ListingForm(
        request.POST if request.method == "POST" else None,
        initial=ListingForm.initial_for_provider(provider),
    )
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.create_listing(
                provider=provider, **form.service_arguments()
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your service is saved as a draft. Add photos, then publish it."),
            )
            return redirect("catalog:dashboard_edit", listing_id=listing.public_id)
    return render(
        request,
        "catalog/dashboard/listing_form.html",
        {"form": form, "listing": None},
    )


def _edit_page(
    request: HttpRequest,
    listing: Listing,
    *,
    form: ListingForm | None = None,
    add_ons: Any = None,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    """The edit page with its three forms; the one that was posted stays bound,
    with its errors."""
    if form is None:
        form = ListingForm(
            initial=ListingForm.initial_for(listing), currency=listing.currency
        )
    if add_ons is None:
        add_ons = AddOnFormSet(
            initial=add_on_initial(listing),
            prefix=ADD_ONS_PREFIX,
            form_kwargs={"currency": listing.currency},
        )
    return render(
        request,
        "catalog/dashboard/listing_form.html",
        {
            "listing": listing,
            "row": _row(listing),
            "form": form,
            "add_ons": add_ons,
            "photo_form": photo_form or PhotoForm(),
            "photos": list(listing.photos.all()),
            "max_photos": services.photo_limit(listing),
            "publish_problems": _publish_problems(listing),
        },
    )


def _publish_problems(listing: Listing) -> list[str]:
    if listing.is_published:
        return []
    return [
        message
        for field_messages in services.publish_problems(listing).values()
        for message in field_messages
    ]


@provider_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = _own_listing(request, listing_id)
    if request.method != "POST":
        return _edit_page(request, listing)
    form = ListingForm(request.POST, currency=listing.currency)
    if form.is_valid():
        try:
            services.update_listing(
                actor=request.user, listing_id=listing_id, **form.service_arguments()
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("catalog:dashboard_edit", listing_id=listing_id)
    return _edit_page(request, listing, form=form)


@provider_required
@require_POST
def save_add_ons(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = _own_listing(request, listing_id)
    formset = AddOnFormSet(
        request.POST, prefix=ADD_ONS_PREFIX, form_kwargs={"currency": listing.currency}
    )
    if formset.is_valid():
        # Blank extra rows have no cleaned data; ticked rows are removed.
        kept = [
            form
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.replace_listing_add_ons(
                actor=request.user,
                listing_id=listing_id,
                add_ons=[form.draft() for form in kept],
            )
        except DomainError as error:
            _add_row_errors(formset, kept, error)
        else:
            messages.success(request, _("The add-ons are saved."))
            return redirect("catalog:dashboard_edit", listing_id=listing_id)
    return _edit_page(request, listing, add_ons=formset)


def _add_row_errors(formset: Any, forms: list[Any], error: DomainError) -> None:
    """Put ``add_ons.<index>.<field>`` errors beside the field of that row."""
    for key, field_messages in error.fields.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == ADD_ONS_PREFIX and parts[1].isdigit():
            form = forms[int(parts[1])]
            field = "price" if parts[2] == "price_amount" else parts[2]
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
        else:
            for message in field_messages:
                formset.non_form_errors().append(message)
    if not error.fields:
        formset.non_form_errors().append(error.message)


@provider_required
@require_POST
def add_photo(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = _own_listing(request, listing_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_listing_photo(
                actor=request.user,
                listing_id=listing_id,
                upload=form.cleaned_data["photo"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The photo is added."))
            return redirect("catalog:dashboard_edit", listing_id=listing_id)
    return _edit_page(request, listing, photo_form=form)


@provider_required
@require_POST
def remove_photo(request: HttpRequest, listing_id: str, photo_id: str) -> HttpResponse:
    try:
        services.remove_listing_photo(
            actor=request.user, listing_id=listing_id, photo_id=photo_id
        )
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The photo is removed."))
    return redirect("catalog:dashboard_edit", listing_id=listing_id)
