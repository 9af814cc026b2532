"""Gapless numbers: one sequence per issuer and series, taken inside the
issuing transaction. Threads issuing at once (each on its own connection)
get distinct consecutive numbers; a failed issue gives its number back."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from doorstep.invoicing import numbering, services
from doorstep.invoicing.models import Document, DocumentCounter, DocumentKind
from doorstep.invoicing.tests.conftest import pay
from tests.factories import make_order


def _race(calls: list) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _paid_orders(listing, count: int):
    from datetime import timedelta

    payments = []
    for day in range(count):
        order = make_order(listing=listing, starts_in=timedelta(days=2 + day))
        payments.append(pay(order))
    return payments


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (SQLite has one writer, no row locks)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_receipts_issued_at_once_are_numbered_without_gap_or_duplicate(listing):
    payments = _paid_orders(listing, 8)

    errors = _race(
        [lambda p=payment: services.issue_receipt(payment=p) for payment in payments]
    )

    assert errors == []
    numbers = sorted(
        Document.objects.filter(kind=DocumentKind.RECEIPT).values_list(
            "number", flat=True
        )
    )
    assert numbers == list(range(1, 9))
    assert DocumentCounter.objects.get().last_number == 8


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_subject_issued_at_once_is_one_document(listing):
    (payment,) = _paid_orders(listing, 1)

    errors = _race([lambda: services.issue_receipt(payment=payment)] * 6)

    assert errors == []
    assert Document.objects.count() == 1
    assert DocumentCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_an_issue_that_fails_gives_its_number_back(listing, monkeypatch):
    first, second = _paid_orders(listing, 2)
    services.issue_receipt(payment=first)

    def broken(document):
        raise RuntimeError("the PDF could not be drawn")

    with monkeypatch.context() as patched:
        patched.setattr(services, "render_pdf", broken)
        with pytest.raises(RuntimeError):
            services.issue_receipt(payment=second)
    assert Document.objects.count() == 1
    assert DocumentCounter.objects.get().last_number == 1

    issued = services.issue_receipt(payment=second)

    assert issued.number == 2


@pytest.mark.django_db
def test_a_rolled_back_caller_leaves_no_gap(listing):
    first, second = _paid_orders(listing, 2)

    def issue_then_fail() -> None:
        with transaction.atomic():
            services.issue_receipt(payment=first)
            raise RuntimeError("the caller failed after issuing")

    with pytest.raises(RuntimeError):
        issue_then_fail()

    assert Document.objects.count() == 0
    assert services.issue_receipt(payment=second).number == 1
    assert services.issue_receipt(payment=first).number == 2


@pytest.mark.django_db
def test_each_kind_and_year_is_its_own_series():
    now = timezone.now()

    assert numbering.series_for(DocumentKind.RECEIPT, now) == f"DS-{now.year}"
    assert numbering.series_for(DocumentKind.CREDIT_NOTE, now) == f"DSC-{now.year}"
    with transaction.atomic():
        counter = numbering.lock_counter(issuer="platform", series="DS-2030")
        assert numbering.take_number(counter) == 1
        assert numbering.take_number(counter) == 2
    with transaction.atomic():
        other = numbering.lock_counter(issuer="provider:prv_x", series="DS-2030")
        assert numbering.take_number(other) == 1


def test_a_number_is_only_taken_inside_a_transaction():
    with pytest.raises(RuntimeError):
        numbering.lock_counter(issuer="platform", series="DS-2030")
