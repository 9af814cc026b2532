"""The ticket desk's periodic jobs (declared in ``periodic.jobs``)."""

from doorstep.support import ticket_sla


def check_ticket_slas() -> dict[str, int]:
    return ticket_sla.check_ticket_slas()


def close_solved_tickets() -> dict[str, int]:
    return {"closed": ticket_sla.close_solved_tickets()}
