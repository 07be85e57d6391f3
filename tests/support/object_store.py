"""The S3-compatible test server (SeaweedFS) lives with the dev tools: see alertas_dev.object_store."""

from alertas_dev.object_store import ACCESS_KEY, CONN_ID, SECRET_KEY, ObjectStore, seaweedfs

__all__ = ["ACCESS_KEY", "CONN_ID", "SECRET_KEY", "ObjectStore", "seaweedfs"]
