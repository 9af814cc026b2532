"""The one ``NinjaAPI`` instance; every app's router is mounted here."""

from ninja import NinjaAPI

from doorstep.api.auth import signed_in
from doorstep.api.problems import install_problem_handlers

api = NinjaAPI(
    title="Doorstep API",
    version="1",
    description=str(
        "Every action a customer, provider or ops person takes on the web is also "
        "available here. Errors are RFC 9457 problem details."
    ),
    auth=signed_in,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_problem_handlers(api)

from doorstep.accounts.api import router as accounts_router  # noqa: E402

api.add_router("", accounts_router)
