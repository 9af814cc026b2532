"""Reading documents: the one access check, and the lists each surface shows."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.invoicing.models import CUSTOMER_KINDS, Document, DocumentKind


def documents_of(user: User) -> QuerySet[Document]:
    """Everything addressed to ``user``: as a customer, and as the provider
    whose profile they hold."""
    return Document.objects.filter(
        Q(recipient_user=user) | Q(recipient_provider__user=user)
    ).select_related("order", "credits")


def customer_documents(user: User) -> QuerySet[Document]:
    return documents_of(user).filter(
        kind__in=CUSTOMER_KINDS, recipient_provider__isnull=True
    )


def provider_documents(user: User) -> QuerySet[Document]:
    return documents_of(user).filter(recipient_provider__user=user)


def access_document(user: User, document_id: str) -> Document:
    """The one access check outside the back office: the document if it is
    addressed to ``user``. Raises ``NotFound`` for anyone else, also for
    documents that exist."""
    document = documents_of(user).filter(public_id=document_id).first()
    if document is None:
        raise NotFound("not_found", _("No such document."))
    return document


def ops_documents(
    *, kind: str = "", currency: str = "", search: str = ""
) -> QuerySet[Document]:
    """The back office's list, filtered by kind, currency, and a number, an
    order id or a recipient's e-mail."""
    documents = Document.objects.select_related(
        "order", "recipient_user", "recipient_provider"
    )
    if kind in DocumentKind.values:
        documents = documents.filter(kind=kind)
    if currency:
        documents = documents.filter(currency=currency.upper())
    search = search.strip()
    if search:
        series, _dash, number = search.rpartition("-")
        by_number = Q()
        if series and number.isdigit():
            by_number = Q(series__iexact=series, number=int(number))
        documents = documents.filter(
            by_number
            | Q(order__public_id=search)
            | Q(recipient_user__email__iexact=search)
            | Q(public_id=search)
        )
    return documents


def ops_document(document_id: str) -> Document:
    document = Document.objects.filter(public_id=document_id).first()
    if document is None:
        raise NotFound("not_found", _("No such document."))
    return document
