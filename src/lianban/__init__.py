"""lianban (联办): one form, one set of materials, many departments."""

__version__ = "0.1.0"
