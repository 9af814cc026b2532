"""A document drawn as a PDF with reportlab, from the document's own fields.

Everything printed comes from the row (lines, totals, notes, the issuer's and
recipient's details, the number): the PDF is a function of what was issued.
Latin text is set in Helvetica; Chinese (and anything Helvetica cannot show)
in reportlab's built-in CID font STSong-Light, so no font files are needed.
The output is deterministic (``invariant``): rendering the same document
twice gives the same bytes.
"""

import io
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from doorstep.core.money import Money
from doorstep.invoicing.models import Document, DocumentKind
from doorstep.invoicing.statements import CARD_SECTION, CHARGED_TO_CARD

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
MARGIN = 50
LINE = 15


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def kind_title(kind: str) -> str:
    titles = {
        DocumentKind.RECEIPT: _("Receipt"),
        DocumentKind.FEE_INVOICE: _("Invoice"),
        DocumentKind.CREDIT_NOTE: _("Credit note"),
        DocumentKind.STATEMENT: _("Monthly statement"),
    }
    return titles[kind]


class _Page:
    """A cursor down an A4 page that starts a new page when it runs out."""

    def __init__(self, canvas: Canvas, *, chinese: bool) -> None:
        self.canvas = canvas
        self.chinese = chinese
        self.width, self.height = A4
        self.y = self.height - MARGIN

    def font(self, text: str, *, bold: bool = False) -> str:
        if self.chinese or not _latin(text):
            return CJK_FONT
        return LATIN_BOLD if bold else LATIN_FONT

    def text(self, x: float, text: str, *, size: int = 10, bold: bool = False) -> None:
        self.canvas.setFont(self.font(text, bold=bold), size)
        self.canvas.drawString(x, self.y, text)

    def right(self, x: float, text: str, *, size: int = 10, bold: bool = False) -> None:
        self.canvas.setFont(self.font(text, bold=bold), size)
        self.canvas.drawRightString(x, self.y, text)

    def down(self, by: float = LINE) -> None:
        self.y -= by
        if self.y < MARGIN:
            self.canvas.showPage()
            self.y = self.height - MARGIN

    def rule(self) -> None:
        self.canvas.line(MARGIN, self.y + 4, self.width - MARGIN, self.y + 4)
        self.down(LINE / 2)


def render_pdf(document: Document) -> bytes:
    """The PDF of ``document`` (saved or not) in its language and time zone."""
    _register_fonts()
    language = document.language
    with override(language):
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=0)
        title = f"{kind_title(document.kind)} {document.display_number}"
        canvas.setTitle(title)
        canvas.setAuthor(document.issuer_details.get("name", ""))
        page = _Page(canvas, chinese=language.startswith("zh"))
        _draw(page, document, language)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def _money(amount: int, currency: str, language: str) -> str:
    return Money(amount, currency).format(language)


def _draw(page: _Page, document: Document, language: str) -> None:
    right_edge = page.width - MARGIN
    issuer = document.issuer_details
    recipient = document.recipient_details
    zone = ZoneInfo(document.time_zone or "UTC")
    issued = document.issued_at.astimezone(zone)

    page.text(MARGIN, issuer.get("name", ""), size=14, bold=True)
    page.right(right_edge, kind_title(document.kind), size=16, bold=True)
    page.down(LINE * 1.4)
    for line in issuer.get("address", "").splitlines():
        page.text(MARGIN, line)
        page.down()
    if issuer.get("tax_id"):
        page.text(MARGIN, _("Tax ID: %(id)s") % {"id": issuer["tax_id"]})
        page.down()
    page.down()
    page.text(MARGIN, _("Number: %(number)s") % {"number": document.display_number})
    page.down()
    page.text(
        MARGIN,
        _("Issued: %(date)s")
        % {"date": formats.date_format(issued, "DATE_FORMAT", use_l10n=True)},
    )
    page.down()
    if document.order_id:
        page.text(
            MARGIN,
            _("Order: %(title)s (%(id)s)")
            % {"title": document.order.title, "id": document.order.public_id},
        )
        page.down()
    if document.period_start and document.period_end:
        page.text(
            MARGIN,
            _("Period: %(start)s – %(end)s")
            % {
                "start": formats.date_format(document.period_start, "DATE_FORMAT"),
                "end": formats.date_format(document.period_end, "DATE_FORMAT"),
            },
        )
        page.down()
    if document.credits_id:
        page.text(
            MARGIN,
            _("Corrects %(number)s") % {"number": document.credits.display_number},
        )
        page.down()
    page.down()
    page.text(MARGIN, _("To"), bold=True)
    page.down()
    for key in ("name", "email"):
        if recipient.get(key):
            page.text(MARGIN, recipient[key])
            page.down()
    page.down()

    page.text(MARGIN, _("Description"), bold=True)
    page.right(
        right_edge,
        _("Amount (%(currency)s)") % {"currency": document.currency},
        bold=True,
    )
    page.down()
    page.rule()
    _draw_lines(page, document, language, section="")
    page.rule()
    _draw_totals(page, document, language, section="")
    page.down()
    if any(line.get("section") == CARD_SECTION for line in document.lines):
        # A statement's plan charges: paid by card, not from the balance.
        page.text(MARGIN, _("Charged to your card"), bold=True)
        page.down()
        page.rule()
        _draw_lines(page, document, language, section=CARD_SECTION)
        page.rule()
        _draw_totals(page, document, language, section=CARD_SECTION)
        page.down()
    for note in document.notes:
        page.text(MARGIN, note, size=9)
        page.down()


def _draw_lines(page: _Page, document: Document, language: str, *, section: str):
    right_edge = page.width - MARGIN
    for line in document.lines:
        if line.get("section", "") != section:
            continue
        label = line["label"]
        if line.get("date"):
            label = f"{line['date']}  {label}"
        page.text(MARGIN, label[:90])
        page.right(right_edge, _money(line["amount"], document.currency, language))
        page.down()


def _draw_totals(page: _Page, document: Document, language: str, *, section: str):
    right_edge = page.width - MARGIN
    for row in document.totals:
        if row.get("section", "") != section:
            continue
        page.text(MARGIN + 200, row["label"], bold=row.get("code") == "total")
        page.right(
            right_edge,
            _money(row["amount"], document.currency, language),
            bold=row.get("code") in {"total", "closing", CHARGED_TO_CARD},
        )
        page.down()
