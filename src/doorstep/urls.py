from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from doorstep.api.site import api
from doorstep.web import health
from doorstep.web import views as web_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("ops/admin/", admin.site.urls),
    path("", include("doorstep.backoffice.urls")),
    path("", include("doorstep.marketplace.urls")),
    path("", include("doorstep.search.urls")),
    path("", include("doorstep.web.urls")),
    path("", include("doorstep.accounts.urls")),
    path("", include("doorstep.catalog.urls")),
    path("", include("doorstep.scheduling.urls")),
    path("", include("doorstep.orders.urls")),
    path("", include("doorstep.messaging.urls")),
    path("", include("doorstep.reviews.urls")),
    path("", include("doorstep.payments.urls")),
    # The sandbox gateway's own hosted card page (a stand-in for Stripe's).
    path("sandbox/", include("doorstep.payments.sandbox_urls")),
    path("", include("doorstep.notifications.urls")),
    path("", include("doorstep.periodic.urls")),
    path("", include("doorstep.trust.urls")),
    path("", include("doorstep.trust.badge_urls")),
    # Standards enforcement (trust): the provider's page and /ops/standards/.
    path("", include("doorstep.trust.standards_urls")),
    path("", include("doorstep.legal.urls")),
    # The worker's phone (agency staff and independent providers): /work/.
    path("", include("doorstep.dispatch.work_urls")),
    path("", include("doorstep.dispatch.urls")),
    path("", include("doorstep.agencies.urls")),
    # Platform dispatch: the ops board and the service-promise settings.
    path("", include("doorstep.dispatch.board_urls")),
    # Support: the help centre (/help/), tickets (/support/), surveys, their ops pages.
    path("", include("doorstep.support.urls")),
    # Disputes on evidence (support): the parties' pages and /ops/disputes/.
    path("", include("doorstep.support.dispute_urls")),
    path("", include("doorstep.support.claims_urls")),
    path("", include("doorstep.support.claims_ops_urls")),
    # Growth's ops pages: campaigns, held referral rewards, the funnel.
    path("", include("doorstep.growth.ops_urls")),
    # Requests for quotes: the customer's /quotes/ and the provider's /leads/.
    path("", include("doorstep.quotes.urls")),
    # Growth: discounts at checkout, /rewards/, /invite/ and the shared /r/<code>/.
    path("", include("doorstep.growth.urls")),
    # Paid promotion: a provider's /dashboard/services/<id>/promote/.
    path("", include("doorstep.promotions.urls")),
    # Saved cards: /account/payment-methods/ and the checkout's card choices.
    path("", include("doorstep.payments.method_urls")),
    # Provider plans: /dashboard/plan/ and /ops/plans/.
    path("", include("doorstep.subscriptions.urls")),
    # Recurring bookings: /recurring/ for customers and providers.
    path("", include("doorstep.recurring.urls")),
    path("", include("doorstep.recommendations.urls")),
    # Taxes: regions and rules (/ops/settings/taxes/), the tax report.
    path("", include("doorstep.taxes.urls")),
    # Commission limits per category and currency (/ops/settings/commission-limits/).
    path("", include("doorstep.commissions.urls")),
    # Receipts, invoices, credit notes and statements as PDFs.
    path("", include("doorstep.invoicing.urls")),
    # The public transparency log: /transparency/ and "verify this review".
    path("", include("doorstep.transparency.urls")),
    path("", include("doorstep.webhooks.urls")),
    # Analytics: the ops dashboard (/ops/analytics/), the supply and demand map.
    path("", include("doorstep.analytics.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# Last of all: robots.txt, the sitemaps and the /<city>/<category>/ landing pages,
# which must never shadow another page.
urlpatterns += [path("", include("doorstep.seo.urls"))]

handler404 = "doorstep.api.fallbacks.not_found"
handler500 = "doorstep.api.fallbacks.server_error"
