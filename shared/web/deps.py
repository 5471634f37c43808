"""Typed FastAPI dependencies: what a route may ask for, as ``Annotated`` aliases.

A route names what it needs (``postings: PostingsIndexDep``); the backend
comes from the ``Backends`` the app's lifespan opened. Asking for a backend the
service does not declare raises ``BackendNotOpened`` (a test catches it),
not an ``assert`` that ``python -O`` would strip.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.adapters.backends import Backends
from shared.ports.audit_log import AuditLog
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.ports.state_store import StateStore
from shared.settings import Settings


def get_backends(request: Request) -> Backends:
    backends: Backends = request.app.state.backends
    return backends


BackendsDep = Annotated[Backends, Depends(get_backends)]


def get_settings(backends: BackendsDep) -> Settings:
    return backends.settings


def get_event_log(backends: BackendsDep) -> EventLog:
    return backends.event_log


def get_postings_index(backends: BackendsDep) -> SearchIndex:
    return backends.postings


def get_seekers_index(backends: BackendsDep) -> SearchIndex:
    return backends.seekers


def get_audit_log(backends: BackendsDep) -> AuditLog:
    return backends.audit


def get_state_store(backends: BackendsDep) -> StateStore:
    return backends.state


SettingsDep = Annotated[Settings, Depends(get_settings)]
EventLogDep = Annotated[EventLog, Depends(get_event_log)]
PostingsIndexDep = Annotated[SearchIndex, Depends(get_postings_index)]
SeekersIndexDep = Annotated[SearchIndex, Depends(get_seekers_index)]
AuditLogDep = Annotated[AuditLog, Depends(get_audit_log)]
StateStoreDep = Annotated[StateStore, Depends(get_state_store)]
