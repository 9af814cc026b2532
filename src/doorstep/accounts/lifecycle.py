"""What apps above accounts add to signing up and closing an account, registered
when Django starts (as ``catalog.gates`` does for publishing). Accounts calls
them without importing those apps, so imports keep pointing one way.

* a **sign-up hook** runs after a new account exists (e.g. recording the consent
  the person gave on the sign-up form);
* a **closure check** names what stops an account from closing now (open
  orders, money still to pay out), as ``(error code, message)`` pairs;
* an **eraser** removes or redacts the person's data its app holds, inside the
  closing transaction.
"""

from collections.abc import Callable

from django.http import HttpRequest

SignupHook = Callable[..., None]  # (*, user, request) -> None
ClosureCheck = Callable[..., list[tuple[str, str]]]  # (*, user) -> problems
Eraser = Callable[..., None]  # (*, user) -> None

_signup_hooks: list[SignupHook] = []
_closure_checks: list[ClosureCheck] = []
_erasers: list[Eraser] = []


def add_signup_hook(hook: SignupHook) -> None:
    if hook not in _signup_hooks:
        _signup_hooks.append(hook)


def add_closure_check(check: ClosureCheck) -> None:
    if check not in _closure_checks:
        _closure_checks.append(check)


def add_eraser(eraser: Eraser) -> None:
    if eraser not in _erasers:
        _erasers.append(eraser)


def signed_up(*, user, request: HttpRequest | None) -> None:
    for hook in _signup_hooks:
        hook(user=user, request=request)


def closure_problems(*, user) -> list[tuple[str, str]]:
    return [problem for check in _closure_checks for problem in check(user=user)]


def erase(*, user) -> None:
    for eraser in _erasers:
        eraser(user=user)
