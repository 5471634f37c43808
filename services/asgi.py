"""The app of one worker process when a service runs several (``JOBMATCH_WORKERS`` > 1).

uvicorn starts each worker as a fresh interpreter and imports this factory;
the CLI names the service in ``JOBMATCH_SERVICE`` and the parent's process id
in ``JOBMATCH_PARENT_PID`` before it starts them.
"""

from __future__ import annotations

import ctypes
import os
import signal

from fastapi import FastAPI

from services.registry import SERVICES
from shared.settings import get_settings
from shared.web.app_factory import create_app
from shared.web.logs import configure_logging

PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """SIGTERM this worker when the supervising parent dies, even by kill -9 (Linux).

    Otherwise an orphaned worker would keep the port and the writer lock, and a restarted
    service would find its data directory taken.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = int(os.environ.get("JOBMATCH_PARENT_PID", "0"))
    if parent and os.getppid() != parent:  # the parent died before the call above
        os.kill(os.getpid(), signal.SIGTERM)


def app() -> FastAPI:
    _stop_with_parent()
    settings = get_settings()
    configure_logging(access_log=settings.access_log)
    return create_app(SERVICES[os.environ["JOBMATCH_SERVICE"]], settings=settings)
