"""The demo's tickets (support): seeded through the support services, each
step at an explicit moment before ``now``, so the ops console shows tickets in
every status — from the demo customer and provider and from others, some about
their orders — with conversations, an internal note, canned replies in three
languages, a rating, and SLA targets broken (the breach check run as of an
hour ago), most of them assigned to the demo ops login."""

from datetime import datetime, timedelta

from doorstep.accounts.models import User
from doorstep.demo.pictures import review_photo
from doorstep.orders.queries import party_orders
from doorstep.support import tickets as desk
from doorstep.support.models import Ticket
from doorstep.support.ticket_sla import check_ticket_slas, close_solved_tickets

CANNED = (
    (
        "We are looking into it",
        "Thank you for writing to us. We are looking into it and will come "
        "back to you within the day.",
        "感谢您的来信。我们正在处理，会在今天之内回复您。",
        "感謝您的來信。我們正在處理，會在今天之內回覆您。",
    ),
    (
        "Refund on its way",
        "Your refund is on its way: it reaches your card within 5 working days.",
        "您的退款正在处理中，将在5个工作日内退回您的银行卡。",
        "您的退款正在處理中，將在5個工作日內退回您的銀行卡。",
    ),
    (
        "Please send a photo",
        "Could you send us a photo of the problem? Reply here and attach it.",
        "能否发一张问题的照片给我们？请在此回复并附上照片。",
        "能否發一張問題的照片給我們？請在此回覆並附上照片。",
    ),
)


def _another(users, *, besides: User) -> User:
    return next((user for user in users if user.pk != besides.pk), besides)


def seed_tickets(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    customer, provider, ops = logins["customer"], logins["provider"], logins["ops"]
    other_customer = _another(
        User.objects.filter(is_staff=False, provider_profile__isnull=True)
        .filter(orders__isnull=False)
        .distinct()
        .order_by("pk")[:5],
        besides=customer,
    )
    other_provider = _another(
        User.objects.filter(provider_profile__isnull=False).order_by("pk")[:5],
        besides=provider,
    )
    orders = list(party_orders(customer).order_by("-starts_at")[:2])
    order_ids = [order.public_id for order in orders] + [None, None]
    hour = timedelta(hours=1)
    before = Ticket.objects.count()

    for title, en, hans, hant in CANNED:
        desk.save_canned_reply(
            agent=ops,
            title=title,
            body_en=en,
            body_zh_hans=hans,
            body_zh_hant=hant,
            now=now - timedelta(days=30),
        )

    def reply(ticket, body, at, **extra):
        desk.reply_as_agent(
            agent=ops, ticket_id=ticket.public_id, body=body, now=at, **extra
        )

    def take(ticket, at):
        desk.assign_ticket(
            agent=ops, ticket_id=ticket.public_id, assignee_id=ops.public_id, now=at
        )

    # Closed: solved three weeks ago, closed by the periodic job, rated.
    closed = desk.open_ticket(
        requester=other_provider,
        subject="How do I change my bank account?",
        body="I opened a new account and want my payouts to go there.",
        topic=Ticket.Topic.ACCOUNT,
        now=now - timedelta(days=21),
    )
    take(closed, now - timedelta(days=21) + hour)
    reply(
        closed,
        "Go to Wallet, then Payout account, and enter the new one.",
        now - timedelta(days=21) + 2 * hour,
        status=Ticket.Status.SOLVED,
    )
    desk.rate_ticket(
        requester=other_provider,
        ticket_id=closed.public_id,
        rating=Ticket.Rating.GOOD,
        comment="Clear and quick, thanks.",
        now=now - timedelta(days=20),
    )
    close_solved_tickets(now=now - timedelta(days=10))

    # Solved: about the demo customer's order, with a photo, rated bad.
    solved = desk.open_ticket(
        requester=customer,
        subject="A scratch on the floor after the job",
        body="There is a long scratch on the wooden floor where the ladder stood.",
        order_id=order_ids[0],
        attachments=[review_photo(root_slug="cleaning", seed=f"{seed}-ticket")],
        now=now - timedelta(days=3),
    )
    take(solved, now - timedelta(days=3) + hour)
    reply(
        solved,
        "We asked the provider about it; the note is for the team only.",
        now - timedelta(days=3) + hour,
        internal=True,
    )
    reply(
        solved,
        "We are sorry. The provider will come back on Friday to repair it.",
        now - timedelta(days=3) + 3 * hour,
        status=Ticket.Status.SOLVED,
    )
    desk.rate_ticket(
        requester=customer,
        ticket_id=solved.public_id,
        rating=Ticket.Rating.BAD,
        comment="I would rather have had a refund.",
        now=now - timedelta(days=2),
    )

    # Resolution target broken: low priority, answered, never solved.
    slow = desk.open_ticket(
        requester=provider,
        subject="The calendar shows the wrong week",
        body="My availability page starts on Sunday instead of Monday.",
        topic=Ticket.Topic.OTHER,
        priority=Ticket.Priority.LOW,
        now=now - timedelta(days=5),
    )
    take(slow, now - timedelta(days=5) + hour)
    reply(
        slow,
        "Thank you: we passed it to the engineers.",
        now - timedelta(days=5) + 2 * hour,
    )

    # Waiting for the requester.
    waiting = desk.open_ticket(
        requester=other_customer,
        subject="Charged twice?",
        body="I see two charges on my card for one booking.",
        topic=Ticket.Topic.PAYMENT,
        now=now - timedelta(days=1),
    )
    take(waiting, now - timedelta(days=1) + hour)
    reply(
        waiting,
        CANNED[2][1],
        now - timedelta(days=1) + hour,
        status=Ticket.Status.WAITING,
    )

    # Open: a provider's payout question, answered, with an internal note.
    open_ = desk.open_ticket(
        requester=provider,
        subject="Payout not received",
        body="My payout from last week has not arrived.",
        topic=Ticket.Topic.PAYMENT,
        priority=Ticket.Priority.HIGH,
        now=now - 3 * hour,
    )
    take(open_, now - 3 * hour + timedelta(minutes=10))
    reply(
        open_,
        "Bank holiday in the clearing calendar; check again on Monday.",
        now - 3 * hour + timedelta(minutes=15),
        internal=True,
    )
    reply(open_, CANNED[0][1], now - 3 * hour + timedelta(minutes=30))

    # First response broken: urgent, nobody answered for hours.
    desk.open_ticket(
        requester=customer,
        subject="Water leaking after the plumber left",
        body="Water is dripping from the pipe the plumber fixed this morning.",
        order_id=order_ids[1],
        priority=Ticket.Priority.URGENT,
        now=now - 3 * hour,
    )
    breaches = check_ticket_slas(now=now - hour)

    # New: just in, nobody has taken it.
    desk.open_ticket(
        requester=other_customer,
        subject="Can I book for my parents?",
        body="They live in another city. Can I pay and book for their address?",
        now=now - timedelta(minutes=20),
    )
    return {
        "tickets": Ticket.objects.count() - before,
        "ticket_breaches": sum(breaches.values()),
        "canned_replies": len(CANNED),
    }
