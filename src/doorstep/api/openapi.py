"""An OpenAPI document that tells the truth about errors and auth.

Each operation lists every status it can answer with, and for each error status
the problem+json body with the exact ``code`` values it can carry (and what they
mean, from :mod:`doorstep.core.error_codes`). Nobody keeps those lists by hand:

* **codes** are read from the source: the handler, and every function of
  Doorstep it calls (services, queries, helpers, rate limits …), transitively,
  are parsed for the errors they construct. Calls the reader cannot follow
  (a process's guards, called by the engine through a table) are named on the
  handler with :func:`raises`.
* **auth** comes from the operation's auth callbacks: 401 when a credential is
  required, 403 ``csrf_failed`` when a browser session may send an unsafe request,
  and an empty security requirement when anyone may call.
* **bad input** (400) from the operation's parameters and body.

In tests (``DOORSTEP_CHECK_DOCUMENTED_ERRORS``), every problem an operation
answers with is checked against this document, so a code the reader missed fails
the test that provoked it, with the fix in the message.
"""

import ast
import builtins
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.security import HttpBearer, SessionAuth
from ninja.security.base import AuthBase
from ninja.utils import normalize_path

from doorstep.core.error_codes import ErrorCode, status_phrase
from doorstep.core.errors import RAISES_ATTRIBUTE, DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string", "description": "For people, translated."},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable; clients branch on it."},
        "instance": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Bad input: messages per field (`__all__` for none).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "code"],
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BEARER_SCOPES = (
    "A personal token from `POST /auth/tokens` (or `/auth/phone/verify`), with "
    "the scopes chosen there: `read` for safe methods (GET), `write` for unsafe "
    "ones, and `ops` on top for the back office (operations staff who signed in "
    "with their second factor). Each operation lists the scopes it needs in its "
    "security requirement and `x-token-scopes`; a token without one is refused "
    'with 403 `insufficient_scope` and `WWW-Authenticate: Bearer error="'
    'insufficient_scope", scope="…"` (RFC 6750). A browser session has no '
    "scopes."
)


# --- Reading the source ---------------------------------------------------------------


def _is_ours(thing: Any) -> bool:
    module = getattr(thing, "__module__", "") or ""
    return module.startswith("doorstep.") and ".tests" not in module


def _error_class(thing: Any) -> bool:
    from doorstep.payments.gateways.base import GatewayError

    return inspect.isclass(thing) and issubclass(thing, DomainError | GatewayError)


def _local_imports(tree: ast.AST) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    try:
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        continue
                names[alias.asname or alias.name] = value
    return names


def _resolve(node: ast.AST, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return namespace.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        if isinstance(owner, ModuleType) or inspect.isclass(owner):
            return inspect.getattr_static(owner, node.attr, None)
        return None
    if isinstance(node, ast.Call):
        # ``Helper().method`` reads as ``Helper.method``.
        made = _resolve(node.func, namespace)
        return made if inspect.isclass(made) else None
    return None


def _function(thing: Any) -> FunctionType | None:
    if isinstance(thing, staticmethod | classmethod):
        thing = thing.__func__
    thing = inspect.unwrap(thing) if callable(thing) else thing
    return thing if isinstance(thing, FunctionType) and _is_ours(thing) else None


def _code_argument(call: ast.Call, position: int) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            value = keyword.value
            break
    else:
        if len(call.args) <= position:
            return None
        value = call.args[position]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute) and value.attr.isupper():
        # ErrorCode.SLOT_TAKEN or GatewayError.CARD_DECLINED
        return value.attr.lower()
    return None


ALL_STATUSES = frozenset(range(400, 600))


def _swallowed(handler: ast.ExceptHandler, namespace: dict[str, Any]) -> frozenset:
    """The statuses of errors an ``except`` clause stops (none if it raises on)."""
    if any(isinstance(node, ast.Raise) for node in ast.walk(handler)):
        return frozenset()
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    stopped: set[int] = set()
    for kind in kinds:
        caught = _resolve(kind, namespace) if kind is not None else Exception
        if caught in (Exception, BaseException, DomainError) or kind is None:
            return ALL_STATUSES
        status = getattr(caught, "expected_status", None)
        if inspect.isclass(caught) and issubclass(caught, DomainError) and status:
            stopped.add(status)
    return frozenset(stopped)


def _walk(
    node: ast.AST, namespace: dict[str, Any], stopped: frozenset = frozenset()
) -> Iterable[tuple[ast.Call, frozenset]]:
    """Every call under ``node``, with the statuses an enclosing ``try`` stops."""
    if isinstance(node, ast.Try):
        inner = stopped.union(*(_swallowed(h, namespace) for h in node.handlers))
        for child in node.body:
            yield from _walk(child, namespace, inner)
        for child in (*node.handlers, *node.orelse, *node.finalbody):
            yield from _walk(child, namespace, stopped)
        return
    if isinstance(node, ast.Call):
        yield node, stopped
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, namespace, stopped)


Callee = tuple[FunctionType, frozenset]


@cache
def _definitions(filename: str) -> dict[int, ast.AST]:
    """A module's functions by the line their code starts on (the first
    decorator's, as ``co_firstlineno``): parsing a file once is much faster than
    ``inspect.getsource`` per function."""
    tree = ast.parse(Path(filename).read_text(), filename=filename)
    found: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = [node.lineno, *(d.lineno for d in node.decorator_list)]
            found[min(lines)] = node
    return found


def _definition(function: FunctionType) -> ast.AST | None:
    code = function.__code__
    try:
        return _definitions(code.co_filename)[code.co_firstlineno]
    except (OSError, KeyError, SyntaxError):
        try:
            return ast.parse(textwrap.dedent(inspect.getsource(function)))
        except (OSError, TypeError, SyntaxError):
            return None


@cache
def _read(function: FunctionType) -> tuple[frozenset[str], tuple[Callee, ...]]:
    """The codes ``function`` constructs errors with itself, and the functions of
    ours it calls (each with the statuses a ``try`` around the call stops)."""
    tree = _definition(function)
    if tree is None:
        return frozenset(), ()
    namespace = {**function.__globals__, **_local_imports(tree)}
    namespace.update(inspect.getclosurevars(function).nonlocals)
    codes: set[str] = set()
    callees: list[Callee] = [
        (found, frozenset())
        for source in getattr(function, RAISES_ATTRIBUTE, ())
        if callable(source) and (found := _function(source)) is not None
    ]
    codes.update(
        str(source)
        for source in getattr(function, RAISES_ATTRIBUTE, ())
        if not callable(source)
    )
    for call, stopped in _walk(tree, namespace):
        target = _resolve(call.func, namespace)
        if _error_class(target):
            made = {_code_argument(call, 0), *getattr(target, RAISES_ATTRIBUTE, ())}
            codes.update(
                str(code)
                for code in made
                if code and not callable(code) and _status(code) not in stopped
            )
            continue
        callee = _function(target)
        if callee is None:
            continue
        callees.append((callee, stopped))
        parameters = list(inspect.signature(callee).parameters)
        if "code" in parameters:
            code = _code_argument(call, parameters.index("code"))
            if code and _status(code) not in stopped:
                codes.add(code)
    return frozenset(codes), tuple(callees)


def _status(code: str) -> int | None:
    try:
        return ErrorCode(code).status
    except ValueError:
        return None


def _codes(function: FunctionType, done: dict, path: set) -> frozenset[str]:
    if function in done:
        return done[function]
    if function in path:
        return frozenset()  # a cycle: its codes are counted where it started
    path.add(function)
    own, callees = _read(function)
    codes = set(own)
    for callee, stopped in callees:
        codes |= {
            code for code in _codes(callee, done, path) if _status(code) not in stopped
        }
    path.discard(function)
    done[function] = frozenset(codes)
    return done[function]


def codes_raised_by(*functions: Callable[..., Any]) -> set[ErrorCode]:
    """Every registered code that ``functions`` or anything of ours they call
    constructs an error with and does not catch (codes that are not registered
    are left to ``core/tests/test_error_codes.py``)."""
    done: dict = {}
    codes: set[str] = set()
    for function in functions:
        if (found := _function(function)) is not None:
            codes |= _codes(found, done, set())
    registered = {code.value for code in ErrorCode}
    return {ErrorCode(code) for code in codes & registered}


# --- Per operation -------------------------------------------------------------------


def _schemes(operation: Operation) -> tuple[list[AuthBase], bool]:
    """The operation's security schemes, and whether anyone may call it (a plain
    function among the callbacks lets a request without credentials through)."""
    schemes = [auth for auth in operation.auth_callbacks if isinstance(auth, AuthBase)]
    anonymous = not operation.auth_callbacks or len(schemes) < len(
        operation.auth_callbacks
    )
    return schemes, anonymous


def _takes_input(operation: Operation) -> bool:
    return any(
        model.__annotations__ or model.model_fields
        for model in operation.models
        if model is not None
    )


def _wrapper_helpers(view: Callable[..., Any]) -> list[FunctionType]:
    """Methods of our objects that decorators around a handler hold (e.g. the
    paginator ``@paginate`` runs after the handler returns)."""
    found: list[FunctionType] = []
    layer: Any = view
    while layer is not None:
        if isinstance(layer, FunctionType):
            for value in inspect.getclosurevars(layer).nonlocals.values():
                # The class and the classes of ours it extends (a paginator
                # that calls ``super()`` raises what its base raises).
                for kind in type(value).__mro__:
                    if _is_ours(kind):
                        found.extend(
                            member
                            for member in vars(kind).values()
                            if isinstance(member, FunctionType)
                        )
        layer = getattr(layer, "__wrapped__", None)
    return found


@cache
def operation_codes(operation: Operation) -> frozenset[ErrorCode]:
    """Every code ``operation`` can answer with (the source does not change while
    the process runs, so this is read once)."""
    codes = codes_raised_by(operation.view_func, *_wrapper_helpers(operation.view_func))
    schemes, anonymous = _schemes(operation)
    if schemes and not anonymous:
        codes.add(ErrorCode.NOT_AUTHENTICATED)
    if any(isinstance(scheme, SessionAuth) for scheme in schemes) and (
        set(operation.methods) & UNSAFE_METHODS
    ):
        codes.add(ErrorCode.CSRF_FAILED)
    if schemes and not anonymous and set(operation.methods) & UNSAFE_METHODS:
        # Writes wait until the caller accepted the terms in force (legal.gate).
        codes.add(ErrorCode.TERMS_NOT_ACCEPTED)
    if any(isinstance(scheme, HttpBearer) for scheme in schemes):
        # A bearer token is checked for its scopes (api.auth), even where
        # anyone may call without one.
        codes.add(ErrorCode.INSUFFICIENT_SCOPE)
    if _takes_input(operation):
        codes.add(ErrorCode.INVALID_INPUT)
    if set(operation.methods) & UNSAFE_METHODS and _takes_input(operation):
        codes.add(ErrorCode.BAD_REQUEST)
    return frozenset(codes)


def _error_responses(codes: Iterable[ErrorCode]) -> dict[int, dict[str, Any]]:
    by_status: dict[int, list[ErrorCode]] = {}
    for code in sorted(codes, key=lambda code: (code.status, code.value)):
        by_status.setdefault(code.status, []).append(code)
    responses = {}
    for status, group in by_status.items():
        lines = "\n".join(f"* `{code.value}`: {code.description}" for code in group)
        schema = {
            "allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {
                    "type": "object",
                    "properties": {
                        "status": {"const": status},
                        "code": {"enum": [code.value for code in group]},
                    },
                },
            ]
        }
        responses[status] = {
            "description": f"{status_phrase(status)}. Codes:\n\n{lines}",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}},
        }
    return responses


def openapi_path(route: str) -> str:
    """A Django route, ``api/v1/orders/<order_id>``, as an OpenAPI path,
    ``/api/v1/orders/{order_id}``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).lstrip("/")


def _document_scopes(
    details: dict[str, Any], operation: Operation, method: str, codes: Iterable
) -> None:
    """Name the bearer token's scopes in the security requirement (OpenAPI 3.1
    allows roles for any scheme) and in the description."""
    from doorstep.api.auth import scopes_for

    if ErrorCode.INSUFFICIENT_SCOPE not in codes:
        return
    scopes = [str(scope) for scope in scopes_for(method, operation.view_func)]
    if ErrorCode.OPS_MFA_REQUIRED in codes:
        scopes.append("ops")
    for requirement in details.get("security", []):
        for name in requirement:
            if "bearer" in name.lower():
                requirement[name] = scopes
    details["x-token-scopes"] = scopes
    note = "Bearer token scopes: " + ", ".join(f"`{scope}`" for scope in scopes)
    if ErrorCode.OPS_MFA_REQUIRED in codes:
        note += " (`ops` for operations staff)"
    details["description"] = "\n\n".join(
        part for part in (details.get("description", ""), note + ".") if part
    )


class DoorstepAPI(NinjaAPI):
    """``NinjaAPI`` whose OpenAPI document lists every operation's errors and auth."""

    def operations(self) -> Iterable[tuple[str, Operation]]:
        """``(path as in the document, operation)`` for every operation."""
        root = self.get_root_path({})
        for bound in self._get_bound_routers():
            for path, view in bound.path_operations.items():
                full = "/".join(part for part in (bound.prefix, path) if part)
                full = re.sub(r"{[^}:]+:", "{", normalize_path(f"/{root}{full}"))
                for operation in view.operations:
                    if operation.include_in_schema:
                        yield full, operation

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        bearer = schema["components"].get("securitySchemes", {}).get("BearerToken")
        if bearer is not None:
            bearer["description"] = BEARER_SCOPES
        prefix_paths = schema["paths"]
        for path, operation in self.operations():
            codes = operation_codes(operation)
            anonymous = _schemes(operation)[1]
            for method in operation.methods:
                details = prefix_paths.get(path, {}).get(method.lower())
                if details is None:
                    continue
                details["responses"].update(_error_responses(codes))
                _document_scopes(details, operation, method, codes)
                if anonymous and details.get("security"):
                    # OpenAPI's "or no credentials at all".
                    details["security"].append({})
        return schema

    @cache  # noqa: B019 - one API object for the life of the process
    def _handlers(self) -> dict[tuple[str, str], Callable[..., Any]]:
        return {
            (method.upper(), path): operation.view_func
            for path, operation in self.operations()
            for method in operation.methods
        }

    def handler_for(self, method: str, route: str) -> Callable[..., Any] | None:
        """The handler of ``method`` on a Django ``route`` of this API, if any."""
        return self._handlers().get((method.upper(), openapi_path(route)))

    @cache  # noqa: B019 - one API object for the life of the process
    def documented_codes(self) -> dict[tuple[str, str], frozenset[str]]:
        """``{(METHOD, path): codes}`` as the document lists them."""
        result = {}
        for path, operation in self.operations():
            codes = frozenset(code.value for code in operation_codes(operation))
            for method in operation.methods:
                result[(method.upper(), path)] = codes
        return result


class UndocumentedError(AssertionError):
    """An operation answered with an error code its OpenAPI entry does not list."""


def check_documented(api: NinjaAPI, request: HttpRequest, code: str) -> None:
    """Raise :class:`UndocumentedError` if the operation handling ``request`` does
    not document ``code`` (on in tests: ``DOORSTEP_CHECK_DOCUMENTED_ERRORS``)."""
    match = request.resolver_match
    if not isinstance(api, DoorstepAPI) or match is None:
        return
    documented = api.documented_codes().get(
        (request.method or "", openapi_path(match.route))
    )
    if documented is not None and code not in documented:
        raise UndocumentedError(
            f"{request.method} {openapi_path(match.route)} answered {code!r}, which "
            "its OpenAPI entry does not list. If a function it calls raises it "
            "in a way doorstep.api.openapi cannot read (through a table or an "
            "object), name it with @raises(...) from doorstep.core.errors."
        )
