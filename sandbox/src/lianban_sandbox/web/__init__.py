"""The sandbox's HTTP routes (sandbox mode only; in production the app does not have them, so the
paths answer 404): login, people to try, simulated departments' switches, the e-tax site."""

from fastapi import FastAPI

from lianban_sandbox.web import auth, departments, etax, people


def add_routes(app: FastAPI) -> None:
    for router in (auth.router, people.router, departments.router, etax.router):
        app.include_router(router)
