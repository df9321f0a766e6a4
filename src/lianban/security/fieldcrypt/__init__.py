"""Field encryption at rest (个人信息加密存储): personal values in the case tables are stored encrypted.

PIPL art. 28 and 51 ask that sensitive personal information (敏感个人信息) be stored encrypted. The
field dictionary (``catalog/data/fields.yaml``) says which values that is: every field marked
``sensitivity: sensitive`` (ID numbers, bank accounts, hukou data) and every field marked
``identifying: true`` (names, phone numbers, e-mail, addresses: what directly identifies a person).
Everything else stays readable, so statistics can still count by region code or date.

Three parts, one job each:

* :mod:`~lianban.security.fieldcrypt.cipher` — the data keys, AES-256-GCM or SM4-GCM (国密), and the
  stored form ``enc:v1:<alg>:<kid>:<base64(nonce | ciphertext | tag)>``, bound by its associated
  data to the column and the field's path (``cases.form/person.id_number``,
  ``cases.form/employees.2.person.name``): a value copied to another field, or another column, does
  not decrypt. It does not name the row (a column type cannot see it): a value copied to the same
  field of another case still decrypts;
* :mod:`~lianban.security.fieldcrypt.keys` — the key ring (密钥环) from ``LIANBAN_DATA_KEYS`` and the
  cipher from ``LIANBAN_DATA_CIPHER``; the first key encrypts, every key decrypts, so keys rotate: put
  a new key first, run ``lianban data rekey`` (:mod:`lianban.cases.rekey`), then drop the old one. A
  value whose key is no longer in the ring is an error naming the key id;
* :mod:`~lianban.security.fieldcrypt.column` — :class:`ProtectedJSON`, the column type of
  ``cases.form``, ``case_items.payload`` and ``deliveries.address``: it encrypts on the way into the
  database and decrypts on the way out, so the code that files, dispatches, corrects and delivers
  never sees a ciphertext.

Rotate to a new key well before 2**32 values under one key — yearly is plenty at a province's volume.

Written here, on the ``cryptography`` library's AES-GCM and SM4-GCM: what is ours is the envelope
(header, AAD, key ring) and which values to seal — no library knows the field dictionary, and the
column-encryption types on PyPI encrypt a whole column under one key, without rotation or AAD.
"""

from lianban.security.fieldcrypt.cipher import (
    KEY_BYTES,
    KEYS_VARIABLE,
    NONCE_BYTES,
    PREFIX,
    TAG_BYTES,
    Algorithm,
    DataKey,
    DataKeyring,
    FieldCryptError,
    is_sealed,
)
from lianban.security.fieldcrypt.column import (
    FieldEncryption,
    ProtectedJSON,
    ProtectedKeys,
    SealedText,
    Shape,
    field_encryption,
    use_field_encryption,
)
from lianban.security.fieldcrypt.keys import (
    CIPHER_VARIABLE,
    CIPHERS,
    cipher_of,
    data_keyring,
    require_supported,
)

__all__ = [
    "CIPHERS",
    "CIPHER_VARIABLE",
    "KEYS_VARIABLE",
    "KEY_BYTES",
    "NONCE_BYTES",
    "PREFIX",
    "TAG_BYTES",
    "Algorithm",
    "DataKey",
    "DataKeyring",
    "FieldCryptError",
    "FieldEncryption",
    "ProtectedJSON",
    "ProtectedKeys",
    "SealedText",
    "Shape",
    "cipher_of",
    "data_keyring",
    "field_encryption",
    "is_sealed",
    "require_supported",
    "use_field_encryption",
]
