"""Self-service onboarding: a charity signs itself up on the bare domain (public schema)."""
