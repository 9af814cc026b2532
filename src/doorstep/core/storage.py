"""Where uploaded files live: local disk by default, S3-compatible object storage
when ``DOORSTEP_S3_BUCKET`` is set (``django-storages``), through Django's
``STORAGES`` either way.

Two storages matter:

- ``default`` — media anyone may see (listing, review, profile and order photos,
  message pictures, the marketplace's logo): ``MEDIA_ROOT`` served by the web
  server, or the bucket's ``media/`` prefix with plain (unsigned) URLs, optionally
  on a CDN domain (``DOORSTEP_S3_MEDIA_DOMAIN``).
- ``documents`` — private files (identity documents and licences, invoices and
  statements, photos of a job, training certificates, evidence): on disk outside
  ``MEDIA_ROOT`` with no URL at all, or the private bucket's ``private/`` prefix,
  objects written with the ``private`` ACL, reachable only through presigned URLs
  that expire after ``DOORSTEP_PRIVATE_URL_SECONDS``.

Views that hand out a private file check who is asking first, then call
``private_file_response``: on S3 it redirects to a fresh presigned URL (the bytes
come from the bucket, not through a web process); on disk it streams the file.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from storages.backends.s3 import S3Storage


class PublicS3Storage(S3Storage):
    """Media anyone may see: unsigned URLs, names never overwritten."""

    signs_urls = False


class PrivateS3Storage(S3Storage):
    """Private files: every object written ``private``, every URL presigned and
    short-lived, never on the public (CDN) domain."""

    signs_urls = True


def signed_url(
    file: FieldFile,
    *,
    filename: str = "",
    content_type: str = "",
    as_attachment: bool = True,
    expires_in: int | None = None,
) -> str | None:
    """A presigned, expiring URL for a private file, or ``None`` when its storage
    cannot sign one (local disk: stream it instead). Only for a caller that has
    already checked the actor may see the file. The URL fixes how the browser
    receives it (attachment or inline, type, never cached)."""
    storage = file.storage
    if not getattr(storage, "signs_urls", False):
        return None
    parameters = {"ResponseCacheControl": "private, no-store"}
    if content_type:
        parameters["ResponseContentType"] = content_type
    disposition = "attachment" if as_attachment else "inline"
    if filename:
        disposition = f'{disposition}; filename="{filename}"'
    parameters["ResponseContentDisposition"] = disposition
    if expires_in is None:
        expires_in = settings.DOORSTEP_PRIVATE_URL_SECONDS
    return storage.url(file.name, parameters=parameters, expire=expires_in)


def private_file_response(
    file: FieldFile,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
) -> HttpResponse:
    """The private file for a request already allowed to see it: a redirect to
    a presigned URL on S3, the file streamed from disk otherwise. Neither is
    cached by anyone on the way."""
    url = signed_url(
        file,
        filename=filename,
        content_type=content_type,
        as_attachment=as_attachment,
    )
    if url is not None:
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            file.open("rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
