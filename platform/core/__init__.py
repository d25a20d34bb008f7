"""Small shared pieces every context uses: the service error type and API plumbing."""
