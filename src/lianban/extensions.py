"""Extensions (扩展): parts installed beside the platform that plug into it by entry point.

An extension is a distribution that declares an entry point in the group ``lianban.extensions``
naming an :class:`Extension` subclass (or an instance). This repository has two, both outside the
product's wheel: ``lianban-sandbox`` (the synthetic registry, simulated departments, sandbox login,
recording SMS sender and courier, ``lianban demo``) and ``lianban-bench`` (``lianban bench``). A
province's own adapters can ship the same way.

The product never imports an extension (an import-linter contract checks it): it finds them here,
by entry point, and asks each for what it offers:

- command-line commands (:meth:`Extension.add_commands`), always — installing an extension adds them;
- routes on the app and providers (data-sharing hub, SMS sender, courier, login, department
  systems, redirect sites, service halls), only in the modes the extension names
  (:attr:`Extension.modes`).

Sandbox mode needs an extension for it: the app refuses to start in sandbox mode when none is
installed (``make install`` installs ``lianban-sandbox``; a production install does not).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from lianban.config import ConfigError, Mode, Settings

if TYPE_CHECKING:  # only for the hooks' signatures: this module imports no room at run time
    import typer
    from fastapi import FastAPI

    from lianban.clock import Clock
    from lianban.delivery.courier import Courier
    from lianban.notify import Sender
    from lianban.security.department_keys import DepartmentKeys
    from lianban.security.tokens import Identity
    from lianban.sharing.providers import SharingHub

GROUP = "lianban.extensions"
_T = TypeVar("_T")


class LoginRefused(Exception):
    """A login an extension's login provider refuses, naming the field (zh + en)."""

    def __init__(self, field: str, code: str, message_zh: str, message_en: str, status: int = 422) -> None:
        super().__init__(message_en)
        self.field = field
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.status = status  # 422: malformed; 401: wrong credentials


@dataclass(frozen=True)
class LoginChoice:
    """Someone to log in as (a page may list them): a person, an employer or a staff account."""

    kind: str  # person | employer | staff
    name: str
    credentials: Mapping[str, str]  # what logs in as them (LoginProvider.login)
    description: str = ""
    details: Mapping[str, object] = field(default_factory=dict)  # e.g. a person's age and gender


class LoginProvider(Protocol):
    """A login without an identity provider — the sandbox's (never production's)."""

    def login(self, credentials: Mapping[str, str]) -> Identity: ...

    def choices(self, limit: int = 20) -> Sequence[LoginChoice]: ...


class DepartmentSystems(Protocol):
    """Department systems an extension runs beside the platform (the sandbox's simulators)."""

    def start(self) -> dict[str, str]:
        """Start them; answers department → base URL."""
        ...

    def stop(self) -> None: ...


class Extension:
    """What an extension may offer; every hook of this base offers nothing."""

    name: ClassVar[str] = ""
    #: the modes in which the app adds this extension's routes and uses its providers
    modes: ClassVar[frozenset[Mode]] = frozenset()

    def add_commands(self, cli: typer.Typer) -> None:
        """Add commands to ``lianban`` (called whether or not the mode is one of :attr:`modes`)."""

    def add_routes(self, app: FastAPI) -> None:
        """Add routes to the app."""

    def sharing_hub(self, settings: Settings, clock: Clock) -> SharingHub | None:
        """The data-sharing hub (数据共享) that prefills forms and answers the rules' facts."""
        return None

    def sms_sender(self, settings: Settings) -> Sender | None:
        return None

    def courier(self, settings: Settings) -> Courier | None:
        return None

    def login_provider(self, settings: Settings, clock: Clock) -> LoginProvider | None:
        return None

    def redirect_sites(self, public_url: str) -> dict[str, str]:
        """Department → the site ``redirect`` items send the applicant to (the sandbox's e-tax)."""
        return {}

    def department_systems(self, settings: Settings, keys: DepartmentKeys) -> DepartmentSystems | None:
        """Department systems run beside the platform, each signing with its department's key."""
        return None

    def halls_file(self, settings: Settings) -> Path | None:
        """The service halls (政务服务大厅, 预约) when the deployment file names none."""
        return None


def installed(found: Iterable[importlib.metadata.EntryPoint] | None = None) -> tuple[Extension, ...]:
    """Every installed extension, by name (``found``: the entry points to read, default the group's)."""
    points = importlib.metadata.entry_points(group=GROUP) if found is None else found
    out: list[Extension] = []
    for point in sorted(points, key=lambda p: p.name):
        target = point.load()
        extension = target() if isinstance(target, type) else target
        if not isinstance(extension, Extension):
            raise ConfigError(f"entry point {GROUP}:{point.name} is not a lianban Extension: {target!r}")
        out.append(extension)
    return tuple(out)


def for_mode(mode: Mode, available: Sequence[Extension]) -> tuple[Extension, ...]:
    """The extensions active in ``mode``; sandbox mode without a sandbox extension is refused."""
    active = tuple(e for e in available if mode in e.modes)
    if mode is Mode.SANDBOX and not active:
        raise ConfigError(
            "沙箱模式需要安装 lianban-sandbox（make install）/ "
            "sandbox mode needs the lianban-sandbox package installed (make install)"
        )
    return active


def _first(values: Iterable[_T | None]) -> _T | None:
    return next((v for v in values if v is not None), None)


@dataclass(frozen=True)
class Plugins:
    """What the active extensions provide, gathered once at start (the first offer of each wins)."""

    extensions: tuple[Extension, ...]
    sharing: SharingHub | None
    sms: Sender | None
    courier: Courier | None
    login: LoginProvider | None
    halls: Path | None = None  # the halls file an extension offers (the sandbox's, with its practice hall)

    def add_routes(self, app: FastAPI) -> None:
        for extension in self.extensions:
            extension.add_routes(app)

    def redirect_sites(self, public_url: str) -> dict[str, str]:
        sites: dict[str, str] = {}
        for extension in reversed(self.extensions):
            sites.update(extension.redirect_sites(public_url))
        return sites

    def department_systems(self, settings: Settings, keys: DepartmentKeys) -> DepartmentSystems | None:
        return _first(e.department_systems(settings, keys) for e in self.extensions)


def plug(settings: Settings, clock: Clock, available: Sequence[Extension] | None = None) -> Plugins:
    """The plugins for ``settings.mode`` from the installed extensions (or ``available``)."""
    active = for_mode(settings.mode, installed() if available is None else available)
    return Plugins(
        extensions=active,
        sharing=_first(e.sharing_hub(settings, clock) for e in active),
        sms=_first(e.sms_sender(settings) for e in active),
        courier=_first(e.courier(settings) for e in active),
        login=_first(e.login_provider(settings, clock) for e in active),
        halls=_first(e.halls_file(settings) for e in active),
    )
