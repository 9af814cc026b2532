from django.urls import path

from doorstep.agencies import views

app_name = "agencies"
urlpatterns = [
    path("agency/", views.home, name="home"),
    path("agency/create/", views.create, name="create"),
    path("agency/performance/", views.performance, name="performance"),
    path("agency/invite/", views.invite, name="invite"),
    path("agency/invitations/", views.my_invitations, name="invitations"),
    path(
        "agency/invitations/<str:invitation_id>/accept/",
        views.accept_mine,
        name="accept_mine",
    ),
    path(
        "agency/invitations/<str:invitation_id>/<str:action>/",
        views.invitation_action,
        name="invitation_action",
    ),
    path("agency/join/<str:token>/", views.join, name="join"),
    path("agency/staff/<str:staff_id>/", views.staff, name="staff"),
    path(
        "agency/staff/<str:staff_id>/profile/",
        views.update_profile,
        name="update_profile",
    ),
    path(
        "agency/staff/<str:staff_id>/skills/", views.update_skills, name="update_skills"
    ),
    path("agency/staff/<str:staff_id>/role/", views.change_role, name="change_role"),
    path(
        "agency/staff/<str:staff_id>/deactivate/",
        views.deactivate,
        name="deactivate",
    ),
    path("agency/staff/<str:staff_id>/hours/", views.set_hours, name="set_hours"),
    path(
        "agency/staff/<str:staff_id>/time-off/", views.add_time_off, name="add_time_off"
    ),
    path(
        "agency/staff/<str:staff_id>/training/",
        views.add_training,
        name="add_training",
    ),
    path(
        "agency/staff/<str:staff_id>/assessments/",
        views.add_assessment,
        name="add_assessment",
    ),
    path(
        "agency/staff/<str:staff_id>/documents/",
        views.upload_document,
        name="upload_document",
    ),
    path(
        "agency/training/<str:record_id>/certificate/",
        views.certificate,
        name="certificate",
    ),
]
