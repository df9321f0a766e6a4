"""The connectors room: how each department system is reached (rest, worklist, redirect, query), and the department simulators."""
