"""Referral fraud checks (issue 15): what the growth app hands in when a
referral's reward falls due, judged without touching the database.

The caller gathers the evidence (sightings, saved addresses, card
fingerprints, sign-ups through the code) as keyed hashes and builds a
``ReferralCase``; this module only compares them. Keeping it pure lets the
labelled corpus in ``tests/fraud_corpus.py`` measure the rules directly.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Party:
    """One account in a referral, as keyed hashes (never raw values)."""

    user_id: int
    joined_at: datetime
    is_provider: bool = False
    # device cookie / app device id hashes seen on the account
    devices: frozenset[str] = frozenset()
    # E.164 phone hashes
    phones: frozenset[str] = frozenset()
    # payment card fingerprint hashes
    cards: frozenset[str] = frozenset()
    # normalised street address hashes (service addresses, saved addresses),
    # the flat or room number included when there is one
    addresses: frozenset[str] = frozenset()
    # IP network hashes (/24 IPv4, /48 IPv6) seen on sign-up, login and checkout
    networks: frozenset[str] = frozenset()
    # lower-case domain of the e-mail, "" when none
    email_domain: str = ""
    # The subset of ``networks`` the caller classified (by ASN at collection
    # time) as a mobile carrier's, carrier-grade NAT or public Wi-Fi: thousands
    # of strangers share each of them, so they are not evidence.
    carrier_networks: frozenset[str] = frozenset()
    # When each identifier (of any kind above) was last seen on this account;
    # an identifier not listed counts as seen now. Devices are sold on, phone
    # numbers recycled, flats re-let and addresses re-assigned: an identifier
    # two accounts held years apart is not a shared one.
    last_seen: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True)
class ReferralCase:
    """A referral to judge when its reward falls due."""

    inviter: Party
    invitee: Party
    # the invitee's sign-up through the code
    signed_up_at: datetime
    # the invitee's first paid order (the one that qualifies)
    first_order_at: datetime | None = None
    # in minor units
    first_order_amount: int = 0
    # who served it
    first_order_provider_user_id: int | None = None
    # the median order in that category and city, minor units (0 unknown)
    typical_order_amount: int = 0
    # sign-ups through the inviter's code (all, incl. this one)
    inviter_recent_signups: tuple[datetime, ...] = ()
    # the inviter's other invitees (to find farms: invitees alike each other)
    other_invitees: tuple[Party, ...] = ()
    # accounts the invitee itself referred (A->B->A loops)
    invitee_inviter_ids: frozenset[int] = frozenset()
    # For a provider invitee, whose job qualified it: the customer of that
    # order (None for a customer invitee, or unknown).
    first_order_customer_user_id: int | None = None
