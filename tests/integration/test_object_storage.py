"""Media and private files on S3-compatible object storage: a local S3 server
(moto's server mode, on a free port of this machine) stands in for the bucket,
and the settings are the ones ``DOORSTEP_S3_BUCKET`` turns on. Nothing leaves
the machine."""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from moto.server import ThreadedMotoServer

from doorstep.catalog import services as catalog
from doorstep.catalog.tests.images import image_bytes, upload
from doorstep.core.storage import PrivateS3Storage, PublicS3Storage, signed_url
from doorstep.core.storage_conf import s3_storages
from doorstep.trust import services as trust
from doorstep.trust.models import ProviderDocument
from doorstep.trust.tests.conftest import id_requirement, pdf_upload
from tests.factories import make_listing, make_provider, make_user

pytestmark = pytest.mark.django_db

BUCKET = "doorstep-media"
PRIVATE_BUCKET = "doorstep-private"


class _Env:
    """What ``environ.Env`` answers for the variables ``s3_storages`` reads."""

    def __init__(self, values: dict[str, str]):
        self.values = values

    def str(self, name, default=None):
        return self.values.get(name, default)

    def int(self, name, default=None):
        return int(self.values[name]) if name in self.values else default


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = _client(endpoint)
    client.create_bucket(Bucket=BUCKET)
    # What docs/deploy.md asks of the media bucket: anyone may read media/.
    client.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
                    }
                ],
            }
        ),
    )
    client.create_bucket(Bucket=PRIVATE_BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def on_s3(settings, s3_endpoint, monkeypatch):
    """Settings as production's with a bucket named; fields whose storage was
    resolved when the models were imported are pointed at the new one."""
    entries = s3_storages(
        _Env(
            {
                "DOORSTEP_S3_BUCKET": BUCKET,
                "DOORSTEP_S3_PRIVATE_BUCKET": PRIVATE_BUCKET,
                "DOORSTEP_S3_ENDPOINT_URL": s3_endpoint,
                "DOORSTEP_S3_REGION": "us-east-1",
                "DOORSTEP_S3_ACCESS_KEY_ID": "test",
                "DOORSTEP_S3_SECRET_ACCESS_KEY": "test",
                "DOORSTEP_S3_ADDRESSING_STYLE": "path",
            }
        )
    )
    settings.STORAGES = {**settings.STORAGES, **entries}
    settings.DOORSTEP_PRIVATE_URL_SECONDS = 60
    field = ProviderDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", storages["documents"])
    return s3_endpoint


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_the_settings_put_media_and_private_files_in_their_buckets(on_s3):
    assert isinstance(storages["default"], PublicS3Storage)
    assert default_storage.url("a.webp") == f"{on_s3}/{BUCKET}/media/a.webp"
    assert isinstance(storages["documents"], PrivateS3Storage)
    assert storages["documents"].bucket_name == PRIVATE_BUCKET


def test_a_listing_photo_goes_to_the_bucket_and_is_read_back(on_s3):
    provider = make_provider()
    listing = make_listing(provider=provider, status="draft")
    photo = catalog.add_listing_photo(
        actor=provider.user,
        listing_id=listing.public_id,
        upload=upload(image_bytes("JPEG", (640, 480))),
    )
    # Stored in the bucket under media/, not on disk.
    assert isinstance(photo.image.storage, PublicS3Storage)
    objects = _client(on_s3).list_objects_v2(Bucket=BUCKET)["Contents"]
    keys = {item["Key"] for item in objects}
    assert f"media/{photo.image.name}" in keys
    assert f"media/{photo.thumbnail.name}" in keys
    # Read back through the storage API, and by its plain (unsigned) URL.
    with photo.image.open("rb") as stored:
        body = stored.read()
    assert body[:4] == b"RIFF"
    assert body[8:12] == b"WEBP"
    url = photo.image.url
    assert url.startswith(f"{on_s3}/{BUCKET}/media/")
    assert "X-Amz-Signature" not in url
    status, fetched, _headers = _get(url)
    assert status == 200
    assert fetched == body


def test_a_private_document_gets_a_presigned_url_that_works_then_expires(on_s3):
    provider = make_provider()
    document = trust.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    assert document.file.name
    assert isinstance(document.file.storage, PrivateS3Storage)
    # The object is in the private bucket, under private/, granted to nobody else.
    acl = _client(on_s3).get_object_acl(
        Bucket=PRIVATE_BUCKET, Key=f"private/{document.file.name}"
    )
    assert all("URI" not in grant["Grantee"] for grant in acl["Grants"])
    plain = f"{on_s3}/{PRIVATE_BUCKET}/private/{document.file.name}"
    assert _get(plain)[0] == 403
    # The presigned URL serves it, as an attachment, never cached.
    url = signed_url(
        document.file,
        filename="doc.pdf",
        content_type="application/pdf",
    )
    assert url is not None
    query = urlsplit(url).query
    assert "X-Amz-Signature=" in query
    assert "X-Amz-Expires=60" in query
    status, body, headers = _get(url)
    assert status == 200
    assert body.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == 'attachment; filename="doc.pdf"'
    assert headers["Cache-Control"] == "private, no-store"
    # It expires: signed now, for the configured lifetime. (moto's server does
    # not check a presigned URL's signature or age; S3, MinIO and the others do
    # and answer 403 past X-Amz-Date + X-Amz-Expires.)
    params = parse_qs(query)
    signed_at = datetime.strptime(params["X-Amz-Date"][0] + "+0000", "%Y%m%dT%H%M%SZ%z")
    assert abs((signed_at - datetime.now(UTC)).total_seconds()) < 5
    short = signed_url(document.file, filename="doc.pdf", expires_in=1)
    assert parse_qs(urlsplit(short).query)["X-Amz-Expires"] == ["1"]


def test_the_owner_is_redirected_to_a_fresh_presigned_url_others_get_nothing(
    on_s3, client
):
    provider = make_provider()
    document = trust.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    path = reverse("trust:document_file", args=[document.public_id])
    client.force_login(make_user())
    assert client.get(path).status_code in (403, 404)
    client.force_login(provider.user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    status, body, headers = _get(response["Location"])
    assert status == 200
    assert body.startswith(b"%PDF-")
    assert headers["Content-Disposition"].startswith("attachment")
