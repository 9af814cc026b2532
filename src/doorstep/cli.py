"""The ``doorstep`` command: one entry point for running a marketplace.

``doorstep serve`` / ``worker`` / ``migrate`` / ``demo`` / ``seed`` /
``createsuperuser`` are the everyday verbs; any other Django management command
passes through (``doorstep check --deploy``, ``doorstep shell``).
"""

import argparse
import os
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="doorstep serve")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1"))
    )
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    parser.add_argument(
        "--access-log",
        action="store_true",
        default=os.environ.get("ACCESS_LOG", "").lower() in ("1", "true", "yes"),
        help="log every request (uvicorn's access log; also ACCESS_LOG=true)",
    )
    options = parser.parse_args(argv)
    # Settings are checked (and static files collected when they are missing or
    # stale) before the server listens: a bad configuration stops here, loudly,
    # and no page is served without its stylesheet.
    _django_setup()
    from django.conf import settings

    from doorstep.web.static_files import collect_static_if_stale

    collect_static_if_stale()
    import uvicorn

    uvicorn.run(
        "doorstep.asgi:application",
        host=options.host,
        port=options.port,
        workers=options.workers,
        reload=options.reload,
        proxy_headers=True,
        lifespan="off",
        # The C event loop and HTTP parser (uvicorn[standard]). The access log
        # costs about a tenth of a fast request: off unless asked for (request
        # counts and latencies are in the metrics either way).
        loop="uvloop",
        http="httptools",
        access_log=options.access_log,
        log_level=settings.LOG_LEVEL.lower(),
    )


# ``worker`` is db_worker with a heartbeat (doorstep.periodic.workers).
ALIASES: dict[str, list[str]] = {}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("Usage: doorstep {serve,worker,migrate,demo,seed,createsuperuser,...}")
        return
    command, rest = argv[0], argv[1:]
    if command == "serve":
        _serve(rest)
        return
    _django_setup()
    from django.core.management import call_command, execute_from_command_line

    if command == "worker":
        # The scheduler (doorstep.periodic) runs as ticks in the task queue: seed
        # one; if another worker's scheduler is ticking, that one keeps going.
        call_command("schedule_periodic")
    execute_from_command_line(["doorstep", *ALIASES.get(command, [command]), *rest])


if __name__ == "__main__":
    main()
