"""The connectors room: how each department system is reached (rest, worklist, redirect, query); the department simulators live in ``lianban-sandbox``."""
