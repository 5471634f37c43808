"""The partner-province exchange's outbound feeds (README "Partner exchange")."""
