"""Bearer tokens are verified once and then remembered for a few seconds (已验证令牌): remembering
one changes nothing of what a token lets in — an expired token is refused the moment it expires,
a forged or altered one never matches, and a token made under another key is refused."""

from __future__ import annotations

import time

import pytest

from lianban.security.tokens import Identity, Role, TokenError, issue, verify

KEY = "k" * 48


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    person = Identity(subject="person:130104199202140512", role=Role.APPLICANT, name="张三")
    token = issue(person, KEY, lifetime=1)
    assert verify(token, KEY) == person
    assert verify(token, KEY) == person  # from memory, the same identity
    expires = int(time.time()) + 1
    while time.time() < expires:
        time.sleep(0.05)
    with pytest.raises(TokenError):
        verify(token, KEY)


def test_a_remembered_token_is_not_taken_under_another_key_nor_altered() -> None:
    clerk = Identity(subject="staff:window1", role=Role.WINDOW_CLERK, hall="石家庄市政务服务中心")
    token = issue(clerk, KEY)
    assert verify(token, KEY) == clerk
    with pytest.raises(TokenError):
        verify(token, "another key, after LIANBAN_SECRET_KEY was replaced" + "x" * 8)
    head, claims, signature = token.split(".")
    with pytest.raises(TokenError):
        verify(f"{head}.{claims}.{signature[:-2]}AA", KEY)
    forged = issue(Identity(subject="staff:window1", role=Role.SUPERVISOR), "a forger's key" + "y" * 40)
    with pytest.raises(TokenError):
        verify(forged, KEY)
