"""Money: the double-entry ledger, the payment gateway, payouts.

Nothing outside this app writes a ledger entry.
"""
