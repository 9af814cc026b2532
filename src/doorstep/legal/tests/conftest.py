"""The suite publishes no policy version by default, so the people other apps'
tests make are never asked to accept anything. Tests here that need versions
in force ask for ``policies`` (version 1 of both documents)."""

import pytest

from doorstep.legal import services
from doorstep.legal.starter import STARTER_TEXT
from tests.factories import make_ops


def publish(document: str, *, material: bool = True, actor=None, **texts):
    actor = actor or make_ops("Ops admin")
    fields = {**STARTER_TEXT[document], **texts}
    return services.publish_version(
        actor=actor, document=document, material=material, **fields
    )


@pytest.fixture
def ops_admin():
    return make_ops("Ops admin")


@pytest.fixture
def policies(ops_admin):
    return {
        "terms": publish("terms", actor=ops_admin),
        "privacy": publish("privacy", actor=ops_admin),
    }
