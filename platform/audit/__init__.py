"""The audit trail: every write, who made it, and what changed (old and new values).

Installed in the public schema and in every association's schema, so an association's trail
lives, and is isolated, with its data."""
