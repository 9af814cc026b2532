from doorstep.trust.tests.standards.helpers import (  # noqa: F401 (fixtures)
    _sandbox,
    category,
    customer,
    fire,
    listing,
    provider,
)
