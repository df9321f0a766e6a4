"""The platform, wired once at start (装配): settings, clock, catalogue, database, keys, data
sharing, senders, courier and the dispatcher's configuration, in one :class:`Platform`.

Data sharing, senders, courier, a login without an identity provider, redirect sites and
simulated department systems may come from an extension (:mod:`lianban.extensions`): in sandbox
mode, all of them from ``lianban-sandbox``; production has none of them unless it configures them.

``lianban serve`` / ``demo`` / ``worker`` and the other commands build it with
:func:`build_platform`; the web app keeps it as ``app.state.platform``. Nothing below reads the
environment or keeps configuration in a module: what a part needs, the platform hands it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lianban.appointments.halls import load_halls
from lianban.cases.wiring import CaseWiring
from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.clock import Clock, SystemClock
from lianban.config import ConfigError, Settings
from lianban.db import make_engine, session_factory
from lianban.delivery.courier import Courier, HttpCourier
from lianban.dispatch.failures import WorkerErrors
from lianban.dispatch.outbox import LEASE
from lianban.dispatch.worker import DispatchConfig
from lianban.extensions import Plugins, plug
from lianban.forms.regions import deployment_regions
from lianban.notify.senders import Sender
from lianban.notify.sms import HttpSmsGateway
from lianban.regional import HALLS_FILE, RegionalSettings, load_regional
from lianban.security.department_keys import DepartmentKeys, department_keys
from lianban.security.fieldcrypt import DataKeyring, data_keyring, use_field_encryption
from lianban.security.lookup import lookup_key_of, use_lookup_key
from lianban.security.tokens import secret_key
from lianban.sharing.providers import SharingHub

log = logging.getLogger(__name__)


@dataclass
class Platform:
    """Everything a request, a worker round or a command works with."""

    settings: Settings
    clock: Clock
    catalogue: Catalogue
    engine: Engine
    sessions: sessionmaker[Session]  # each session carries the platform's CaseWiring
    department_keys: DepartmentKeys  # each department's own keys for signed exchanges (签名交换)
    data_keys: DataKeyring  # encrypt personal data at rest (个人信息加密存储)
    sharing: SharingHub | None  # data sharing (数据共享); the sandbox registry in sandbox mode
    senders: tuple[Sender, ...]  # SMS / e-mail gateways beyond the in-app notice
    courier: Courier | None  # books and tracks posted deliveries (寄递)
    plugins: Plugins  # what the extensions active in this mode provide (the sandbox's, in sandbox mode)
    worker_errors: WorkerErrors = field(default_factory=WorkerErrors)  # this process's, for /metrics
    regional: RegionalSettings = field(default_factory=RegionalSettings)  # 好差评, 预约, drafts per region

    @cached_property
    def secret_key(self) -> str:
        """The key that signs bearer tokens (the API's; a worker never needs it).

        Raises ``TokenError`` in production without ``LIANBAN_SECRET_KEY``."""
        s = self.settings
        return secret_key(s.data_dir, s.sandbox, s.secret_key)

    def dispatch_config(
        self,
        served_at: str | None = None,
        department_urls: dict[str, str] | None = None,
        lease: timedelta = LEASE,
    ) -> DispatchConfig:
        """How this deployment's dispatcher reaches departments and is reached back.

        Callbacks and return addresses are built on ``LIANBAN_PUBLIC_URL`` (else ``served_at``, the
        address this process serves on); ``department_urls`` replaces the deployment file's
        addresses (the demo's simulated departments).
        """
        s = self.settings
        public = s.public_address(served_at)
        urls = (
            department_urls
            if department_urls is not None
            else {d: e.base_url for d, e in s.departments.items()}
        )
        return DispatchConfig(
            keys=self.department_keys,
            department_urls=urls,
            callback_base_url=public,
            lease=lease,
            archives=self.sharing.archives if self.sharing is not None and s.sandbox else None,
            # e.g. the sandbox's own e-tax site for redirect items (Hubei 社保费申报)
            redirect_sites=self.plugins.redirect_sites(public) or None,
            retry=s.retry,
            poll_seconds={d: e.poll_interval_seconds for d, e in s.departments.items() if e.status == "poll"},
            delivery=s.delivery,
            courier=self.courier,
            endpoints=dict(s.departments),
        )

    def close(self) -> None:
        self.engine.dispose()


def default_senders(settings: Settings, plugins: Plugins) -> tuple[Sender, ...]:
    """The configured SMS gateway (``LIANBAN_SMS_URL``), else the extensions' sender (the sandbox
    records its SMS); production without a gateway sends none and records none."""
    if settings.sms_url and settings.sms_key:
        return (HttpSmsGateway(settings.sms_url, settings.sms_key),)
    return (plugins.sms,) if plugins.sms is not None else ()


def default_courier(settings: Settings, plugins: Plugins) -> Courier | None:
    """The configured postal partner (``LIANBAN_COURIER_URL``), else the extensions' courier (the
    sandbox's); production without one books and tracks nothing."""
    if settings.courier_url and settings.courier_key:
        return HttpCourier(settings.courier_url, settings.courier_key)
    return plugins.courier


def case_wiring(
    settings: Settings,
    catalogue: Catalogue | None = None,
    senders: tuple[Sender, ...] | None = None,
    courier: Courier | None = None,
    plugins: Plugins | None = None,
) -> CaseWiring:
    """What sessions on cases carry of the platform (also for commands that need no keys)."""
    offered = plugins if plugins is not None else plug(settings, SystemClock())
    return CaseWiring(
        catalogue=catalogue or default_catalogue(settings.themes_dir),
        delivery=settings.delivery,
        senders=senders if senders is not None else default_senders(settings, offered),
        courier=courier if courier is not None else default_courier(settings, offered),
    )


def with_keys_at_rest(
    engine: Engine, settings: Settings, catalogue: Catalogue, data_keys: DataKeyring | None = None
) -> Engine:
    """Give ``engine`` the deployment's data keys (protecting what ``catalogue`` marks personal) and
    its lookup key: its column types seal, open and hash with these, and only its own
    (:mod:`lianban.security.bound`). Raises ``ConfigError`` for keys that cannot be used."""
    ring = data_keys or data_keyring(
        settings.data_dir, settings.sandbox, settings.data_keys, settings.data_cipher
    )
    use_field_encryption(engine, ring, catalogue)
    use_lookup_key(engine, lookup_key_of(settings))
    return engine


def keyed_engine(settings: Settings, catalogue: Catalogue | None = None, required: bool = True) -> Engine:
    """An engine on the settings' database with the deployment's keys at rest, for the commands and
    tools that need no whole platform (``lianban migrate``, ``data rekey``, ``audit verify``).

    Keys that cannot be made raise ``ConfigError``; unless ``required`` is false: then the engine
    has each key that can be made (the data keys, the lookup key), and a protected value that needs
    a missing one is an error naming its variable."""
    engine = make_engine(settings.database_url)
    catalogue = catalogue or default_catalogue(settings.themes_dir)
    if required:
        try:
            return with_keys_at_rest(engine, settings, catalogue)
        except ConfigError:
            engine.dispose()
            raise
    try:
        use_field_encryption(
            engine,
            data_keyring(settings.data_dir, settings.sandbox, settings.data_keys, settings.data_cipher),
            catalogue,
        )
    except ConfigError as exc:  # said, so a later "carries no data keys" is not read as unset
        log.warning("data keys not set up (%s); encrypted values cannot be read or written", exc)
    try:
        use_lookup_key(engine, lookup_key_of(settings))
    except ConfigError as exc:
        log.warning("lookup key not set up (%s); identifiers cannot be hashed", exc)
    return engine


def build_platform(
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalogue: Catalogue | None = None,
    sharing: SharingHub | None = None,
    senders: tuple[Sender, ...] | None = None,
    courier: Courier | None = None,
    plugins: Plugins | None = None,
) -> Platform:
    """Wire the platform for ``settings``; the keyword arguments replace a part (tests, tools).

    Production data-sharing providers, SMS gateway and postal partner plug in here; until a
    deployment configures them, production prefills nothing, notifies in the app only and does not
    follow posted deliveries. The sandbox extension brings its registry, recording sender and
    courier (``plugins``: what the installed extensions offer for the mode, found here by default).
    Raises ``ConfigError`` / ``TokenError`` for keys that cannot be used, and
    ``ConfigError`` for sandbox mode without ``lianban-sandbox`` installed.
    """
    chosen_clock = clock or SystemClock()
    offered = plugins if plugins is not None else plug(settings, chosen_clock)
    cat = catalogue or default_catalogue(settings.themes_dir)
    keys = department_keys(settings)
    data_keys = data_keyring(settings.data_dir, settings.sandbox, settings.data_keys, settings.data_cipher)
    chosen_senders = senders if senders is not None else default_senders(settings, offered)
    chosen_courier = courier if courier is not None else default_courier(settings, offered)
    regional = load_regional(settings.deployment_file)
    if regional.halls_file == HALLS_FILE and offered.halls is not None:  # the deployment names none
        regional = replace(regional, halls_file=offered.halls)
    load_halls(regional.halls_file)  # an unusable halls file stops the start
    deployment_regions(settings)  # so does an unusable region figures file (LIANBAN_REGIONS_FILE)
    # the column types of this engine seal with these keys and hash identifiers (查询标识) with its own
    engine = with_keys_at_rest(make_engine(settings.database_url), settings, cat, data_keys)
    wiring = case_wiring(settings, cat, chosen_senders, chosen_courier, offered)
    return Platform(
        settings=settings,
        clock=chosen_clock,
        catalogue=cat,
        engine=engine,
        sessions=session_factory(engine, wiring.info()),
        department_keys=keys,
        data_keys=data_keys,
        sharing=sharing if sharing is not None else offered.sharing,
        senders=chosen_senders,
        courier=chosen_courier,
        regional=regional,
        plugins=offered,
    )
