"""Finding listings: the search document, the full-text backends, ranking."""
