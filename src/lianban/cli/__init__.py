"""The command line: ``lianban demo | serve | migrate | themes list|show|check``."""
