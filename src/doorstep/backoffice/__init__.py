"""The back office: one place for ops. For now, the gate in front of Django's admin."""
