"""Support and resolution: one module per area — the help centre's articles,
tickets, disputes on evidence, warranty and guarantee claims, follow-up
surveys. Each is read from here (``from doorstep.support.models import …``)."""

from doorstep.support.models.claims import ClaimPhoto, GuaranteeClaim, WarrantyClaim
from doorstep.support.models.tickets import Ticket, TicketMessage

__all__ = ["ClaimPhoto", "GuaranteeClaim", "Ticket", "TicketMessage", "WarrantyClaim"]
