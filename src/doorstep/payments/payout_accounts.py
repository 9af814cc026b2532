"""Where providers are paid: their connected account at the gateway.

A provider sets up payouts once: we open an account for them at the gateway
(Stripe Connect Express, or the sandbox's), then send them to the gateway's own
onboarding through a short-lived account link — bank details and identity never
touch our server. They come back to our return URL, and the gateway keeps us told
with ``account.updated`` events; each time we record what it says. Payouts are
refused until the account can receive them.

Gateway calls happen outside transactions (as in ``flows``); the account is
opened with an idempotency key per provider, so it is opened once whatever the
retries or double clicks.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.errors import DomainError
from doorstep.payments.gateways import get_gateway
from doorstep.payments.gateways.base import ConnectedAccount, GatewayError
from doorstep.payments.models import PayoutAccount

PAYOUTS_NOT_ENABLED = "payouts_not_enabled"


def _call(function, **kwargs):
    # flows imports this module (payouts need a destination): import back late.
    from doorstep.payments.flows import PaymentError

    try:
        return function(**kwargs)
    except GatewayError as error:
        raise PaymentError(error) from error


def payout_account_of(provider: ProviderProfile) -> PayoutAccount | None:
    """The provider's account at the configured gateway, if they opened one."""
    return PayoutAccount.objects.filter(
        provider=provider, gateway=get_gateway().name
    ).first()


def _open_account(provider: ProviderProfile) -> PayoutAccount:
    existing = payout_account_of(provider)
    if existing is not None:
        return existing
    gateway = get_gateway()
    opened = _call(
        gateway.create_connected_account,
        email=provider.user.email,
        idempotency_key=f"connect:{provider.public_id}",
        metadata={"provider": provider.public_id},
    )
    with transaction.atomic():
        # One row per provider: opening one at another gateway replaces the old.
        account, _created = PayoutAccount.objects.select_for_update().update_or_create(
            provider=provider,
            defaults={"gateway": gateway.name, "account_id": opened.account_id},
        )
        _apply(account, opened)
    return account


def _apply(account: PayoutAccount, state: ConnectedAccount) -> None:
    account.details_submitted = state.details_submitted
    account.charges_enabled = state.charges_enabled
    account.payouts_enabled = state.payouts_enabled
    account.requirements_due = list(state.requirements_due)
    account.disabled_reason = state.disabled_reason[:100]
    account.save(
        update_fields=[
            "details_submitted",
            "charges_enabled",
            "payouts_enabled",
            "requirements_due",
            "disabled_reason",
            "updated_at",
        ]
    )


def start_payout_onboarding(
    *, provider: ProviderProfile, return_url: str, refresh_url: str
) -> str:
    """Open the provider's connected account (the first time) and return a fresh
    link to the gateway's onboarding for it."""
    account = _open_account(provider)
    return _call(
        get_gateway(account.gateway).create_account_link,
        account_id=account.account_id,
        return_url=return_url,
        refresh_url=refresh_url,
    )


def record_account_state(
    *, gateway: str, state: ConnectedAccount
) -> PayoutAccount | None:
    """Record what the gateway says about an account (its onboarding return, an
    ``account.updated`` event); None for an account that is not a provider's."""
    with transaction.atomic():
        account = (
            PayoutAccount.objects.select_for_update()
            .filter(gateway=gateway, account_id=state.account_id)
            .first()
        )
        if account is not None:
            _apply(account, state)
    return account


def sync_payout_account(*, provider: ProviderProfile) -> PayoutAccount | None:
    """Ask the gateway how the provider's account stands now and record it."""
    account = payout_account_of(provider)
    if account is None:
        return None
    state = _call(
        get_gateway(account.gateway).retrieve_account, account_id=account.account_id
    )
    return record_account_state(gateway=account.gateway, state=state)


def payout_destination(provider: ProviderProfile) -> str:
    """The account a payout to ``provider`` goes to; refused (``payouts_not_enabled``)
    until the provider finished the gateway's onboarding and it enabled payouts."""
    account = payout_account_of(provider)
    if account is None or not account.can_receive_payouts():
        raise DomainError(
            "payouts_not_enabled",
            _(
                "Payouts are not set up yet: finish setting up payouts on your "
                "wallet page first."
            ),
        )
    return account.account_id


def onboard_provider_in_sandbox(*, provider: ProviderProfile) -> PayoutAccount:
    """Open and complete a provider's sandbox account as if they had filled in
    the sandbox's onboarding page (the demo's providers; tests)."""
    from doorstep.payments.gateways.sandbox import finish_onboarding

    if get_gateway().name != "sandbox":
        raise DomainError(
            "not_sandbox", _("Only the sandbox can onboard providers by itself.")
        )
    account = _open_account(provider)
    state = finish_onboarding(account.account_id, complete=True)
    return record_account_state(gateway=account.gateway, state=state)
