"""Small building blocks every domain app shares: public ids and the error type."""
