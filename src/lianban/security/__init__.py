"""The security room: identities, roles, signed tokens (more — object-level access, field encryption, signatures, the audit chain — with the cases issue)."""
