"""Routers of the public HTTP contract (/api/v1)."""
