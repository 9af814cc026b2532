"""Taxes by region (models, the arithmetic in ``taxes.rates``, ops pages, the
tax report).

What is taxed, decided once (2026-12): a rule taxes what it names — the
service price booked (``TaxRule.on_service``) and the platform's fees, the
customer's service fee and the commission (``on_platform_fees``) — and
nothing else:

* Tips are not taxed: a gratuity is not the price of the service, and all of
  it goes to the provider (no commission, so no tax on a fee either).
* A cancellation fee is not taxed: it is compensation for a service not
  done, which no rule's fields describe; it is split between the provider and
  the platform's cancellation revenue untaxed.
* An extra charge (materials, more hours) and a late-change fee are charged as
  agreed, with no service tax contained or added: the service tax is the one
  on the booked price, stored on the order (``OrderTax``). Released with the
  order, the commission on an extra is part of the order's commission and
  carries its fee tax; an extra approved after completion is commissioned at
  its capture without a commission tax line.

Taxing extras on the service would change what the customer is asked to
approve in a tax-exclusive region (the tax added on top) and needs tax lines
per extra; if ops need it, it belongs in ``taxes.rates.tax_lines`` (the one
tax function) with a rule field saying so, not beside it.
"""
