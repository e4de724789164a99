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
        if not hasattr(spec, "openapi_types"):
            raise ValidationError(f"PodTemplate.pod_spec must be a kubernetes.client.V1PodSpec or a dict, not "
                                  f"{type(spec).__name__}", hint="pip install 'autoc[kubernetes]' for V1PodSpec")
        return _to_api_json(spec)

    def to_dict(self) -> Dict[str, Any]:
        """The template as plain data; a container's ImageSpec stays an ImageSpec (translation resolves it)."""
        return {"pod_spec": self.pod_spec_dict(), "primary_container_name": self.primary_container_name,
                "labels": self.labels, "annotations": self.annotations}

    def version_hash(self) -> str:
        """A digest of the template; a container's ImageSpec counts by its image name (as flytekit)."""
        import hashlib
        import json

        data = json.dumps(self.to_dict(), sort_keys=True, default=_image_name)
        return hashlib.sha256(data.encode()).hexdigest()


def _image_name(value: Any) -> str:
    if hasattr(value, "image_name"):
        return value.image_name()
    raise TypeError(f"{type(value).__name__} in a pod template is not JSON serializable")


def _to_api_json(obj: Any) -> Any:
    """A Kubernetes client object as the API's JSON (camelCase keys, no None values), like the client's
    ``ApiClient.sanitize_for_serialization``, except that an ImageSpec (a container's ``image``) is kept as is."""
    import datetime

    if obj is None or isinstance(obj, (str, int, float, bool, bytes)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [_to_api_json(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _to_api_json(v) for k, v in obj.items()}
    if isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    if hasattr(obj, "openapi_types"):
        return {obj.attribute_map[name]: _to_api_json(getattr(obj, name)) for name in obj.openapi_types
                if getattr(obj, name) is not None}
    return obj  # an ImageSpec


def pod_spec_from_resources(primary_container_name: Optional[str] = None, requests=None, limits=None,
                            k8s_gpu_resource_key: str = "nvidia.com/gpu"):
    """A ``V1PodSpec`` whose one container asks for ``requests`` and ``limits`` (each defaults to the other), as
    flytekit's helper of the same name builds it for plugins (needs ``autoc[kubernetes]``)."""
    from kubernetes.client import V1Container, V1PodSpec, V1ResourceRequirements

    keys = {"cpu": "cpu", "mem": "memory", "gpu": k8s_gpu_resource_key, "ephemeral_storage": "ephemeral-storage"}

    def quantities(r) -> Optional[Dict[str, str]]:
        return None if r is None else {keys[f]: v for f, v in r.entries()}

    req, lim = quantities(requests), quantities(limits)
    req, lim = req or lim, lim or req
    return V1PodSpec(containers=[V1Container(name=primary_container_name,
                                             resources=V1ResourceRequirements(requests=req, limits=lim))])
