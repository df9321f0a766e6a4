"""Test support shared by the suite (fixtures and helpers)."""
