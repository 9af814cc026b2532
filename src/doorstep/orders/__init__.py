"""Orders: one lifecycle for every way of buying, driven by declarative processes."""
