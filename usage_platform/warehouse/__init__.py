"""Warehouse resources: the connection to the configured target."""
