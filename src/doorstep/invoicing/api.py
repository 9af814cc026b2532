"""Documents in the API: the caller's receipts, credit notes, fee invoices and
statements, their details, and their PDFs. Someone else's answers 404."""

from datetime import date, datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import MoneyOut
from doorstep.core.storage import private_file_response
from doorstep.invoicing.models import Document, DocumentKind
from doorstep.invoicing.queries import access_document, documents_of

router = Router(tags=["documents"])


class IssuedDocumentLineOut(Schema):
    code: str = Field(description="What the line is: `service`, `tax`, `closing`…")
    label: str = Field(description="As printed, in the document's language.")
    amount: int = Field(description="Minor units of the document's currency.")


class IssuedDocumentOut(Schema):
    id: str
    kind: DocumentKind
    number: str = Field(description='As printed, e.g. "DS-2026-000123".')
    issued_at: datetime
    currency: str
    total: MoneyOut
    lines: list[IssuedDocumentLineOut]
    totals: list[IssuedDocumentLineOut]
    language: str
    order: str | None = Field(description="The order it is about, if any.")
    credits: str | None = Field(description="A credit note: the document it corrects.")
    period_start: date | None
    period_end: date | None = Field(description="Inclusive.")
    pdf: str = Field(description="Where to download the PDF.")


class IssuedDocumentFilterIn(Schema):
    kind: DocumentKind | None = Field(None, description="Only documents of this kind.")


def _lines(rows: list[dict]) -> list[dict]:
    return [
        {"code": row["code"], "label": row["label"], "amount": row["amount"]}
        for row in rows
    ]


def _out(document: Document) -> dict:
    return {
        "id": document.public_id,
        "kind": document.kind,
        "number": document.display_number,
        "issued_at": document.issued_at,
        "currency": document.currency,
        "total": {"amount": document.total_amount, "currency": document.currency},
        "lines": _lines(document.lines),
        "totals": _lines(document.totals),
        "language": document.language,
        "order": document.order.public_id if document.order_id else None,
        "credits": document.credits.public_id if document.credits_id else None,
        "period_start": document.period_start,
        "period_end": document.period_end,
        "pdf": f"/api/v1/documents/{document.public_id}/pdf",
    }


class _DocumentsPage(CursorPagination):
    def __init__(self, **kwargs) -> None:
        super().__init__(field="issued_at", **kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [_out(document) for document in page["items"]]
        return page


@router.get(
    "/documents",
    response=list[IssuedDocumentOut],
    summary="Your receipts, credit notes, invoices and statements",
    description="Newest first. As a customer: receipts and credit notes; as a "
    "provider also the platform's fee invoices and your monthly statements.",
)
@paginate(_DocumentsPage)
def list_documents(
    request: HttpRequest, filters: Query[IssuedDocumentFilterIn]
) -> QuerySet[Document]:
    documents = documents_of(request.auth)  # type: ignore[attr-defined]
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    return documents


@router.get(
    "/documents/{document_id}", response=IssuedDocumentOut, summary="A document"
)
def get_document(request: HttpRequest, document_id: str) -> dict:
    return _out(access_document(request.auth, document_id))  # type: ignore[attr-defined]


@router.get(
    "/documents/{document_id}/pdf",
    response={200: None},
    summary="A document's PDF",
    description="The PDF exactly as it was issued.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The PDF.",
                "content": {
                    "application/pdf": {
                        "schema": {"type": "string", "format": "binary"}
                    }
                },
            }
        }
    },
)
def get_document_pdf(request: HttpRequest, document_id: str) -> HttpResponse:
    document = access_document(request.auth, document_id)  # type: ignore[attr-defined]
    return pdf_response(document)


def pdf_response(document: Document, *, inline: bool = False) -> HttpResponse:
    """The stored PDF as a download (or ``inline``), never cached by others: a
    presigned URL on S3, streamed from disk otherwise."""
    return private_file_response(
        document.pdf,
        filename=document.filename,
        content_type="application/pdf",
        as_attachment=not inline,
    )
