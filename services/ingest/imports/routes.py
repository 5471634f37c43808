"""Import API: upload a file (202, the import runs in the background), follow a job, list jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from services.ingest.imports.detect import ImportRefused, ZipLimits, detect
from services.ingest.imports.jobs import STATE_KIND, ImportJob, is_job_id, load, new_job_id, now, save
from services.ingest.imports.mapping import NAME_PATTERN, load_mapping, mappings_dir
from services.ingest.imports.models import ImportAccepted, ImportList, ImportStatus, ImportSummary
from services.ingest.imports.runner import RUNS, ImportContext, spool_dir, spool_path
from services.ingest.imports.upload import Upload, spool_upload
from services.ingest.imports.vocabulary import Kind
from shared.domain.inputs import is_source_code
from shared.domain.problems import Problem, shown
from shared.errors import BackendUnavailable, BadRequest, InvalidRequest, NotFound
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.security.secret import private_directory
from shared.settings import Settings
from shared.web.access import AccessControl, requires
from shared.web.deps import EventLogDep, SettingsDep, StateStoreDep
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, ErrorResponse, error_responses

IMPORTS_PATH = "/v1/imports"
router = APIRouter(prefix="/v1", tags=["imports"], responses=COMMON_ERRORS)
ImportingKey = Annotated[Principal, Depends(requires(Permission.IMPORTS))]

_KINDS: tuple[Kind, ...] = ("postings", "seekers")
_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "kind"],
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "XLSX, CSV (UTF-8, GBK/GB18030) or NDJSON",
        },
        "kind": {"type": "string", "enum": list(_KINDS)},
        "source": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
            "description": "the records' source; required unless the mapping names one (SOURCE_REQUIRED)",
        },
        "mapping": {"type": "string", "pattern": f"^{NAME_PATTERN}$", "description": "a mapping file's name"},
    },
}


_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **error_responses(400, 413, 415, 422),
    400: {
        "model": ErrorResponse,
        "description": "a plainly unusable file or form (EMPTY_FILE, UNKNOWN_ENCODING, "
        "UNSUPPORTED_FORMAT, XLSX_ENCRYPTED, XLS_UNSUPPORTED, XLSX_UNREADABLE, XLSX_ZIP_BOMB, SOURCE_REQUIRED, "
        "UNKNOWN_MAPPING, MAPPING_INVALID, MAPPING_KIND_MISMATCH)",
    },
    413: {
        "model": ErrorResponse,
        "description": "file larger than JOBMATCH_MAX_IMPORT_BYTES (PAYLOAD_TOO_LARGE)",
    },
    415: {"model": ErrorResponse, "description": "body is not multipart/form-data (UNSUPPORTED_MEDIA_TYPE)"},
    422: {
        "model": ErrorResponse,
        "description": "a malformed multipart body (MALFORMED_MULTIPART) or a form field "
        "failing its constraint (VALIDATION_FAILED)",
    },
}


def _field_problem(field: str, code: str, message: str) -> InvalidRequest:
    return InvalidRequest("请求参数无效", details=[Problem.of(field, code, message).model_dump()])


def _checked_form(upload: Upload) -> tuple[Kind, str | None, str | None]:
    if not upload.has_file:
        raise _field_problem("file", "REQUIRED", "必填：要导入的文件")
    kind = upload.fields.get("kind", "")
    if not kind:
        raise _field_problem("kind", "REQUIRED", "必填")
    if kind not in _KINDS:
        raise _field_problem("kind", "NOT_ALLOWED", "取值应为「postings、seekers」之一")
    source = upload.fields.get("source") or None
    if source is not None and not is_source_code(source):
        raise _field_problem("source", "BAD_FORMAT", "格式不正确")
    return kind, source, upload.fields.get("mapping") or None


def _prepared_job(upload: Upload, settings: Settings, job_id: str) -> ImportJob:
    """The job for a spooled upload, or the 400 / 422 that says why the file or the form is unusable."""
    kind, source, mapping_name = _checked_form(upload)
    mapping = load_mapping(mapping_name, directory=mappings_dir(settings.import_mappings_dir), kind=kind)
    source = source or mapping.source
    if not source:
        raise BadRequest("请给出记录的来源（source），或使用指定了来源的导入映射", code="SOURCE_REQUIRED")
    limits = ZipLimits(settings.import_max_unzipped_bytes, settings.import_max_zip_ratio)
    try:
        detected = detect(spool_path(settings, job_id), limits)
    except ImportRefused as exc:
        raise BadRequest(exc.message, code=exc.code) from None
    started = now()
    return ImportJob(
        id=job_id,
        kind=kind,
        source=source,
        mapping=mapping_name,
        format=detected.format,
        encoding=detected.encoding,
        filename=upload.filename,
        size_bytes=upload.size,
        started_at=started,
        heartbeat_at=started,
    )


def _spool_directory(settings: Settings) -> None:
    try:
        private_directory(spool_dir(settings))
    except OSError as exc:  # a read-only or full disk: the operator's to fix, the caller's to retry
        raise BackendUnavailable(f"imports directory {spool_dir(settings)}: {exc}") from None


def _start(job: ImportJob, context: ImportContext) -> None:
    save(context.state, job)
    RUNS.start(job, context)


@router.post(
    "/imports",
    status_code=202,
    summary="Import a file of postings or seekers",
    description="The file is read row by row in the background; follow the job at GET /v1/imports/{id}. "
    "The format is told from the bytes. At most JOBMATCH_MAX_IMPORT_BYTES (413 PAYLOAD_TOO_LARGE).",
    openapi_extra={
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _UPLOAD_SCHEMA}}}
    },
    responses=_UPLOAD_ERRORS,
)
async def create_import(
    request: Request,
    settings: SettingsDep,
    event_log: EventLogDep,
    state: StateStoreDep,
    principal: ImportingKey,
) -> ImportAccepted:
    job_id = new_job_id(now())
    await run_in_threadpool(_spool_directory, settings)
    path = spool_path(settings, job_id)
    upload = await spool_upload(
        request.headers.get("content-type", ""), request.stream(), path, limit=settings.max_import_bytes
    )
    access: AccessControl = request.app.state.access
    context = ImportContext(
        event_log=event_log, state=state, settings=settings, id_number_hash=access.id_numbers.hexdigest
    )
    try:
        job = await run_in_threadpool(_prepared_job, upload, settings, job_id)
        await run_in_threadpool(_start, job, context)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ImportAccepted(id=job.id, status="running")


@router.get(
    "/imports/{import_id}",
    summary="An import job: its progress, counts and row errors",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def get_import(
    import_id: str, settings: SettingsDep, state: StateStoreDep, principal: ImportingKey
) -> ImportStatus:
    job = load(state, import_id) if is_job_id(import_id) else None
    if job is None:
        raise NotFound(f"没有导入任务 {shown(import_id)}", code="IMPORT_NOT_FOUND")
    return ImportStatus.of(job, stale_after_s=settings.import_stale_after_s)


@router.get("/imports", summary="Import jobs, newest first", responses=PARAMETER_ERRORS)
def list_imports(
    settings: SettingsDep,
    state: StateStoreDep,
    principal: ImportingKey,
    after: Annotated[str | None, Query(max_length=40, description="the last id of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ImportList:
    found = state.list(STATE_KIND, after=after, limit=limit + 1, descending=True)
    jobs = [ImportJob.model_validate(item.doc) for item in found[:limit]]
    items = [ImportSummary.of(job, stale_after_s=settings.import_stale_after_s) for job in jobs]
    return ImportList(items=items, next=jobs[-1].id if len(found) > limit else None)
