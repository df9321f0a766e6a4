"""The sandbox's HTTP routes (sandbox mode only; in production the app does not have them, so the
paths answer 404): login, people to try, simulated departments' switches, the e-tax site, bookings for today."""

from fastapi import FastAPI

from lianban_sandbox.web import appointments, auth, departments, etax, people


def add_routes(app: FastAPI) -> None:
    for router in (auth.router, people.router, departments.router, etax.router, appointments.router):
        app.include_router(router)
