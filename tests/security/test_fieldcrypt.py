"""Field encryption at rest (个人信息加密存储): sealed values, their binding to a field, key rotation,
SM4, the keys from the configuration, and which of a graduate's values the column types seal."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.model import FieldType, Sensitivity
from lianban.config import ConfigError
from lianban.security.fieldcrypt import (
    Algorithm,
    DataKey,
    DataKeyring,
    FieldCryptError,
    FieldEncryption,
    ProtectedJSON,
    ProtectedKeys,
    Shape,
    data_keyring,
    is_sealed,
    require_supported,
)

# 陈思雨, the sandbox's Wuhan graduate (lianban_sandbox/data/personas.yaml)
ID_NUMBER = "420602200405120263"
NAME = "陈思雨"
ID_FIELD = "cases.form/person.id_number"
KEY_2025 = DataKey("2025", bytes(range(32)))
KEY_2026 = DataKey("2026", bytes(range(100, 132)))


def sm4_available() -> bool:
    try:
        require_supported(Algorithm.SM4_GCM)
    except ConfigError:
        return False
    return True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize(
    "value",
    [
        ID_NUMBER,
        NAME,
        13800138000,
        {"region": "420111", "detail": "珞狮路122号武汉理工大学南湖校区学生公寓9栋"},
        ["420602200405120263", "422801199908170159"],
    ],
)
def test_a_value_comes_back_with_its_json_type(value: Any) -> None:
    ring = DataKeyring([KEY_2025])
    token = ring.seal(value, ID_FIELD)
    assert token.startswith("enc:v1:aes256gcm:2025:")
    assert ID_NUMBER not in token and NAME not in token
    assert ring.open(token, ID_FIELD) == value


@given(json_values)
@settings(max_examples=60, deadline=None)
def test_any_json_value_round_trips(value: Any) -> None:
    ring = DataKeyring([KEY_2025])
    assert ring.open(ring.seal(value, ID_FIELD), ID_FIELD) == value


def test_the_same_value_seals_differently_each_time() -> None:
    ring = DataKeyring([KEY_2025])
    assert ring.seal(ID_NUMBER, ID_FIELD) != ring.seal(ID_NUMBER, ID_FIELD)


def test_a_value_copied_to_another_field_does_not_decrypt() -> None:
    ring = DataKeyring([KEY_2025])
    token = ring.seal(ID_NUMBER, ID_FIELD)
    for elsewhere in ("cases.form/employer.agent_id_number", "case_items.payload/AAC002", "cases.form"):
        with pytest.raises(FieldCryptError, match="altered, or moved"):
            ring.open(token, elsewhere)


def test_a_tampered_value_does_not_decrypt() -> None:
    ring = DataKeyring([KEY_2025])
    token = ring.seal(ID_NUMBER, ID_FIELD)
    header, _, body = token.rpartition(":")
    raw = bytearray(base64.b64decode(body))
    raw[14] ^= 0x01  # one bit of the ciphertext
    with pytest.raises(FieldCryptError, match="does not authenticate"):
        ring.open(f"{header}:{base64.b64encode(bytes(raw)).decode()}", ID_FIELD)
    with pytest.raises(FieldCryptError, match="malformed"):  # shorter than a nonce and a tag
        ring.open(f"{header}:{base64.b64encode(bytes(raw[:20])).decode()}", ID_FIELD)
    with pytest.raises(FieldCryptError, match="malformed"):
        ring.open(token[:-1], ID_FIELD)  # not base64 any more
    with pytest.raises(FieldCryptError, match="malformed"):
        ring.open("enc:v1:aes256gcm:2025", ID_FIELD)


def test_rotation_old_key_decrypts_new_key_encrypts() -> None:
    before = DataKeyring([KEY_2025]).seal(ID_NUMBER, ID_FIELD)
    rotated = DataKeyring([KEY_2026, KEY_2025])
    assert rotated.open(before, ID_FIELD) == ID_NUMBER
    after = rotated.seal(ID_NUMBER, ID_FIELD)
    assert after.startswith("enc:v1:aes256gcm:2026:")
    assert rotated.is_current(after) and not rotated.is_current(before)


def test_a_value_under_a_retired_key_names_the_key() -> None:
    before = DataKeyring([KEY_2025]).seal(ID_NUMBER, ID_FIELD)
    retired = DataKeyring([KEY_2026])
    with pytest.raises(FieldCryptError, match=r"key id '2025'.*LIANBAN_DATA_KEYS") as caught:
        retired.open(before, ID_FIELD)
    assert ID_FIELD in str(caught.value)


def test_a_header_naming_another_key_of_the_ring_does_not_decrypt() -> None:
    ring = DataKeyring([KEY_2026, KEY_2025])
    token = DataKeyring([KEY_2025]).seal(NAME, ID_FIELD)
    with pytest.raises(FieldCryptError, match="does not authenticate"):
        ring.open(token.replace(":2025:", ":2026:"), ID_FIELD)


@pytest.mark.skipif(not sm4_available(), reason="this OpenSSL has no SM4")
def test_sm4_gcm_seals_and_opens() -> None:
    key = DataKey.generate("gm-1", Algorithm.SM4_GCM)
    assert key.algorithm is Algorithm.SM4_GCM and len(key.secret) == 16
    ring = DataKeyring([key, KEY_2025])
    token = ring.seal({"region": "420111", "detail": "珞狮路122号"}, "deliveries.address")
    assert token.startswith("enc:v1:sm4gcm:gm-1:")
    assert ring.open(token, "deliveries.address") == {"region": "420111", "detail": "珞狮路122号"}
    with pytest.raises(FieldCryptError):
        ring.open(token, "cases.form/person.residence_address")
    # an AES value written before the switch to SM4 still reads
    assert ring.open(DataKeyring([KEY_2025]).seal(NAME, ID_FIELD), ID_FIELD) == NAME


# ---------------------------------------------------------------- keys from the configuration


def spec(*keys: DataKey) -> str:
    return ",".join(k.spec for k in keys)


def test_production_without_keys_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIANBAN_DATA_KEYS", raising=False)
    with pytest.raises(ConfigError, match="LIANBAN_DATA_KEYS must be set in production"):
        data_keyring(tmp_path, sandbox=False)


def test_configured_keys_first_encrypts_all_decrypt(tmp_path: Path) -> None:
    ring = data_keyring(tmp_path, sandbox=False, configured=spec(KEY_2026, KEY_2025))
    assert ring.key_ids == ["2026", "2025"] and ring.current == KEY_2026


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ("2026", "key 1: expected kid:base64key"),
        ("2026:not base64!", "key 1"),
        (f"2026:{base64.b64encode(bytes(20)).decode()}", "20 bytes"),
        (f"{KEY_2026.spec},{KEY_2026.spec}", "appears twice"),
        ("bad id:" + base64.b64encode(bytes(32)).decode(), "key id"),
    ],
)
def test_malformed_keys_name_the_variable_never_the_key(
    tmp_path: Path, configured: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        data_keyring(tmp_path, sandbox=False, configured=configured)
    assert str(caught.value).startswith("LIANBAN_DATA_KEYS")
    assert KEY_2026.spec.partition(":")[2] not in str(caught.value)


def test_the_cipher_must_match_the_first_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LIANBAN_DATA_CIPHER must be aes or sm4"):
        data_keyring(tmp_path, sandbox=False, configured=spec(KEY_2025), cipher="des")
    if sm4_available():
        with pytest.raises(ConfigError, match="first key '2025' is for aes256gcm"):
            data_keyring(tmp_path, sandbox=False, configured=spec(KEY_2025), cipher="sm4")
        sm4 = DataKey.generate("gm-1", Algorithm.SM4_GCM)
        assert data_keyring(tmp_path, False, spec(sm4, KEY_2025), "sm4").current == sm4
    else:
        with pytest.raises(ConfigError, match="cannot do sm4gcm"):
            data_keyring(tmp_path, sandbox=False, configured=spec(KEY_2025), cipher="sm4")


def test_a_sandbox_makes_its_key_once_and_keeps_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIANBAN_DATA_KEYS", raising=False)
    monkeypatch.delenv("LIANBAN_DATA_CIPHER", raising=False)
    first = data_keyring(tmp_path, sandbox=True)
    again = data_keyring(tmp_path, sandbox=True)
    assert first.current == again.current and first.current.algorithm is Algorithm.AES_256_GCM
    path = tmp_path / "sandbox-data-aes256gcm.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [path]  # no draft left behind


# ---------------------------------------------------------------- which values the columns seal


@pytest.fixture(scope="module")
def crypt() -> FieldEncryption:
    return FieldEncryption(DataKeyring([KEY_2025]), ProtectedKeys.of(default_catalogue()))


def test_the_dictionary_protects_every_directly_identifying_type() -> None:
    catalogue = default_catalogue()
    keys = ProtectedKeys.of(catalogue).fields
    personal_types = {
        FieldType.ID_NUMBER,
        FieldType.NAME,
        FieldType.MOBILE,
        FieldType.PHONE,
        FieldType.EMAIL,
        FieldType.ADDRESS,
        FieldType.BANK_ACCOUNT,
    }
    for key, definition in catalogue.fields.items():
        if definition.type in personal_types or definition.sensitivity is Sensitivity.SENSITIVE:
            assert key in keys, key
    for readable in ("person.birth_date", "person.gender", "employment.work_region", "employment.start_date"):
        assert readable not in keys


def test_a_form_seals_personal_values_and_keeps_the_rest_readable(crypt: FieldEncryption) -> None:
    column = ProtectedJSON("cases.form", Shape.FORM)
    form = {
        "person.id_number": ID_NUMBER,
        "person.name": NAME,
        "person.residence_address": {"region": "420111", "detail": "珞狮路122号"},
        "person.birth_date": "2004-05-12",
        "employment.work_region": "420111",
        "application.remarks": "enc:v1:typed by the applicant",
        "person.mobile": None,
    }
    stored = column.seal(form, crypt)
    assert all(is_sealed(stored[k]) for k in ("person.id_number", "person.name", "person.residence_address"))
    assert stored["person.birth_date"] == "2004-05-12" and stored["employment.work_region"] == "420111"
    assert is_sealed(stored["application.remarks"])  # looks sealed, so it is sealed: never misread
    assert stored["person.mobile"] is None
    assert column.open(stored, crypt) == form
    assert not column.stale(stored, crypt)
    assert column.stale(form, crypt)  # a row written before encryption


def test_an_employers_rows_seal_each_employee(crypt: FieldEncryption) -> None:
    column = ProtectedJSON("cases.form", Shape.FORM)
    form = {
        "employer.uscc": "91370303MA3C0000X1",
        "employees": [
            {"person.id_number": ID_NUMBER, "person.name": NAME, "employment.start_date": "2026-11-02"},
            {"person.id_number": "422801199908170159", "person.name": "向宇航"},
        ],
    }
    stored = column.seal(form, crypt)
    assert stored["employer.uscc"] == "91370303MA3C0000X1"
    rows = stored["employees"]
    assert is_sealed(rows[0]["person.id_number"]) and is_sealed(rows[1]["person.name"])
    assert rows[0]["employment.start_date"] == "2026-11-02"
    assert column.open(stored, crypt) == form
    swapped = {**stored, "employees": [rows[1], rows[0]]}  # one employee's values moved to another row
    with pytest.raises(FieldCryptError, match=r"employees\.0\.person\.id_number"):
        column.open(swapped, crypt)


def test_a_payload_seals_by_the_department_field_names(crypt: FieldEncryption) -> None:
    column = ProtectedJSON("case_items.payload", Shape.PAYLOAD)
    payload = {"AAC002": ID_NUMBER, "AAC003": NAME, "AAC004": "2", "employment_region": "130104"}
    stored = column.seal(payload, crypt)
    assert is_sealed(stored["AAC002"]) and is_sealed(stored["AAC003"])
    assert stored["AAC004"] == "2" and stored["employment_region"] == "130104"
    assert column.open(stored, crypt) == payload


def test_a_postal_address_is_sealed_whole(crypt: FieldEncryption) -> None:
    column = ProtectedJSON("deliveries.address", Shape.WHOLE)
    address = {"region": "420111", "detail": "珞狮路122号武汉理工大学南湖校区学生公寓9栋"}
    stored = column.seal(address, crypt)
    assert is_sealed(stored) and column.open(stored, crypt) == address
    assert column.open(address, crypt) == address  # written before encryption: read as it is
    assert column.seal(None, crypt) is None
