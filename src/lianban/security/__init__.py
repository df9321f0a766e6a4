"""The security room: identities, roles and signed tokens (``tokens``), signed department
exchanges with key rotation (``signing``), and personal data encrypted at rest (``fieldcrypt``,
个人信息加密存储: AES-256-GCM or 国密 SM4-GCM, keys rotated with ``lianban data rekey``)."""
