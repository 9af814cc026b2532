from django.urls import path

from doorstep.payments import views

app_name = "payments"
urlpatterns = [
    path("payments/webhooks/<str:gateway>/", views.webhook, name="webhook"),
    path("orders/<str:order_id>/receipt/", views.receipt, name="receipt"),
    path(
        "orders/<str:order_id>/extra-charges/<str:charge_id>/answer/",
        views.answer_extra_charge,
        name="answer_extra_charge",
    ),
    path("provider/wallet/", views.wallet, name="wallet"),
    path("provider/wallet/payouts/", views.request_payout, name="request_payout"),
    path("provider/wallet/setup/", views.setup_payouts, name="setup_payouts"),
    path("provider/wallet/setup/return/", views.payouts_return, name="payouts_return"),
    path(
        "provider/wallet/setup/refresh/",
        views.payouts_refresh,
        name="payouts_refresh",
    ),
    path(
        "sandbox/connect/<str:account_id>/",
        views.sandbox_connect,
        name="sandbox_connect",
    ),
    path("ops/payouts/", views.ops_payouts, name="ops_payouts"),
    path("staff/earnings/", views.staff_earnings, name="staff_earnings"),
    path(
        "staff/earnings/<str:agency_id>/share/",
        views.set_staff_share,
        name="set_staff_share",
    ),
    path(
        "staff/earnings/<str:agency_id>/<str:staff_id>/payments/",
        views.record_staff_payment,
        name="record_staff_payment",
    ),
    path("ops/payouts/approve/", views.ops_approve_payouts, name="ops_approve"),
    path("ops/finance/", views.finance_report, name="finance_report"),
    path("ops/finance/guarantee-fund/", views.fund_guarantee, name="fund_guarantee"),
]
