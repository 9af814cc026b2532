from django.urls import path

from doorstep.periodic import views

app_name = "periodic"
urlpatterns = [
    path("ops/schedule/", views.ops_schedule, name="ops_schedule"),
    path("ops/schedule/<slug:name>/run/", views.ops_run_job, name="ops_run_job"),
]
