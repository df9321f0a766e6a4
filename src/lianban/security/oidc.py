"""Real identity (统一身份认证): the platform as an OpenID Connect relying party of the province's provider.

Authorization code flow with PKCE (S256), ``state`` and ``nonce``, through Authlib's OAuth 2 client
(over httpx). The ID token is checked with joserfc: its signature against the provider's JWKS
(asymmetric algorithms only), issuer, audience (and ``azp`` when several), expiry, issue time and
the nonce of this very login. The provider's claims then name who logged in: a person by her
resident ID number (the claim named by ``LIANBAN_OIDC_ID_NUMBER_CLAIM``), an employer by its USCC
(``LIANBAN_OIDC_USCC_CLAIM``). The platform then issues its own session (:mod:`.tokens`).

Its settings (``LIANBAN_OIDC_…``) are the platform's (:class:`~lianban.config.OidcSettings`, in
``settings.security.oidc``).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.errors import AuthlibBaseError as OAuthError
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from stdnum.cn import ric, uscc

from lianban.config import OidcSettings
from lianban.security.tokens import Identity, Role

SIGNING_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
LEEWAY_SECONDS = 30  # clock skew between the provider and the platform
METADATA_SECONDS = 3600  # discovery document and JWKS are read again after this
RESIDENT_ID = re.compile(r"\d{17}[\dX]")


class OidcError(Exception):
    """A login the relying party refuses; ``code`` says why (state, provider, token, audience, …)."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


@dataclass(frozen=True)
class PendingLogin:
    """What the platform remembers between sending the browser away and its return (in a signed cookie)."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


def local_path(candidate: str | None, default: str = "/my") -> str:
    """``candidate`` when it is a path on this site; ``default`` otherwise (no open redirect)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or any(ch in candidate for ch in "\\\r\n\t") or len(candidate) > 500:
        return default
    return candidate


class RelyingParty:
    """The platform's side of the province's OpenID Connect login (依赖方)."""

    def __init__(self, settings: OidcSettings, timeout_seconds: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout_seconds
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._read_at = 0.0

    def _client(self) -> Any:
        with warnings.catch_warnings():  # Authlib's note that httpx has a successor: not ours to act on
            warnings.simplefilter("ignore", DeprecationWarning)
            from authlib.integrations.httpx_client import OAuth2Client

        return OAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=self.settings.redirect_url,
            code_challenge_method="S256",
            timeout=self.timeout,
            trust_env=False,
        )

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = httpx.get(url, timeout=self.timeout, trust_env=False)
            answer.raise_for_status()
            body = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(
                "provider", "统一身份认证服务暂时无法访问", f"the identity provider cannot be reached ({exc})"
            ) from exc
        if not isinstance(body, dict):
            raise OidcError("provider", "统一身份认证服务应答有误", "the identity provider answered nonsense")
        return body

    def metadata(self, refresh: bool = False) -> dict[str, Any]:
        """The provider's discovery document (its issuer must be the configured one) and its keys."""
        with self._lock:
            if refresh or self._metadata is None or time.monotonic() - self._read_at > METADATA_SECONDS:
                doc = self._get_json(f"{self.settings.issuer}/.well-known/openid-configuration")
                if doc.get("issuer") != self.settings.issuer:
                    raise OidcError(
                        "issuer", "统一身份认证服务的签发者不符", "the provider's issuer does not match"
                    )
                self._keys = KeySet.import_key_set(self._get_json(str(doc["jwks_uri"])))  # type: ignore[arg-type]
                self._metadata = doc
                self._read_at = time.monotonic()
            return self._metadata

    def _key_set(self, refresh: bool) -> KeySet:
        self.metadata(refresh=refresh)
        assert self._keys is not None
        return self._keys

    def begin(self, next_path: str | None) -> tuple[str, PendingLogin]:
        """The provider's authorization URL to send the browser to, and what to remember meanwhile."""
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            next_path=local_path(next_path),
        )
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
            )
        return str(url), pending

    def finish(self, pending: PendingLogin, params: Mapping[str, str]) -> dict[str, Any]:
        """The ID token's claims once the browser is back with ``code`` and ``state``, all checked."""
        if not secrets.compare_digest(params.get("state") or "", pending.state):
            raise OidcError(
                "state", "登录状态不符，请重新登录", "the login state does not match; log in again"
            )
        if params.get("error"):
            raise OidcError(
                "provider", "统一身份认证未完成登录", f"the provider refused: {params['error'][:100]}"
            )
        code = params.get("code")
        if not code:
            raise OidcError("code", "缺少授权码", "the authorization code is missing")
        with self._client() as client:
            try:
                token = client.fetch_token(
                    self.metadata()["token_endpoint"], code=code, code_verifier=pending.code_verifier
                )
            except (OAuthError, httpx.HTTPError) as exc:  # OAuthError: the provider's error answer
                raise OidcError(
                    "code", "授权码无效或已使用，请重新登录", f"the provider refused the code ({exc})"
                ) from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("token", "统一身份认证未返回身份令牌", "the provider returned no ID token")
        return self.validate_id_token(id_token, pending.nonce)

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Signature (JWKS), issuer, audience, expiry and nonce of an ID token; its claims."""
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(refresh=False), algorithms=SIGNING_ALGORITHMS)
            except (
                BadSignatureError,
                ValueError,
                JoseError,
            ):  # a new key (rotation): read the JWKS once more
                decoded = jwt.decode(id_token, self._key_set(refresh=True), algorithms=SIGNING_ALGORITHMS)
        except (JoseError, ValueError) as exc:
            raise OidcError(
                "signature", "身份令牌签名无效", f"the ID token's signature is not valid ({exc})"
            ) from exc
        claims = dict(decoded.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.settings.issuer},
            aud={"essential": True, "value": self.settings.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise OidcError("expired", "身份令牌已过期，请重新登录", "the ID token has expired") from exc
        except ClaimError as exc:
            raise OidcError(
                exc.claim, f"身份令牌的 {exc.claim} 不符", f"the ID token's {exc.claim} does not match"
            ) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise OidcError("azp", "身份令牌的 azp 不符", "the ID token's azp does not name this platform")
        return claims

    def identity(self, claims: Mapping[str, Any]) -> Identity:
        """Who the claims name: a person by her ID number, or an employer by its USCC."""
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        number = claims.get(self.settings.id_number_claim)
        if isinstance(number, str) and number:
            number = number.strip().upper()
            if not RESIDENT_ID.fullmatch(number) or ric.calc_check_digit(number) != number[17]:
                raise OidcError(
                    "claims", "身份令牌中的公民身份号码无效", "the ID number in the ID token is not valid"
                )
            return Identity(subject=f"person:{number}", role=Role.APPLICANT, name=name, id_number=number)
        code = claims.get(self.settings.uscc_claim)
        if isinstance(code, str) and code:
            code = code.strip().upper()
            if not uscc.is_valid(code):
                raise OidcError(
                    "claims", "身份令牌中的统一社会信用代码无效", "the USCC in the ID token is not valid"
                )
            return Identity(subject=f"employer:{code}", role=Role.EMPLOYER, name=name, uscc=code)
        raise OidcError(
            "claims",
            "身份令牌未包含公民身份号码或统一社会信用代码",
            "the ID token carries neither an ID number nor a USCC",
        )
