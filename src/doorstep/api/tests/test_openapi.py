"""The OpenAPI document lists each operation's real statuses, codes and auth."""

import enum
import json
import typing

import pytest
from django.test import override_settings
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from doorstep.api.openapi import UndocumentedError, check_documented, codes_raised_by
from doorstep.api.site import api
from doorstep.api.testing import API, assert_problem, bearer, make_user
from doorstep.core.error_codes import ErrorCode
from doorstep.core.errors import DomainError, raises
from doorstep.orders import services as order_services

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document():
    # As clients read it: JSON, so statuses are strings.
    return json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def _codes(operation, status):
    response = operation["responses"][str(status)]
    schema = response["content"][PROBLEM]["schema"]
    return set(schema["allOf"][1]["properties"]["code"]["enum"])


def test_post_orders_lists_every_code_its_service_raises(document):
    operation = document["paths"][f"{API}/orders"]["post"]
    documented = set().union(
        *(
            _codes(operation, status)
            for status, response in operation["responses"].items()
            if PROBLEM in response.get("content", {})
        )
    )
    raised = {code.value for code in codes_raised_by(order_services.place_order)}
    # The three the hand-written description left out, and the rest.
    assert {"unknown_add_on", "fully_booked_day", "too_far_ahead"} <= raised
    assert raised <= documented
    assert {"not_authenticated", "invalid_input", "csrf_failed"} <= documented


def test_each_error_status_has_a_problem_body_with_codes_of_that_status(document):
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            assert PROBLEM in response["content"], (method, path, status)
            for code in _codes(operation, status):
                assert ErrorCode(code).status == int(status), (method, path, code)
                assert code in response["description"]


def test_signed_in_operations_list_401_and_public_ones_do_not(document):
    for method, path, operation in _operations(document):
        security = operation.get("security")
        anyone = security is None or {} in security
        says_sign_in = "401" in operation[
            "responses"
        ] and "not_authenticated" in _codes(operation, 401)
        assert says_sign_in == (not anyone), (method, path)


def test_operations_with_an_optional_sign_in_say_anyone_may_call(document):
    listing = document["paths"][f"{API}/listings/{{listing_id}}"]["get"]
    assert {} in listing["security"]
    assert {"BearerToken": ["read"]} in listing["security"]  # the scope it needs
    assert "401" not in listing["responses"]


def test_rate_limited_operations_list_429(document):
    for path in ("auth/signup", "auth/tokens", "auth/phone/code", "services"):
        methods = document["paths"][f"{API}/{path}"]
        method = "get" if path == "services" else "post"
        assert "rate_limited" in _codes(methods[method], 429), path
    me = document["paths"][f"{API}/me"]["get"]
    assert "429" not in me["responses"]


def test_a_guard_the_engine_runs_is_documented_on_the_transitions_endpoint(
    document,
):
    operation = document["paths"][f"{API}/orders/{{order_id}}/transitions/{{name}}"]
    assert "wrong_start_code" in _codes(operation["post"], 422)
    assert "illegal_transition" in _codes(operation["post"], 409)


def test_gateway_refusals_are_documented_where_money_moves(document):
    operation = document["paths"][f"{API}/orders/{{order_id}}/tips"]["post"]
    assert "card_declined" in _codes(operation, 422)
    assert "retry_later" in _codes(operation, 503)


def test_a_code_caught_by_the_caller_is_not_documented():
    def refuses():
        raise DomainError("slot_taken", "Taken.")

    def catches():
        try:
            refuses()
        except DomainError:
            return None

    # Functions defined in a test are not "ours"; read them as if they were.
    refuses.__module__ = catches.__module__ = "doorstep.fake"
    assert codes_raised_by(refuses) == {ErrorCode.SLOT_TAKEN}
    assert codes_raised_by(catches) == set()


def test_raises_names_codes_the_reader_cannot_see():
    @raises("slot_taken")
    def through_a_table():
        return None

    through_a_table.__module__ = "doorstep.fake"
    assert codes_raised_by(through_a_table) == {ErrorCode.SLOT_TAKEN}
    with pytest.raises(ValueError, match="no_such_code"):
        raises("no_such_code")


@pytest.mark.django_db
def test_an_undocumented_code_fails_the_test_that_provokes_it(client, rf):
    # GET /me documents no 404; pretend a code it does not list came back.
    user = make_user()
    response = client.get(f"{API}/me", **bearer(user))
    request = response.wsgi_request
    with pytest.raises(UndocumentedError, match="order_not_found"):
        check_documented(api, request, "order_not_found")
    check_documented(api, request, "not_authenticated")


@pytest.mark.django_db
@override_settings(DOORSTEP_CHECK_DOCUMENTED_ERRORS=True)
def test_documented_problems_pass_the_check(client):
    assert_problem(client.get(f"{API}/me"), 401, "not_authenticated")


def _schema_classes(kind):
    for sub in kind.__subclasses__():
        yield sub
        yield from _schema_classes(sub)


def test_no_two_schemas_share_a_name_in_the_document():
    # ninja names a component after its class: a second RatingOut silently
    # replaced the first, so listings documented a rating that is never null.
    from ninja import Schema

    ours = {
        kind
        for kind in _schema_classes(Schema)
        if kind.__module__.startswith("doorstep.") and ".tests" not in kind.__module__
    }
    names: dict[str, list[str]] = {}
    for kind in ours:
        names.setdefault(kind.__name__, []).append(kind.__module__)
    assert {name: where for name, where in names.items() if len(where) > 1} == {}


@pytest.mark.django_db
def test_a_request_without_a_client_address_is_not_a_server_error(client):
    # Some WSGI servers (a unix socket, a test client) send no REMOTE_ADDR; the
    # per-IP rate limit must still answer, not crash.
    response = client.get(f"{API}/services", REMOTE_ADDR="")
    assert response.status_code == 200
    request_without = client.get(f"{API}/categories")
    assert request_without.status_code == 200


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _enums_of(model) -> "set[type[enum.Enum]]":
    found, stack = set(), [field.annotation for field in model.model_fields.values()]
    while stack:
        kind = stack.pop()
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            found.add(kind)
        else:
            stack.extend(typing.get_args(kind))
    return found


def test_no_two_enums_share_a_schema_name(document):
    # ninja names an enum's schema by its class name: a second "Status" would
    # silently replace the first in the document, and clients would be told
    # the wrong values. Every model the API built (its schemas and the models
    # of each operation's parameters) is a pydantic model by now.
    by_name: dict[str, set] = {}
    for model in _subclasses(BaseModel):
        if "doorstep" not in model.__module__ and "ninja" not in model.__module__:
            continue
        for found in _enums_of(model):
            by_name.setdefault(found.__name__, set()).add(found)

    shared = {name: kinds for name, kinds in by_name.items() if len(kinds) > 1}
    assert by_name
    assert not shared
