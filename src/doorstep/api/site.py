"""The one ``NinjaAPI`` instance; every app's router is mounted here."""

from doorstep.accounts.api import router as accounts_router
from doorstep.agencies.api import router as agencies_router
from doorstep.analytics.api import router as analytics_router
from doorstep.api.auth import signed_in
from doorstep.api.openapi import DoorstepAPI
from doorstep.api.problems import install_problem_handlers
from doorstep.catalog.api import router as catalog_router
from doorstep.commissions.ops_api import router as commissions_ops_router
from doorstep.dispatch.api import router as dispatch_router
from doorstep.dispatch.ops_api import router as dispatch_ops_router
from doorstep.dispatch.promises_api import router as promises_router
from doorstep.dispatch.work_api import router as work_router
from doorstep.growth.api import router as growth_router
from doorstep.growth.ops_api import router as growth_ops_router
from doorstep.invoicing.api import router as invoicing_router
from doorstep.legal.api import router as legal_router
from doorstep.legal.ops_api import router as legal_ops_router
from doorstep.marketplace.ops_api import router as settings_ops_router
from doorstep.messaging.api import router as messaging_router
from doorstep.messaging.ops_api import router as messaging_ops_router
from doorstep.notifications.api import router as notifications_router
from doorstep.orders.api import router as orders_router
from doorstep.payments.api import router as payments_router
from doorstep.payments.guarantee_api import router as guarantee_router
from doorstep.payments.methods_api import router as payment_methods_router
from doorstep.periodic.api import router as periodic_router
from doorstep.promotions.api import router as promotions_router
from doorstep.quotes.api import router as quotes_router
from doorstep.recommendations.api import router as recommendations_router
from doorstep.recurring.api import router as recurring_router
from doorstep.reviews.api import router as reviews_router
from doorstep.reviews.ops_api import router as reviews_ops_router
from doorstep.scheduling.api import router as scheduling_router
from doorstep.search.api import router as search_router
from doorstep.subscriptions.api import router as subscriptions_router
from doorstep.subscriptions.ops_api import router as plans_ops_router
from doorstep.support.claims_api import router as claims_router
from doorstep.support.dispute_api import router as disputes_router
from doorstep.support.help_api import router as help_router
from doorstep.support.ops_settings_api import router as support_ops_router
from doorstep.support.ticket_api import router as tickets_router
from doorstep.taxes.ops_api import router as taxes_ops_router
from doorstep.transparency.api import router as transparency_router
from doorstep.trust.api import router as trust_router
from doorstep.trust.checks_ops_api import router as checks_ops_router
from doorstep.trust.ops_api import router as trust_ops_router
from doorstep.trust.standards_api import router as standards_router
from doorstep.trust.standards_ops_api import router as standards_ops_router
from doorstep.trust.top_provider_api import router as top_provider_router
from doorstep.webhooks.api import router as webhooks_router
from doorstep.webhooks.ops_api import router as webhooks_ops_router

DESCRIPTION = """\
Every action a customer, provider or ops person takes on the web is also available
here.

* **Auth**: `Authorization: Bearer <token>` (get one from `POST /auth/tokens` or
  `POST /auth/phone/verify`), or the browser session plus the `X-CSRFToken` header
  on unsafe methods.
* **Ids** are opaque strings; **times** are ISO 8601 with an offset.
* **Lists** take `?limit=&cursor=` and answer `{"items": [...], "next": cursor}`;
  `next` is null on the last page.
* **Errors** are RFC 9457 problem details (`application/problem+json`) with a
  stable `code` and, for bad input, `errors`: `{field: [messages]}`.
"""

api = DoorstepAPI(
    title="Doorstep API",
    version="1",
    description=DESCRIPTION,
    auth=signed_in,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_problem_handlers(api)

api.add_router("", accounts_router)
api.add_router("", catalog_router)
api.add_router("", search_router)
api.add_router("", scheduling_router)
api.add_router("", orders_router)
api.add_router("", messaging_router)
api.add_router("", reviews_router)
api.add_router("", payments_router)
api.add_router("", notifications_router)
api.add_router("", trust_router)
api.add_router("", standards_router)
api.add_router("", legal_router)
api.add_router("", work_router)
api.add_router("", dispatch_router)
api.add_router("", agencies_router)
api.add_router("", dispatch_ops_router)
api.add_router("", tickets_router)
api.add_router("", help_router)
api.add_router("", disputes_router)
api.add_router("", claims_router)
api.add_router("", quotes_router)
api.add_router("", growth_router)
api.add_router("", promotions_router)
api.add_router("", invoicing_router)
api.add_router("", payment_methods_router)
api.add_router("", subscriptions_router)
api.add_router("", recommendations_router)
api.add_router("", recurring_router)
api.add_router("", webhooks_router)
api.add_router("", webhooks_ops_router)
api.add_router("", transparency_router)
api.add_router("", analytics_router)
api.add_router("", periodic_router)
api.add_router("", trust_ops_router)
api.add_router("", reviews_ops_router)
api.add_router("", messaging_ops_router)
api.add_router("", support_ops_router)
api.add_router("", promises_router)
api.add_router("", guarantee_router)
api.add_router("", checks_ops_router)
api.add_router("", settings_ops_router)
api.add_router("", taxes_ops_router)
api.add_router("", commissions_ops_router)
api.add_router("", standards_ops_router)
api.add_router("", top_provider_router)
api.add_router("", plans_ops_router)
api.add_router("", legal_ops_router)
api.add_router("", growth_ops_router)
