"""Configuration (配置): one :class:`Settings`, built once at start (:mod:`lianban.bootstrap`).

* :mod:`~lianban.config.settings` — the ``LIANBAN_*`` variables (pydantic-settings) and the table of them;
* :mod:`~lianban.config.deployment` — the deployment file: department endpoints, retries, follow-ups;
* :mod:`~lianban.config.security` — lock-outs, rate limits, the identity provider, what production
  shows (``settings.security``: the security room reads them from the settings it is handed).

Nothing here imports a room of the platform: the rooms read their part of the settings.
"""

from lianban.config.deployment import (
    DeliveryPolicy,
    DepartmentEndpoint,
    RetryPolicy,
    load_deployment,
    load_policies,
    read_yaml,
)
from lianban.config.errors import ConfigError
from lianban.config.security import LockoutPolicy, OidcSettings, SecurityPolicy
from lianban.config.settings import (
    DEFAULT_PUBLIC_URL,
    PREFIX,
    Mode,
    Settings,
    default_database_url,
    load_settings,
)

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "PREFIX",
    "ConfigError",
    "DeliveryPolicy",
    "DepartmentEndpoint",
    "LockoutPolicy",
    "Mode",
    "OidcSettings",
    "RetryPolicy",
    "SecurityPolicy",
    "Settings",
    "default_database_url",
    "load_deployment",
    "load_policies",
    "load_settings",
    "read_yaml",
]
