"""The connectors room: how each department system is reached (rest, worklist, redirect, query); the department simulators live in ``lianban-sandbox``."""

# every connector registers itself when its module is imported (connectors by registry, .plugins)
from lianban.connectors import plugins, query, redirect, rest
from lianban.connectors.plugins import connector_for, register, registered

__all__ = ["connector_for", "plugins", "query", "redirect", "register", "registered", "rest"]
