"""The ops roles: groups made by a migration, and their permissions checked by
the services that act (here the order engine; refunds, payouts and reviews are
tested through the API in ``test_ops_api``)."""

import pytest
from django.contrib.auth.models import Group

from doorstep.backoffice.access import OpsPermission, OpsRole
from doorstep.core.errors import PermissionDenied
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import OrderEvent
from tests.factories import make_ops, make_order

pytestmark = pytest.mark.django_db


def test_the_migration_makes_each_role_with_its_permissions():
    granted = {
        group.name: {
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        }
        for group in Group.objects.filter(name__in=list(OpsRole))
    }

    assert granted == {
        OpsRole.SUPPORT: {
            OpsPermission.ACT_ON_ORDERS,
            OpsPermission.VIEW_PEOPLE,
            OpsPermission.MODERATE_MESSAGES,
            OpsPermission.DISPATCH_ORDERS,
            OpsPermission.HANDLE_TICKETS,
            OpsPermission.DECIDE_DISPUTES,
            OpsPermission.EDIT_HELP,
        },
        OpsRole.DISPATCH: {
            OpsPermission.DISPATCH_ORDERS,
            OpsPermission.VIEW_PEOPLE,
            OpsPermission.ACT_ON_ORDERS,
        },
        OpsRole.FINANCE: {
            OpsPermission.REFUND_ORDERS,
            OpsPermission.APPROVE_PAYOUTS,
            OpsPermission.VIEW_FINANCE,
            OpsPermission.VIEW_PEOPLE,
        },
        OpsRole.TRUST_AND_SAFETY: {
            OpsPermission.MODERATE_REVIEWS,
            OpsPermission.VIEW_PEOPLE,
            OpsPermission.VERIFY_PROVIDERS,
            OpsPermission.VIEW_DOCUMENTS,
            OpsPermission.ENFORCE_STANDARDS,
            OpsPermission.MODERATE_MESSAGES,
            OpsPermission.VIEW_AUDIT,
            OpsPermission.HANDLE_TICKETS,
            OpsPermission.DECIDE_DISPUTES,
            OpsPermission.RUN_GROWTH,
        },
        OpsRole.ADMIN: set(OpsPermission),
    }


def test_ops_transitions_need_a_role_that_acts_on_orders():
    # Given a requested order and ops in Finance (who do not act on orders)
    order = make_order()
    before = OrderEvent.objects.count()

    # When they cancel it, they are refused and nothing changes
    with pytest.raises(PermissionDenied) as refused:
        apply_transition(order_id=order.pk, name="cancel", user=make_ops("Finance"))
    assert refused.value.code == "ops_permission_required"
    order.refresh_from_db()
    assert order.state == "requested"
    assert OrderEvent.objects.count() == before

    # while Support may
    apply_transition(order_id=order.pk, name="cancel", user=make_ops("Support"))
    order.refresh_from_db()
    assert order.state == "cancelled"
