"""Path ids the API takes as strings for rows whose key is a number."""


def row_pk(value: str) -> int:
    """``value`` as the integer key a service looks up; anything that is not a
    plain number within range finds no row (0), so the service answers its own
    404 instead of the database failing on the value."""
    if value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return 0
