"""Access control and personal-data protection: roles, API keys, the deployment secret, masking, audit."""
