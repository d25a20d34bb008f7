"""Platform operations: incidents the console shows (and Sentry also receives), Sentry scope tags."""
