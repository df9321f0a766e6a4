"""What every ``lianban`` command shares: the consoles, the common options, the settings, and the
one-line refusal of a command that needs the keys at rest when they are not set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from lianban.config import ConfigError, Mode, Settings, load_settings
from lianban.security.bound import KeysMissing

if TYPE_CHECKING:
    from sqlalchemy import Engine

console = Console()
err = Console(stderr=True)

HostOpt = Annotated[str, typer.Option(help="address to listen on")]
PortOpt = Annotated[int, typer.Option(help="port to listen on")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL (default: LIANBAN_DATABASE_URL or a SQLite file under ./var)"
    ),
]

SECRET_KEY, DATA_KEYS, LOOKUP_KEY = "LIANBAN_SECRET_KEY", "LIANBAN_DATA_KEYS", "LIANBAN_LOOKUP_KEY"
CERTIFICATE_KEY, CERTIFICATE_CERT = "LIANBAN_CERTIFICATE_KEY", "LIANBAN_CERTIFICATE_CERT"
_SETTING = {
    SECRET_KEY: "secret_key",
    DATA_KEYS: "data_keys",
    LOOKUP_KEY: "lookup_key",
    CERTIFICATE_KEY: "certificate_key",
    CERTIFICATE_CERT: "certificate_cert",
}


def settings_or_exit(database_url: str | None, mode: Mode | None = None) -> Settings:
    """The settings, or exit 2 naming what is wrong with them."""
    try:
        return load_settings(database_url=database_url, mode=mode)
    except ConfigError as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc


def refuse(line: str) -> NoReturn:
    """One line on standard error, as written (no markup, never wrapped), and exit 2."""
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def unset_keys(settings: Settings, tokens: bool = False) -> list[str]:
    """The key settings production needs and ``settings`` lack (none in a sandbox, which makes its
    own): the data keys and the lookup key; with ``tokens`` (the API) the token secret and the
    e-certificates' signing key and certificate too."""
    if settings.sandbox:
        return []
    wanted = [DATA_KEYS, LOOKUP_KEY]
    if tokens:
        wanted = [SECRET_KEY, *wanted, CERTIFICATE_KEY, CERTIFICATE_CERT]
    return [name for name in wanted if not getattr(settings, _SETTING[name])]


def _recipe(variable: str, cipher: str | None) -> str:
    """How to make a value of ``variable`` (a shell line, with OpenSSL)."""
    if variable == DATA_KEYS:  # kid:base64key; SM4-GCM keys are 16 bytes, AES-256-GCM's 32
        return f"{variable}=k1:$(openssl rand -base64 {16 if (cipher or '').lower() == 'sm4' else 32})"
    if variable in (CERTIFICATE_KEY, CERTIFICATE_CERT):  # issued by a CA, not made up here
        return f"{variable}=PEM 文件路径（电子证照签名用的{'私钥' if variable == CERTIFICATE_KEY else '证书及证书链'}）"
    return f"{variable}=$(openssl rand -hex 32)"


def keys_missing(variables: Sequence[str], cipher: str | None = None) -> str:
    """The one line that says which key settings are missing and how to make them."""
    recipes = "；".join(_recipe(v, cipher) for v in variables)
    return (
        f"缺少密钥：未设置 {'、'.join(variables)}（生产模式必填）。"
        f"生成后设置环境变量再运行：{recipes}（详见 README「Configuring a real deployment」）"
    )


def require_keys(settings: Settings, tokens: bool = False, start: bool = False) -> None:
    """Exit 2 with one line when production lacks the keys this command needs; with ``start``
    (``serve``, ``worker``), whatever else is unsafe about its keys listed before it."""
    from lianban.security.startup import key_problems

    missing = unset_keys(settings, tokens)
    if not missing:
        return
    others = key_problems(settings, tokens, unchecked=missing) if start else []
    if others:
        err.print(
            "配置错误 / configuration error: production refuses to start:\n  - " + "\n  - ".join(others),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    refuse(keys_missing(missing, settings.data_cipher))


def keyed_engine_or_exit(settings: Settings) -> Engine:
    """An engine with the deployment's keys at rest, for a command that reads or writes personal
    data; exit 2 with one line when they are missing or cannot be used."""
    from lianban.bootstrap import keyed_engine

    require_keys(settings)
    try:
        return keyed_engine(settings)
    except ConfigError as exc:
        refuse(f"配置错误 / configuration error: {exc}")


class Commands(TyperGroup):
    """The root command group: a command that meets personal data at rest without the keys (a
    migration converting rows, an audit anchor) ends with the one line, not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeysMissing as exc:
            try:
                settings = load_settings()
                missing, cipher = unset_keys(settings), settings.data_cipher
            except ConfigError:
                missing, cipher = [], None
            refuse(keys_missing(missing or [exc.variable or f"{DATA_KEYS}、{LOOKUP_KEY}"], cipher))
