from django.urls import path

from doorstep.growth import ops_views as views

app_name = "growth_ops"
urlpatterns = [
    path("ops/growth/", views.campaign_list, name="campaigns"),
    path("ops/growth/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("ops/growth/referrals/", views.referral_queue, name="referrals"),
    path(
        "ops/growth/referrals/<str:referral_id>/review/",
        views.referral_review,
        name="referral_review",
    ),
    path("ops/growth/funnel/", views.funnel_page, name="funnel"),
    path("ops/growth/batches/<str:batch_id>.csv", views.batch_csv, name="batch_csv"),
    path(
        "ops/growth/campaigns/<str:campaign_id>/", views.campaign_page, name="campaign"
    ),
    path(
        "ops/growth/campaigns/<str:campaign_id>/status/",
        views.campaign_status,
        name="campaign_status",
    ),
    path(
        "ops/growth/campaigns/<str:campaign_id>/codes/",
        views.coupon_create,
        name="coupon_create",
    ),
    path(
        "ops/growth/campaigns/<str:campaign_id>/batches/",
        views.batch_create,
        name="batch_create",
    ),
]
