"""What the services are handed (服务上下文): the platform's parts a room's operations work with.

:class:`lianban.bootstrap.Platform` is one; a test may hand anything with these attributes. The
services take it plus the caller's :class:`~lianban.security.tokens.Identity`, so the API, the
pages, the CLI and the workers call the very same operations.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from lianban.catalog.catalogue import Catalogue
from lianban.clock import Clock
from lianban.config import Settings
from lianban.sharing.providers import SharingHub


class Context(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def catalogue(self) -> Catalogue: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def sharing(self) -> SharingHub | None: ...
