"""The platform console: the fleet of associations, their plans, suspension, archiving, support grants."""
