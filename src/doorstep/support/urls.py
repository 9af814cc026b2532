from django.urls import path

from doorstep.support import help_views, survey_views

app_name = "support"
urlpatterns = [
    path("help/", help_views.help_home, name="help"),
    path("help/contact/", help_views.contact, name="contact"),
    path("help/<slug:slug>/", help_views.help_article, name="help_article"),
    path("support/surveys/<str:invitation_id>/", survey_views.survey, name="survey"),
    path("ops/help/", help_views.ops_list, name="ops_help"),
    path("ops/help/new/", help_views.ops_new, name="ops_help_new"),
    path("ops/help/<str:article_id>/", help_views.ops_edit, name="ops_help_edit"),
    path(
        "ops/help/<str:article_id>/<str:decision>/",
        help_views.ops_publish,
        name="ops_help_publish",
    ),
    path(
        "ops/support/satisfaction/",
        survey_views.ops_satisfaction,
        name="ops_satisfaction",
    ),
]
