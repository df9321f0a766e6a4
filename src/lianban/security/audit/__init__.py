"""The tamper-evident audit log (防篡改审计日志), as X-Road's message log.

Every entry carries the SM3 hash (国密) of the one before it, in one chain per day
(:mod:`.chain`); ``lianban audit verify`` names the first entry that does not fit and
``lianban audit prune`` drops days past the retention, leaving an anchor (:mod:`.ledger`). The
table is append-only (:mod:`.schema`: triggers in the migration).
"""

from lianban.security.audit.chain import append, chain_day, entry_hash, genesis, sm3_hex
from lianban.security.audit.ledger import MIN_RETENTION_DAYS, PRUNED, Report, entries_by, prune, verify
from lianban.security.audit.schema import AuditEntry, AuditHead

__all__ = [
    "MIN_RETENTION_DAYS",
    "PRUNED",
    "AuditEntry",
    "AuditHead",
    "Report",
    "append",
    "chain_day",
    "entries_by",
    "entry_hash",
    "genesis",
    "prune",
    "sm3_hex",
    "verify",
]
