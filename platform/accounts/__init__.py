"""People who sign in: association staff and board (in each association's schema) and the
platform's operators (in the public schema). Roles are data, not code."""
