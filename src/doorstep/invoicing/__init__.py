"""Issued documents: customer receipts, the platform's fee invoices to
providers, credit notes and monthly provider statements, each numbered
gaplessly per issuer and series and kept as the PDF that was issued."""
