"""The S3-compatible object store that can hold campaign archives (AWS S3, MinIO, R2, Ceph, ...).

Every boto3 call of the project goes through this module, and every failure
comes out as one `S3Error` whose `permanent` flag says whether trying again can
help: a wrong bucket or refused credentials fail the same way next time, a
timeout or a 5xx may not.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.conf import settings

# Error codes that will come back unchanged until someone fixes the configuration.
PERMANENT_CODES = frozenset({
    "NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidBucketName",
    "AllAccessDisabled", "AccountProblem", "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed",
    "PermanentRedirect", "InvalidRequest", "403", "400",
})
MISSING_CODES = frozenset({"NoSuchKey"})


class S3Error(Exception):
    def __init__(self, message: str, *, permanent: bool, code: str | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def _wrap(exc: Exception, action: str) -> S3Error:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return S3Error(f"S3 {action}: {code or status} {error.get('Message', '')}".strip(),
                       permanent=code in PERMANENT_CODES, code=code)
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):  # refused, timed out, reset mid-read
        return S3Error(f"S3 {action}: cannot reach the endpoint ({exc})", permanent=False)
    # Anything else from botocore before a request is sent (no credentials, bad endpoint URL).
    return S3Error(f"S3 {action}: {exc}", permanent=True)


class S3Bucket:
    """One bucket; keys are relative to the configured prefix."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 addressing_style: str = "auto", timeout: float = 30):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        # Credentials left empty fall through to boto3's own chain (AWS_* variables, instance role).
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None,
            config=Config(s3={"addressing_style": addressing_style}, connect_timeout=timeout, read_timeout=timeout,
                          retries={"max_attempts": 4, "mode": "standard"}),
        )

    @classmethod
    def from_settings(cls) -> S3Bucket:
        return cls(settings.SOCAP_ARCHIVE_S3_BUCKET, prefix=settings.SOCAP_ARCHIVE_S3_PREFIX,
                   endpoint_url=settings.SOCAP_ARCHIVE_S3_ENDPOINT_URL, region=settings.SOCAP_ARCHIVE_S3_REGION,
                   access_key_id=settings.SOCAP_ARCHIVE_S3_ACCESS_KEY_ID,
                   secret_access_key=settings.SOCAP_ARCHIVE_S3_SECRET_ACCESS_KEY,
                   addressing_style=settings.SOCAP_ARCHIVE_S3_ADDRESSING_STYLE)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def url(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"

    def exists(self, name: str) -> bool:
        # GET, not HEAD: a HEAD answer has no body, so a missing bucket would look like a missing key.
        try:
            self.client.get_object(Bucket=self.bucket, Key=self.key(name), Range="bytes=0-0")
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in MISSING_CODES:
                return False
            raise _wrap(exc, f"read of {self.url(name)}") from exc
        except (BotoCoreError, ValueError) as exc:
            raise _wrap(exc, f"read of {self.url(name)}") from exc
        return True

    def upload(self, path: Path, name: str) -> None:
        try:
            self.client.upload_file(str(path), self.bucket, self.key(name))
        except (ClientError, BotoCoreError, ValueError) as exc:
            raise _wrap(exc, f"upload to {self.url(name)}") from exc
        except S3UploadFailedError as exc:
            # upload_file hides the ClientError in its message; its cause still carries the code.
            cause = exc.__cause__ or exc.__context__
            raise (_wrap(cause, f"upload to {self.url(name)}") if cause else
                   S3Error(f"S3 upload to {self.url(name)}: {exc}", permanent=False)) from exc

    def download(self, name: str, handle: BinaryIO) -> None:
        try:
            self.client.download_fileobj(self.bucket, self.key(name), handle)
        except (ClientError, BotoCoreError, ValueError) as exc:
            raise _wrap(exc, f"download of {self.url(name)}") from exc

    def get_bytes(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"].read()
        except (ClientError, BotoCoreError, ValueError) as exc:
            raise _wrap(exc, f"read of {self.url(name)}") from exc
