from django.urls import path

from doorstep.subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("dashboard/plan/", views.plan_page, name="plans"),
    path("dashboard/plan/subscribe/", views.subscribe, name="subscribe"),
    path("dashboard/plan/new-card/", views.subscribe_with_new_card, name="new_card"),
    path(
        "dashboard/plan/new-card/return/",
        views.new_card_return,
        name="new_card_return",
    ),
    path("dashboard/plan/change/", views.change, name="change"),
    path("dashboard/plan/cancel/", views.cancel, name="cancel"),
    path("dashboard/plan/resume/", views.resume, name="resume"),
    path("dashboard/plan/card/", views.set_card, name="set_card"),
    path("ops/plans/", views.ops_plans, name="ops_plans"),
    path("ops/plans/new/", views.ops_plan_create, name="ops_plan_create"),
    path("ops/plans/<str:plan_id>/", views.ops_plan, name="ops_plan"),
    path(
        "ops/plans/<str:plan_id>/status/",
        views.ops_plan_status,
        name="ops_plan_status",
    ),
]
