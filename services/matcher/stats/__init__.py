"""Supply-demand figures (求人倍率) and the partner-province recruiting view, read from both indexes."""
