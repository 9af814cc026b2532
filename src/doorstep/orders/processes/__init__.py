"""One process definition per buying mode."""

from doorstep.orders.process import Process


def process_for(mode: str) -> Process:
    return processes()[mode]


def processes() -> dict[str, Process]:
    from doorstep.orders.processes.book_provider import BOOK_PROVIDER
    from doorstep.orders.processes.dispatch import DISPATCH
    from doorstep.orders.processes.quote import QUOTE

    return {process.name: process for process in (BOOK_PROVIDER, DISPATCH, QUOTE)}
