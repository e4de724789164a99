"""PodTemplate: a Kubernetes pod spec the task's primary container is merged into."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional

from autoc.errors import ValidationError

PRIMARY_CONTAINER_DEFAULT_NAME = "primary"


@dataclasses.dataclass(init=True, repr=True, eq=True, frozen=False)
class PodTemplate:
    """``pod_spec`` is a ``kubernetes.client.V1PodSpec`` (optional extra ``autoc[kubernetes]``) or a plain dict in
    the Kubernetes API's camelCase form."""

    pod_spec: Optional[Any] = None
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME
    labels: Optional[Dict[str, str]] = None
    annotations: Optional[Dict[str, str]] = None

    def __post_init__(self):
        if self.pod_spec is None:
            self.pod_spec = {"containers": []}
        if not self.primary_container_name:
            raise ValidationError("A primary container name cannot be undefined",
                                  hint='PodTemplate(primary_container_name="primary", ...)')

    def pod_spec_dict(self) -> Dict[str, Any]:
        """The pod spec as the Kubernetes API's JSON (camelCase keys, no None values)."""
        spec = self.pod_spec
        if isinstance(spec, dict):
            import copy

            return copy.deepcopy(spec)
        try:
            from kubernetes.client import ApiClient
        except ImportError:
            raise ValidationError("PodTemplate.pod_spec is a Kubernetes object but the kubernetes client is not "
                                  "installed", hint="pip install 'autoc[kubernetes]', or pass pod_spec as a dict")
        return ApiClient().sanitize_for_serialization(spec)

    def to_dict(self) -> Dict[str, Any]:
        return {"pod_spec": self.pod_spec_dict(), "primary_container_name": self.primary_container_name,
                "labels": self.labels, "annotations": self.annotations}

    def version_hash(self) -> str:
        import hashlib
        import json

        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()
