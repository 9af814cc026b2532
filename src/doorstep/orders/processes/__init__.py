"""One process definition per buying mode."""

from doorstep.orders.process import Process


def process_for(mode: str) -> Process:
    from doorstep.orders.processes.book_provider import BOOK_PROVIDER

    processes = {BOOK_PROVIDER.name: BOOK_PROVIDER}
    return processes[mode]
