"""The platform's e-certificate signature (电子证照签章): PAdES (ETSI EN 319 142, baseline B-B) with
pyHanko, by the platform's key and certificate.

Production names them: ``LIANBAN_CERTIFICATE_KEY`` (a PEM private key file) and
``LIANBAN_CERTIFICATE_CERT`` (its PEM certificate, then the chain up to the issuing CA); the start
check refuses production without both, or with a key that is not the certificate's. A sandbox (and
``lianban demo``) makes a self-signed certificate once into the data directory.

Algorithm: ECDSA over P-256 with SHA-256. The machine's OpenSSL knows SM2 (GB/T 32918), but
pyHanko signs through pyca/cryptography, which exposes no SM2 signing — so no SM2/SM3 signature
can be made here; a deployment whose certificate authority issues SM2 certificates needs a signer
that can (a 国密 signing server), which is where :class:`CertificateSigner` would plug in.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lianban.config import ConfigError

if TYPE_CHECKING:  # pyhanko is imported where a PDF is signed: a second of every process's start
    from pyhanko.sign import signers

ALGORITHM = "ECDSA P-256 / SHA-256（PAdES B-B）"
SANDBOX_KEY = "sandbox-certificate.key"
SANDBOX_CERT = "sandbox-certificate.pem"


@dataclass(frozen=True)
class CertificateSigner:
    """Signs a PDF with the platform's key; ``certificate_pem`` is what verifiers trust."""

    signer: signers.SimpleSigner
    certificate_pem: bytes
    subject: str

    def sign(self, pdf: bytes, reason: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name="LianbanSeal",
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location="联办平台",
        )
        out = signers.sign_pdf(writer, meta, signer=self.signer)
        signed: bytes = out.getvalue()
        return signed


def _sandbox_files(data_dir: Path) -> tuple[Path, Path]:
    """A self-signed certificate made once for the sandbox (never for production)."""
    key_path, cert_path = data_dir / SANDBOX_KEY, data_dir / SANDBOX_CERT
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    data_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "联办平台（沙箱）"),
            x509.NameAttribute(NameOID.COMMON_NAME, "联办平台电子证照签章（沙箱自签名）"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def certificate_files(
    data_dir: Path, sandbox: bool, key: Path | None, cert: Path | None
) -> tuple[Path, Path]:
    """The key and certificate files to sign with; a ``ConfigError`` naming what is missing."""
    if key is not None and cert is not None:
        for variable, path in (("LIANBAN_CERTIFICATE_KEY", key), ("LIANBAN_CERTIFICATE_CERT", cert)):
            if not path.is_file():
                raise ConfigError(f"{variable}: {path} is not a readable file")
        return key, cert
    if key is not None or cert is not None:
        raise ConfigError(
            "LIANBAN_CERTIFICATE_KEY and LIANBAN_CERTIFICATE_CERT are set together or not at all"
        )
    if not sandbox:
        raise ConfigError(
            "LIANBAN_CERTIFICATE_KEY and LIANBAN_CERTIFICATE_CERT are not set: production signs "
            "e-certificates (电子证照) with the platform's own key and certificate"
        )
    return _sandbox_files(data_dir)


@cache
def load_signer(key: Path, cert: Path) -> CertificateSigner:
    """The signer of these files (read once per process); a ``ConfigError`` if they do not go together."""
    from pyhanko.sign import signers

    try:
        simple = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=None)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise ConfigError(f"LIANBAN_CERTIFICATE_KEY/_CERT cannot be used: {type(exc).__name__}") from exc
    if simple is None:
        raise ConfigError("LIANBAN_CERTIFICATE_KEY/_CERT cannot be read as PEM key and certificate")
    pem = cert.read_bytes()
    loaded = x509.load_pem_x509_certificate(pem)
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != loaded.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise ConfigError("LIANBAN_CERTIFICATE_KEY is not the key of LIANBAN_CERTIFICATE_CERT")
    return CertificateSigner(simple, pem, loaded.subject.rfc4514_string())


def platform_signer(data_dir: Path, sandbox: bool, key: Path | None, cert: Path | None) -> CertificateSigner:
    return load_signer(*certificate_files(data_dir, sandbox, key, cert))
