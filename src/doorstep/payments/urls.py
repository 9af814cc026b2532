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
    path("ops/payouts/", views.ops_payouts, name="ops_payouts"),
    path("ops/payouts/approve/", views.ops_approve_payouts, name="ops_approve"),
    path("ops/finance/", views.finance_report, name="finance_report"),
]
