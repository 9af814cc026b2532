"""The words of every notification: a title and a body per situation, translatable.

``render`` is called inside ``translation.override(recipient.language)``: the
strings are looked up and the times and amounts formatted in that language.
Placeholders are named (``%(title)s``) so translators may reorder them.
"""

from datetime import datetime

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.core.money import Money
from doorstep.orders.states import OrderState

WORDING = {
    # --- to providers: new work
    "booking_requested": (
        _("New booking request"),
        _(
            "%(customer)s asked to book “%(title)s” on %(when)s. "
            "Please accept or decline by %(respond_by)s."
        ),
    ),
    "booking_instant": (
        _("New booking"),
        _("%(customer)s booked “%(title)s” on %(when)s."),
    ),
    # --- to customers: the answer
    "booking_confirmed": (
        _("Your booking is confirmed"),
        _("%(provider)s confirmed “%(title)s” on %(when)s."),
    ),
    "booking_declined": (
        _("Your booking request was declined"),
        _(
            "%(provider)s cannot do “%(title)s” on %(when)s. "
            "You can book another provider."
        ),
    ),
    "booking_expired": (
        _("Your booking request expired"),
        _(
            "%(provider)s did not answer your request for “%(title)s” on "
            "%(when)s in time. You can book another provider."
        ),
    ),
    "request_expired": (
        _("A booking request expired"),
        _("You did not answer the request for “%(title)s” on %(when)s in time."),
    ),
    # --- cancellations
    "cancelled_by_customer": (
        _("A booking was cancelled"),
        _("%(customer)s cancelled “%(title)s” on %(when)s."),
    ),
    "cancelled_by_provider": (
        _("Your booking was cancelled"),
        _("%(provider)s cancelled “%(title)s” on %(when)s."),
    ),
    "cancelled_by_platform": (
        _("A booking was cancelled"),
        _("“%(title)s” on %(when)s was cancelled by our support team."),
    ),
    # --- the day of the job
    "reminder": (
        _("Reminder: your job is coming up"),
        _("“%(title)s” starts on %(when)s."),
    ),
    OrderState.ON_THE_WAY: (
        _("Your provider is on the way"),
        _("%(provider)s is on the way for “%(title)s” (%(when)s)."),
    ),
    OrderState.DELIVERED: (
        _("Please confirm the job is done"),
        _(
            "%(provider)s marked “%(title)s” as done. Confirm it, or report a "
            "problem if something is not right."
        ),
    ),
    "confirmed": (
        _("The customer confirmed the job"),
        _("%(customer)s confirmed “%(title)s” is done. Your earnings are on the way."),
    ),
    "cash_received": (
        _("Cash payment received"),
        _("%(provider)s confirmed your cash payment for “%(title)s”. Thank you."),
    ),
    "payment_failed": (
        _("Your card could not be charged"),
        _(
            "We could not charge your saved card for “%(title)s”. Please pay "
            "on the order's page with another card."
        ),
    ),
    "auto_completed": (
        _("The job is complete"),
        _("“%(title)s” on %(when)s was completed automatically."),
    ),
    OrderState.DISPUTED: (
        _("The customer reported a problem"),
        _(
            "%(customer)s reported a problem with “%(title)s”. Our support team "
            "will look into it."
        ),
    ),
    "resolved_complete": (
        _("The problem report was resolved"),
        _("Our support team resolved the report on “%(title)s”: the job is complete."),
    ),
    "resolved_refund": (
        _("The problem report was resolved"),
        _(
            "Our support team resolved the report on “%(title)s”: the customer "
            "is refunded."
        ),
    ),
    "customer_no_show": (
        _("You were reported as not there"),
        _("%(provider)s reported that nobody was there for “%(title)s” on %(when)s."),
    ),
    "provider_no_show": (
        _("You were reported as a no-show"),
        _("%(customer)s reported that you did not come for “%(title)s” on %(when)s."),
    ),
    # --- platform dispatch: a promise broken
    "response_late": (
        _("We are still looking for someone"),
        _(
            "Nobody has taken “%(title)s” yet, later than we promised. We keep "
            "looking, and our team is on it."
        ),
    ),
    "arrival_late": (
        _("We are late for your job"),
        _(
            "Nobody reached you for “%(title)s” in the time we promised. We are "
            "sorry; our team is on it."
        ),
    ),
    "arrival_late_compensated": (
        _("We are late for your job: %(amount)s back"),
        _(
            "Nobody reached you for “%(title)s” in the time we promised. We are "
            "sorry: %(amount)s goes back to your card, and our team is on it."
        ),
    ),
    # --- new times
    "reschedule_proposed": (
        _("A new time was proposed"),
        _("%(name)s asks to move “%(title)s” to %(new_when)s. Please answer."),
    ),
    "rescheduled": (
        _("Your booking has a new time"),
        _("%(name)s accepted: “%(title)s” is now on %(new_when)s."),
    ),
    "reschedule_declined": (
        _("Your new time was declined"),
        _("%(name)s declined moving “%(title)s”. It stays on %(when)s."),
    ),
    # --- conversation and reputation
    "new_message": (
        _("New message from %(name)s"),
        "%(preview)s",  # the message itself (masked as the recipient sees it)
    ),
    "review_received": (
        _("You have a new review"),
        _("%(name)s gave you %(stars)s stars for “%(title)s”."),
    ),
    "review_replied": (
        _("The provider replied to your review"),
        _("%(name)s replied to your review of “%(title)s”."),
    ),
    "off_platform_warning": (
        _("A warning about paying off the platform"),
        _(
            "Our team reviewed your messages: they asked to pay or deal outside "
            "Doorstep. Keep bookings and payments on Doorstep, where the payment "
            "is held safely and both sides are covered. Repeated attempts can "
            "lead to restrictions on your account."
        ),
    ),
    # --- money
    "payout_paid": (
        _("Your payout was sent"),
        _("%(amount)s is on its way to your account."),
    ),
    # --- verification (the reason is ops' own words)
    "verification_approved": (
        _("You are verified"),
        _(
            "Our team approved your documents. You can publish your services in "
            "the categories they cover."
        ),
    ),
    "verification_changes_requested": (
        _("Your verification needs changes"),
        _(
            "Our team asks for changes to your documents: %(reason)s Upload them "
            "again on your Verification page and resubmit."
        ),
    ),
    "verification_rejected": (
        _("Your verification was declined"),
        _("Our team declined your application: %(reason)s"),
    ),
    "document_rejected": (
        _("A document was declined"),
        _("Your %(document)s was declined: %(reason)s"),
    ),
    "document_expiring": (
        _("Your %(document)s expires soon"),
        _(
            "Your %(document)s expires on %(date)s, in %(days)s days. Upload the "
            "renewed document on your Verification page and submit it, so your "
            "services stay online."
        ),
    ),
    "document_lapsed": (
        _("Your %(document)s has expired"),
        _(
            "Your %(document)s expired today: its badge was removed and the "
            "services that need it are paused. To renew, upload the new document "
            "on your Verification page and submit it; once our team approves it "
            "you can publish them again."
        ),
    ),
    # --- to ops
    "ops_job_attention": (
        _("A periodic job needs attention: %(job)s"),
        "%(message)s",  # the job's own report (a reconcile mismatch, an error)
    ),
    "ops_new_queue_items": (
        _("New items in your ops queues: %(count)s"),
        _("Waiting for you: %(queues)s."),
    ),
    "policy_updated": (
        _("We updated our %(document)s"),
        _(
            "Please read what changed and accept the new version to carry on "
            "using the marketplace."
        ),
    ),
    "payout_failed": (
        _("Your payout failed"),
        _(
            "We could not send %(amount)s. The money is back in your balance; "
            "please check your payout details."
        ),
    ),
    # --- standards enforcement (trust.standards_notices)
    "standards_strike": (
        _("You received a strike"),
        _(
            "%(trigger)s on “%(title)s”: %(points)s strike(s). You can read it "
            "and appeal on your Standards page."
        ),
    ),
    "standards_strike_fined": (
        _("You received a strike and a fine"),
        _(
            "%(trigger)s on “%(title)s”: %(points)s strike(s) and a fine of "
            "%(amount)s, taken from your balance. You can read it and appeal on "
            "your Standards page."
        ),
    ),
    "standards_warned": (
        _("A warning about your standards"),
        _(
            "Your account has been warned (%(reason)s). More strikes will stop "
            "new bookings."
        ),
    ),
    "standards_restricted": (
        _("Your account takes no new bookings"),
        _(
            "Your listings are hidden and cannot be booked (%(reason)s). Your "
            "current orders go on. You can appeal your strikes on your Standards "
            "page."
        ),
    ),
    "standards_suspended": (
        _("Your account is suspended"),
        _(
            "Your listings are hidden and your future orders were cancelled and "
            "refunded to the customers (%(reason)s). You can appeal your strikes "
            "on your Standards page."
        ),
    ),
    "standards_restored": (
        _("Your account is in good standing again"),
        _("Your published listings can be found and booked again (%(reason)s)."),
    ),
    "standards_appeal_upheld": (
        _("Your appeal was decided: the strike stands"),
        _("Operations upheld the strike: %(reason)s"),
    ),
    "standards_appeal_overturned": (
        _("Your appeal was accepted"),
        _("The strike was removed and any fine returned to your balance: %(reason)s"),
    ),
    "standards_order_cancelled": (
        _("Your booking was cancelled and refunded"),
        _(
            "“%(title)s” on %(when)s was cancelled because the provider can no "
            "longer take bookings. You are refunded in full. Book another "
            "provider for %(category)s from the link."
        ),
    ),
    # --- platform dispatch (``dispatch``): offers to workers, news to customers
    "job_offer": (
        _("New job offer: %(title)s"),
        _(
            "%(title)s in %(area)s, %(when)s. Pay: %(pay)s. "
            "Accept by %(deadline)s or it goes to someone else."
        ),
    ),
    "job_offer_taken": (
        _("Job taken: %(title)s"),
        _(
            "Someone else took “%(title)s” first, so the offer is closed. "
            "Stay on duty for the next one."
        ),
    ),
    "worker_assigned": (
        _("%(provider)s is coming for “%(title)s”"),
        _("%(provider)s took your job and will arrive by %(when)s."),
    ),
    "worker_unassigned": (
        _("We are finding you another worker"),
        _(
            "Your worker can no longer come for “%(title)s”. We are asking "
            "someone else now and will tell you who is coming."
        ),
    ),
    "dispatch_still_looking": (
        _("We're still looking for a worker"),
        _(
            "Everyone near you is busy right now. We keep looking for “%(title)s” "
            "until %(give_up_at)s and will tell you as soon as someone takes it."
        ),
    ),
    "dispatch_expired_not_charged": (
        _("Nobody was free for your order"),
        _(
            "We could not find a worker for “%(title)s” in time. Your payment "
            "was released: you were not charged."
        ),
    ),
    "dispatch_expired_refunded": (
        _("Nobody was free for your order"),
        _(
            "We could not find a worker for “%(title)s” in time. You are "
            "refunded in full."
        ),
    ),
    "dispatch_no_worker": (
        _("Nobody found for a dispatch order: %(order)s"),
        _(
            "Nobody could be offered “%(title)s” in %(area)s (%(offers)s offers "
            "made). The platform keeps trying until %(give_up_at)s; assign "
            "someone from the queue of dispatch orders with nobody found."
        ),
    ),
    # --- agencies
    "agency_invitation": (
        _("You are invited to join %(agency)s"),
        _(
            "%(agency)s invites you to join their team. Accept or ignore the "
            "invitation from the link."
        ),
    ),
    # --- support tickets
    "support_reply": (
        _("Our support team answered: %(subject)s"),
        _("We replied to your request “%(subject)s”: %(preview)s"),
    ),
    "support_requester_replied": (
        _("New reply on ticket: %(subject)s"),
        _("%(requester)s wrote on “%(subject)s”: %(preview)s"),
    ),
    "support_sla_breached": (
        _("Ticket past its SLA: %(subject)s"),
        _(
            "The %(clock)s target of “%(subject)s” (%(ticket)s) passed unmet. "
            "It is escalated to %(priority)s priority."
        ),
    ),
    # --- support: the follow-up survey (回访) a day after a job
    "follow_up_survey": (
        _("How did “%(title)s” go?"),
        _(
            "Your job with %(provider)s on %(when)s is done. Tell us in one "
            "minute how it went: it helps us keep the standard high, and if "
            "something was not right, our support team will get in touch."
        ),
    ),
    # --- disputes (support.dispute_notices)
    "dispute_opened": (
        _("A dispute was opened about “%(title)s”"),
        _(
            "%(opener)s opened a dispute: %(category)s. Please answer by "
            "%(respond_by)s — accept it, offer a partial refund or reject it — "
            "or our support team decides."
        ),
    ),
    "dispute_opened_by_you": (
        _("Your dispute about “%(title)s” is open"),
        _(
            "We asked the other side to answer by %(respond_by)s. You can add "
            "statements and photos on the dispute's page meanwhile."
        ),
    ),
    "dispute_offer_made": (
        _("An offer to settle your dispute about “%(title)s”"),
        _(
            "The other side offers a refund of %(amount)s. Accept or decline it "
            "by %(respond_by)s; if you decline, our support team decides."
        ),
    ),
    "dispute_redo_offered": (
        _("An offer to settle your dispute about “%(title)s”"),
        _(
            "The provider offers to come back on %(redo_at)s and do the job again "
            "for free, with a refund of %(amount)s. Accept or decline it by "
            "%(respond_by)s; if you decline, our support team decides."
        ),
    ),
    "dispute_escalated": (
        _("Our support team will decide the dispute about “%(title)s”"),
        _(
            "The two sides did not agree (%(why)s). Our support team reads the "
            "evidence of both and decides; you can still add evidence."
        ),
    ),
    "dispute_settled": (
        _("The dispute about “%(title)s” is settled"),
        _("Settled by agreement: %(outcome)s (refund: %(amount)s)."),
    ),
    "dispute_decided": (
        _("Our decision on the dispute about “%(title)s”"),
        _("%(outcome)s (refund: %(amount)s). Reason: %(reason)s"),
    ),
    "dispute_settled_with_redo": (
        _("The dispute about “%(title)s” is settled"),
        _(
            "Settled by agreement: the provider comes back on %(redo_at)s to do "
            "the job again for free (refund: %(amount)s)."
        ),
    ),
    "dispute_decided_with_redo": (
        _("Our decision on the dispute about “%(title)s”"),
        _(
            "%(outcome)s (refund: %(amount)s), and a free redo on %(redo_at)s. "
            "Reason: %(reason)s"
        ),
    ),
    "dispute_evidence_added": (
        _("New evidence in the dispute about “%(title)s”"),
        _(
            "The other side added a statement or photos. Read them on the "
            "dispute's page."
        ),
    ),
    # --- warranty and guarantee claims
    "warranty_filed": (
        _("A warranty claim on “%(title)s”"),
        _(
            "%(customer)s says something is not right with “%(title)s” on "
            "%(when)s. Offer a free redo or decline by %(respond_by)s."
        ),
    ),
    "redo_offered": (
        _("A free redo is offered"),
        _(
            "%(provider)s offers to come back for “%(title)s” on %(redo_when)s, "
            "free of charge. Accept it or ask our team to decide."
        ),
    ),
    "redo_booked": (
        _("The free redo is booked"),
        _("The free redo of “%(title)s” is booked for %(redo_when)s."),
    ),
    "claim_escalated": (
        _("Our team is looking at the warranty claim"),
        _(
            "The warranty claim on “%(title)s” went to our support team, who "
            "will decide."
        ),
    ),
    "warranty_refunded": (
        _("The warranty claim was decided: a refund"),
        _(
            "Our support team refunds %(amount)s of “%(title)s” to the "
            "customer's card: %(reason)s"
        ),
    ),
    "warranty_redo_ordered": (
        _("The warranty claim was decided: a free redo"),
        _("Our support team booked a free redo of “%(title)s”: %(reason)s"),
    ),
    "warranty_rejected": (
        _("The warranty claim was decided"),
        _("Our support team rejected the claim on “%(title)s”: %(reason)s"),
    ),
    "guarantee_approved": (
        _("Your damage claim was approved"),
        _(
            "The platform guarantee pays you %(amount)s for the damage during "
            "“%(title)s”, back to the card you paid with: %(reason)s"
        ),
    ),
    "guarantee_rejected": (
        _("Your damage claim was decided"),
        _("Our support team could not approve your claim on “%(title)s”: %(reason)s"),
    ),
    # --- requests for quotes (quotes.notices)
    "quote_requested": (
        _("New job request: %(title)s"),
        _(
            "A customer %(distance)s km from your base needs %(category)s between "
            "%(wanted_from)s and %(wanted_until)s. Send a quote by %(respond_by)s."
        ),
    ),
    "quote_received": (
        _("New quote for “%(title)s”"),
        _("%(provider)s quoted %(price)s. Compare the quotes and hire when ready."),
    ),
    "quote_revised": (
        _("%(provider)s revised their quote for “%(title)s”"),
        _("The quote is now %(price)s (it was %(previous)s)."),
    ),
    "quote_countered": (
        _("A counter-offer on your quote for “%(title)s”"),
        _(
            "The customer offers %(amount)s. You may revise your quote once, to "
            "this price or another."
        ),
    ),
    "quote_withdrawn": (
        _("%(provider)s withdrew their quote for “%(title)s”"),
        _("You can still hire one of the other quotes."),
    ),
    "quote_not_chosen": (
        _("“%(title)s”: the customer chose another provider"),
        _("Thank you for quoting. The request is closed."),
    ),
    "quote_expired": (
        _("Your quote for “%(title)s” has expired"),
        _("The request closed without a hire."),
    ),
    "quote_request_expired": (
        _("Your request “%(title)s” has closed"),
        _(
            "Nobody was hired before it ran out. Post it again with other dates "
            "if you still need the job done."
        ),
    ),
    "referral_joined": (
        _("%(friend)s joined through your invitation"),
        _(
            "When their first booking is done, you get your reward. They get "
            "their welcome discount at checkout."
        ),
    ),
    "referral_rewarded": (
        _("You earned %(amount)s: %(friend)s's first booking is done"),
        _("Thank you for inviting them. Use it at checkout on your next booking."),
    ),
    "provider_referral_rewarded": (
        _("You earned %(amount)s: %(friend)s completed their first jobs"),
        _("Thank you for bringing them. It is in your balance with your earnings."),
    ),
    "points_earned": (
        _("You earned %(count)s points"),
        _("They are worth %(amount)s at checkout on your next booking."),
    ),
    # --- recurring bookings (recurring)
    "recurring_started": (
        _("%(customer)s booked %(service)s to repeat"),
        _("Their visits are booked on your calendar as they come up; see them all."),
    ),
    "recurring_requested": (
        _("%(customer)s asks you to accept %(service)s as a regular booking"),
        _(
            "Accept the series once and its visits are accepted for you as they "
            "are booked, or decline it. Until then each visit is a request."
        ),
    ),
    "recurring_series_accepted": (
        _("%(provider)s accepted your recurring booking of %(service)s"),
        _("Your visits are confirmed as they are booked, without asking each time."),
    ),
    "recurring_series_declined": (
        _("%(provider)s declined your recurring booking of %(service)s"),
        _(
            "The recurring booking has ended and nothing was charged. You can book "
            "another provider."
        ),
    ),
    "recurring_acceptance_withdrawn": (
        _("%(provider)s now confirms each visit of %(service)s"),
        _(
            "Visits already confirmed stay booked. Each new visit waits for the "
            "provider's answer; if they cannot come, we offer you another time or "
            "provider."
        ),
    ),
    "recurring_visit_proposed": (
        _("Your usual time on %(day)s is not free"),
        _("We can offer %(when)s instead. Accept or decline it on your booking."),
    ),
    "recurring_visit_not_served": (
        _("No visit on %(day)s"),
        _(
            "Your usual time was not free and we found no other. That visit is "
            "not booked and not charged."
        ),
    ),
    "recurring_charge_failed": (
        _("We could not charge your card for the visit on %(day)s"),
        _(
            "Choose another card on your recurring booking. If it is still unpaid, "
            "you can pay on the order's page after the visit."
        ),
    ),
    "recurring_price_proposed": (
        _("%(provider)s proposes a new price: %(amount)s"),
        _("Accept or decline on your recurring booking; until then the price stays."),
    ),
    "recurring_price_answered": (
        _("Your new price of %(amount)s was %(answer)s"),
        _("Visits booked from now on follow the price agreed."),
    ),
    "recurring_changed": (
        _("A recurring booking of %(service)s is %(status)s"),
        _("See which visits are still booked."),
    ),
    # --- to providers: their plan (subscriptions)
    "plan_started": (
        _("Welcome to %(plan)s"),
        _("Your %(plan)s plan is active. Its perks apply from now."),
    ),
    "plan_trial_started": (
        _("Your free trial of %(plan)s has started"),
        _("Enjoy %(plan)s free until %(when)s; then your saved card is charged."),
    ),
    "plan_renewed": (
        _("Your plan renewed: %(amount)s"),
        _("%(plan)s renewed until %(when)s. Thank you."),
    ),
    "plan_payment_failed": (
        _("We could not charge your card for %(plan)s"),
        _(
            "The renewal of %(amount)s failed. We will try again on %(retry)s. "
            "Update your card to keep your perks: if it is still unpaid on "
            "%(expires)s, your plan ends."
        ),
    ),
    "plan_payment_failed_final": (
        _("Last chance to keep %(plan)s"),
        _(
            "We tried your card again and it was refused. Add another card before "
            "%(expires)s or your plan ends."
        ),
    ),
    "plan_recovered": (
        _("Your plan is paid again"),
        _("We charged %(amount)s for %(plan)s. All your perks carry on."),
    ),
    "plan_expired": (
        _("Your plan %(plan)s has ended"),
        _(
            "The renewal could not be paid, so your plan and its perks have ended. "
            "You can subscribe again at any time."
        ),
    ),
    "plan_changed": (
        _("You are now on %(plan)s"),
        _("Your plan is changed; its perks apply from now."),
    ),
    "plan_cancelled": (
        _("Your plan will end on %(when)s"),
        _("%(plan)s stays yours until %(when)s, then ends. You can keep it."),
    ),
    "plan_ended": (
        _("Your plan %(plan)s has ended"),
        _("Your plan and its perks have ended. You can subscribe again any time."),
    ),
    "quote_lead_fee_refunded": (
        _("Lead fee returned: %(amount)s"),
        _(
            "The customer did not open your quote for “%(title)s” in time, so "
            "the lead fee is back in your balance."
        ),
    ),
    # --- to integrators: outgoing webhooks
    "webhook_endpoint_disabled": (
        _("A webhook endpoint was turned off"),
        _(
            "We stopped sending events to %(url)s (%(reason)s). Fix the receiver, "
            "then turn the endpoint on again under Developers → Webhooks."
        ),
    ),
}


def _localised(value: object) -> str:
    if isinstance(value, datetime):
        # Already in the order's time zone: formatted as is, in the language.
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, Money):
        return value.format(get_language() or "en")
    return str(value)


def render(key: str, params: dict[str, object]) -> tuple[str, str]:
    """``(title, body)`` of wording ``key`` in the active language."""
    title, body = WORDING[key]
    values = {name: _localised(value) for name, value in params.items()}
    return str(title) % values, str(body) % values
