from django.core.management import call_command

from doorstep.orders.management.commands.process_docs import DOCS, render
from doorstep.orders.processes.book_provider import BOOK_PROVIDER


def test_the_documented_processes_match_the_definitions():
    call_command("process_docs", "--check")


def test_the_document_names_every_transition_and_timer():
    text = render()

    for transition in BOOK_PROVIDER.transitions:
        assert f": {transition.name} (" in text
    for timer in BOOK_PROVIDER.timers:
        assert f"| {timer.name} |" in text
    assert DOCS.name == "processes.md"
