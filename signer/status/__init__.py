"""What the signer publishes about the registry: signed checkpoints and status snapshots."""
