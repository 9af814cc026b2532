"""Every error code raised anywhere is registered, with the status it is raised with."""

import ast
from pathlib import Path

import pytest

from doorstep.core.error_codes import ErrorCode
from doorstep.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    UnregisteredErrorCode,
)

SOURCE = Path(__file__).resolve().parents[2]
ERROR_CLASSES = {
    "DomainError": None,
    "NotFound": 404,
    "PermissionDenied": 403,
    "Conflict": 409,
    "RateLimited": 429,
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _code_helpers(tree: ast.Module) -> dict[str, int]:
    """Functions that pass their ``code`` parameter on to an error, e.g.
    ``def _refuse(code, message): return DomainError(code, message, …)``: the
    position of ``code`` among their arguments."""
    helpers = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        params = [arg.arg for arg in node.args.args]
        if "code" not in params:
            continue
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and _name(call) in ERROR_CLASSES
                and call.args
                and isinstance(call.args[0], ast.Name)
                and call.args[0].id == "code"
            ):
                helpers[node.name] = params.index("code")
    return helpers


def raised_codes() -> list[tuple[str, str, int | None]]:
    """``(where, code, status it is raised with or None)`` for every error built
    with a literal code in the source, tests excluded."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        helpers = _code_helpers(tree)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = _name(call)
            if name in ERROR_CLASSES:
                position, status = 0, ERROR_CLASSES[name]
            elif name in helpers:
                position, status = helpers[name], None
            else:
                continue
            code = next(
                (kw.value for kw in call.keywords if kw.arg == "code"),
                call.args[position] if len(call.args) > position else None,
            )
            if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                continue
            for keyword in call.keywords:
                if keyword.arg == "status" and isinstance(keyword.value, ast.Constant):
                    status = keyword.value.value
            where = f"{path.relative_to(SOURCE)}:{call.lineno}"
            found.append((where, code.value, status))
    return found


def test_the_scan_finds_the_raises():
    # Guards the scan itself: a helper-built code and a subclass-built one.
    codes = {code for _where, code, _status in raised_codes()}
    assert {"listing_not_found", "in_past", "too_many_photos"} <= codes
    assert len(codes) > 100


def test_every_raised_code_is_registered_with_its_status():
    registered = {code.value: code.status for code in ErrorCode}
    unregistered = [
        f"{where}: {code}"
        for where, code, _status in raised_codes()
        if code not in registered
    ]
    assert unregistered == [], "add these to doorstep.core.error_codes.ErrorCode"
    mismatched = [
        f"{where}: {code} raised as {status}, registered as {registered[code]}"
        for where, code, status in raised_codes()
        if status is not None and status != registered[code]
    ]
    assert mismatched == []


def test_every_code_has_an_error_status_and_a_description():
    for code in ErrorCode:
        assert 400 <= code.status < 600, code
        assert code.description.strip(), code
        assert code.value == code.name.lower()


def test_an_error_takes_its_status_from_the_registry():
    error = DomainError("slot_taken", "Taken.")
    assert error.status == 409
    assert NotFound("order_not_found", "No.").status == 404


def test_an_unregistered_code_is_refused():
    with pytest.raises(UnregisteredErrorCode, match="no_such_code"):
        DomainError("no_such_code", "Nope.")


def test_a_code_raised_with_another_status_is_refused():
    with pytest.raises(UnregisteredErrorCode, match="registered with status 404"):
        Conflict("order_not_found", "No.")
    with pytest.raises(UnregisteredErrorCode):
        DomainError("slot_taken", "Taken.", status=422)
