"""The tamper-evident audit record: hash chains over the audit tables, a verifier, signed checkpoints, proofs."""
