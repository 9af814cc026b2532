from django.urls import path

from doorstep.support import help_views, survey_views, ticket_ops_views, ticket_views

app_name = "support"

urlpatterns = [
    # Tickets: the requester's side.
    path("support/", ticket_views.my_tickets, name="my_tickets"),
    path("support/new/", ticket_views.new_ticket, name="new_ticket"),
    path("support/tickets/<str:ticket_id>/", ticket_views.ticket, name="ticket"),
    path(
        "support/tickets/<str:ticket_id>/reply/",
        ticket_views.reply,
        name="reply",
    ),
    path("support/tickets/<str:ticket_id>/rate/", ticket_views.rate, name="rate"),
    path(
        "support/attachments/<str:attachment_id>/",
        ticket_views.attachment,
        name="attachment",
    ),
    # Tickets: ops.
    path("ops/support/", ticket_ops_views.ops_tickets, name="ops_tickets"),
    path(
        "ops/support/unassigned/",
        ticket_ops_views.ops_unassigned,
        name="ops_unassigned",
    ),
    path(
        "ops/support/tickets/<str:ticket_id>/",
        ticket_ops_views.ops_ticket,
        name="ops_ticket",
    ),
    path(
        "ops/support/tickets/<str:ticket_id>/reply/",
        ticket_ops_views.ops_reply,
        name="ops_reply",
    ),
    path(
        "ops/support/tickets/<str:ticket_id>/update/",
        ticket_ops_views.ops_update,
        name="ops_update",
    ),
    path("ops/support/workload/", ticket_ops_views.ops_workload, name="ops_workload"),
    path("ops/support/canned/", ticket_ops_views.ops_canned, name="ops_canned"),
    path(
        "ops/support/canned/<int:reply_id>/",
        ticket_ops_views.ops_canned,
        name="ops_canned_edit",
    ),
    path(
        "ops/support/canned/<int:reply_id>/delete/",
        ticket_ops_views.ops_canned_delete,
        name="ops_canned_delete",
    ),
    path("ops/support/sla/", ticket_ops_views.ops_sla, name="ops_sla"),
    # Help centre and follow-up surveys.
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
