"""The one error of configuration (配置错误)."""

from __future__ import annotations


class ConfigError(Exception):
    """Configuration that cannot be used, with the variable or file it comes from."""
