from django.urls import path

from doorstep.dispatch import work_views as views

app_name = "work"
urlpatterns = [
    path("work/", views.home, name="home"),
    path("work/offers/", views.offers, name="offers"),
    path("work/offers/<str:offer_id>/accept/", views.accept_offer, name="accept"),
    path("work/offers/<str:offer_id>/decline/", views.decline_offer, name="decline"),
    path("work/duty/", views.set_duty, name="duty"),
    path("work/location-sharing/", views.set_location_sharing, name="sharing"),
    path("work/jobs/<str:order_id>/", views.job, name="job"),
    path("work/jobs/<str:order_id>/<str:name>/", views.job_step, name="step"),
]
