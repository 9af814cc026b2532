"""``STORAGES`` entries for S3-compatible object storage, read from the
environment by ``settings.py`` (kept apart from ``doorstep.core.storage`` so that
settings import nothing of Django's models or HTTP). See docs/deploy.md,
"Object storage", and ``doorstep.core.storage`` for what each storage holds."""

from __future__ import annotations

from typing import Any


def s3_storages(env: Any) -> dict[str, dict]:
    """``STORAGES`` entries for S3-compatible storage, from the environment
    (see docs/deploy.md, "Object storage")."""
    bucket = env.str("DOORSTEP_S3_BUCKET")
    common = {
        "endpoint_url": env.str("DOORSTEP_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("DOORSTEP_S3_REGION", default="") or None,
        "access_key": env.str("DOORSTEP_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("DOORSTEP_S3_SECRET_ACCESS_KEY", default="") or None,
        "addressing_style": env.str("DOORSTEP_S3_ADDRESSING_STYLE", default="") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": "doorstep.core.storage.PublicS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": bucket,
                "location": env.str("DOORSTEP_S3_MEDIA_PREFIX", default="media"),
                "custom_domain": env.str("DOORSTEP_S3_MEDIA_DOMAIN", default="")
                or None,
                "querystring_auth": False,
                # The bucket's policy (or the CDN in front) makes media readable;
                # many providers refuse per-object ACLs, so none is sent unless
                # asked for (``public-read`` where the provider takes ACLs).
                "default_acl": env.str("DOORSTEP_S3_MEDIA_ACL", default="") or None,
                "object_parameters": {"CacheControl": "public, max-age=31536000"},
            },
        },
        "documents": {
            "BACKEND": "doorstep.core.storage.PrivateS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": env.str("DOORSTEP_S3_PRIVATE_BUCKET", default=bucket),
                "location": env.str("DOORSTEP_S3_PRIVATE_PREFIX", default="private"),
                "custom_domain": None,
                "querystring_auth": True,
                "querystring_expire": env.int(
                    "DOORSTEP_PRIVATE_URL_SECONDS", default=300
                ),
                "default_acl": "private",
            },
        },
    }
