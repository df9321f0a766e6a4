"""A province's identity provider (统一身份认证) for the tests: a real OpenID Connect provider on loopback.

Built with Authlib's server side (authorization code grant, PKCE with S256 required, OpenID
Connect with nonce required, RS256 ID tokens, a JWKS and a discovery document) and served over
real HTTP by the standard library's threading server. A person "logs in" on its form by choosing
a registered user; the user's claims carry the resident ID number (``cn_id_number``) or the
employer's USCC (``cn_uscc``) — deliberately not the platform's defaults, so the claim names are
shown to come from the settings.

``faults`` bends the next ID tokens the way a broken or hostile provider would (another
audience, another nonce, an expiry in the past, another issuer, a key that is not in the JWKS),
so the tests see the relying party refuse them.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "lianban-portal"
CLIENT_SECRET = "portal-secret-" + "x" * 24


@dataclass
class Client(rfc6749.ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Provider:
    """The provider's state: clients, users, codes not yet redeemed, its signing key and faults."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "province-1", "use": "sig"})
        self.clients: dict[str, Client] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, Code] = {}
        self.faults: dict[str, Any] = {}
        self.tokens_issued = 0
        self.issuer = ""
        self.server = self._authorization_server()

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return provider.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.tokens_issued += 1

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class Grant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                payload = request.payload
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=payload.redirect_uri,
                    scope=request.scope,
                    user=request.user,
                    nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)  # a code is redeemed once

            def authenticate_user(self, authorization_code: Code) -> str:
                return authorization_code.user

        class IdToken(OpenIDCode):  # type: ignore[misc]
            def resolve_client_private_key(self, client: Client) -> Any:
                return provider.faults.get("signing_key") or provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                key = provider.faults.get("signing_key") or provider.key
                return {"alg": "RS256", "kid": key.kid}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {
                    "iss": provider.issuer,
                    "aud": [client.get_client_id()],
                    "exp": int(time.time()) + 300,
                }

            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user: str, scope: str) -> dict[str, Any]:
                claims = {"sub": user, **provider.users[user]}
                faults = {k: v for k, v in provider.faults.items() if k != "signing_key"}
                return {**claims, **faults}  # applied last: a fault overrides what the token would say

        server = Server()
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: secrets.token_urlsafe(32), lambda **_: secrets.token_urlsafe(32)
            ),
        )
        server.register_grant(Grant, [CodeChallenge(required=True), IdToken(require_nonce=True)])
        return server

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)  # type: ignore[no-any-return]


class _Request(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib's server reads it: query and form apart, and together as payload."""

    def __init__(
        self, method: str, uri: str, headers: dict[str, str], query: dict[str, str], form: dict[str, str]
    ):
        super().__init__(method, uri, headers=headers)
        self._query, self._form = query, form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(
        self, status: int, body: Any, headers: Any = (), content_type: str = "application/json"
    ) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        header_names = set()
        for name, value in headers:
            self.send_header(name, value)
            header_names.add(name.lower())
        if "content-type" not in header_names:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _request(self, form: dict[str, str]) -> OAuth2Request:
        query = dict(parse_qsl(urlsplit(self.path).query))
        return _Request(
            self.command, f"{self.provider.issuer}{self.path}", dict(self.headers.items()), query, form
        )

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/.well-known/openid-configuration":
            self._send(200, self.provider.discovery())
        elif path == "/jwks":
            self._send(200, self.provider.jwks())
        elif path == "/authorize":
            try:
                self.provider.server.get_consent_grant(self._request({}))
            except rfc6749.OAuth2Error as exc:
                self._send(400, {"error": exc.error, "error_description": exc.description})
                return
            options = "".join(f'<option value="{u}">{u}</option>' for u in self.provider.users)
            form = (
                '<!doctype html><html lang="zh-CN"><title>统一身份认证</title>'
                f'<form method="post" action="{self.path}"><label>账号 <select name="user">{options}</select></label>'
                '<button name="consent" value="yes">登录并授权</button></form></html>'
            )
            self._send(200, form, content_type="text/html; charset=utf-8")
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        path = urlsplit(self.path).path
        if path == "/authorize":
            user = form.pop("user", "")
            form.pop("consent", None)
            if user not in self.provider.users:
                self._send(400, {"error": "unknown user"})
                return
            status, body, headers = self.provider.server.create_authorization_response(
                self._request({}), user
            )
            self._send(status, body or "", headers)
        elif path == "/token":
            status, body, headers = self.provider.server.create_token_response(self._request(form))
            self._send(status, body, headers)
        else:
            self._send(404, {"error": "not_found"})


class RunningProvider:
    """The provider serving on 127.0.0.1 in a thread, until :meth:`stop`."""

    def __init__(self, provider: Provider) -> None:
        handler = type("Handler", (_Handler,), {"provider": provider})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.provider = provider
        provider.issuer = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def register(self, redirect_uri: str) -> None:
        self.provider.clients[CLIENT_ID] = Client(CLIENT_ID, CLIENT_SECRET, [redirect_uri])

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
