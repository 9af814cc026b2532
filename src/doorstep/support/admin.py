"""What ops configure for the ticket desk beyond its own pages: the queues and
how tickets are routed to them (the first queue by position that takes the
ticket's topic from its kind of requester).

Tickets are not here on purpose: every change to one goes through
``/ops/support/`` (audited, the requester told); SLA policies and canned
replies have their pages there too."""

from django.contrib import admin

from doorstep.support.models import SupportQueue


@admin.register(SupportQueue)
class SupportQueueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "topics", "requesters", "position"]
    ordering = ["position", "pk"]
