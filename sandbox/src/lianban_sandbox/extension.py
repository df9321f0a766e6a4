"""The sandbox as a lianban extension (entry point ``lianban.extensions: sandbox``).

In sandbox mode the app takes from here: the routes (``/api/v1/auth/sandbox``,
``/api/v1/sandbox/*``), the synthetic registry as the data-sharing hub, the recording SMS sender,
the sandbox courier, the sandbox login, the simulated department systems and the e-tax site for
``redirect`` items, the service halls with a practice hall open around the clock. ``lianban demo`` is added to the command line whatever the mode. Imports are
made when a hook is called: the command line loads this module while it is itself being imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lianban.config import Mode, Settings
from lianban.extensions import DepartmentSystems, Extension, LoginProvider

if TYPE_CHECKING:
    import typer
    from fastapi import FastAPI

    from lianban.clock import Clock
    from lianban.delivery.courier import Courier
    from lianban.notify import Sender
    from lianban.security.department_keys import DepartmentKeys
    from lianban.sharing.providers import SharingHub


class SandboxExtension(Extension):
    name = "sandbox"
    modes = frozenset({Mode.SANDBOX})

    def add_commands(self, cli: typer.Typer) -> None:
        from lianban_sandbox.cli import demo

        cli.command()(demo)

    def add_routes(self, app: FastAPI) -> None:
        from lianban_sandbox.web import add_routes

        add_routes(app)

    def sharing_hub(self, settings: Settings, clock: Clock) -> SharingHub:
        from lianban_sandbox.registry import SandboxRegistry, sandbox_hub

        return sandbox_hub(SandboxRegistry(today=clock.today))

    def sms_sender(self, settings: Settings) -> Sender:
        from lianban_sandbox.notify import RecordingSender

        return RecordingSender()

    def courier(self, settings: Settings) -> Courier:
        from lianban_sandbox.courier import SandboxCourier

        return SandboxCourier()

    def login_provider(self, settings: Settings, clock: Clock) -> LoginProvider:
        from lianban.catalog.catalogue import default_catalogue
        from lianban_sandbox.login import SandboxLogin

        return SandboxLogin(default_catalogue(settings.themes_dir), today=clock.today)

    def redirect_sites(self, public_url: str) -> dict[str, str]:
        return {"tax": f"{public_url.rstrip('/')}/api/v1/sandbox/etax"}

    def halls_file(self, settings: Settings) -> Path:
        """The sample halls and a practice hall open around the clock (check-in at any hour)."""
        return Path(__file__).resolve().parent / "data" / "halls.yaml"

    def department_systems(self, settings: Settings, keys: DepartmentKeys) -> DepartmentSystems:
        from lianban_sandbox.simulators import SimulatorFleet

        return SimulatorFleet(data_dir=settings.data_dir / "departments", keys=keys)
