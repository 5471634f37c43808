"""What access control costs per request, in process: the key check and the rate limit.

.venv/bin/python benchmarks/bench_access.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.security.keys import KeyStore, create_first_keys
from shared.security.rate_limit import RateLimits
from shared.security.secret import api_key_hash, deployment_secret
from shared.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    count = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), rate_limit_kiosk="100000000/second")
        secret = deployment_secret(settings)
        keys = create_first_keys(settings.keys_path, hasher=api_key_hash(secret), partner_sources=["bench"])
        assert keys is not None
        store, limits = KeyStore(settings.keys_path, secret), RateLimits(settings)
        principal = store.authenticate(keys["kiosk"])
        assert principal is not None
        started = time.perf_counter()
        for _ in range(count):
            store.authenticate(keys["kiosk"])
        checked = time.perf_counter()
        for _ in range(count):
            limits.retry_after(principal)
        limited = time.perf_counter()
    print(f"key check   {(checked - started) / count * 1e6:.1f} µs per request")
    print(f"rate limit  {(limited - checked) / count * 1e6:.1f} µs per request")


if __name__ == "__main__":
    main()
