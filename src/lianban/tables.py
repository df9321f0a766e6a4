"""Every room's tables on one metadata, for Alembic and for checks that compare it with the database."""

from __future__ import annotations

import lianban.appointments.schema
import lianban.cases.schema
import lianban.certificates.schema
import lianban.connectors.schema
import lianban.drafts.schema
import lianban.ratings.schema
import lianban.security.schema  # noqa: F401
from lianban.db import Base

metadata = Base.metadata
