"""Associations (الجمعيات) as schema-isolated tenants: their records, routing and provisioning."""
