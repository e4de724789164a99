"""Resources and ResourceSpec: what a task requests and is limited to, as Kubernetes quantities.

flytekit passes values through verbatim and crashes on ``cpu=1``; autoc validates every value when it is given
and normalises numbers to valid quantity strings (``0.5`` cpu -> ``"500m"``), which is wire-compatible.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional, Tuple, Union

from autoc.errors import ResourceError

FIELDS = ("cpu", "mem", "gpu", "ephemeral_storage")

_QUANTITY = re.compile(r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
# (exponents, not Decimals: decimal is imported only when a value is parsed, not by every task's cold start)
_DECIMAL = {"n": "1e-9", "u": "1e-6", "m": "1e-3", "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
            "E": 10**18}

ResourceValue = Union[str, int, float, None]


def parse_quantity(text: str) -> Decimal:
    """Value of a Kubernetes quantity string; raises ValueError for anything Kubernetes would reject."""
    from decimal import Decimal

    m = _QUANTITY.match(text.strip())
    if not m:
        raise ValueError(text)
    num = Decimal(m.group("num"))
    suffix = m.group("suffix") or ""
    if suffix in _BINARY:
        return num * _BINARY[suffix]
    if suffix in _DECIMAL:
        return num * Decimal(_DECIMAL[suffix])
    if suffix:
        return num * (Decimal(10) ** int(suffix[1:]))
    return num


def normalize_quantity(field: str, value: Any) -> str:
    """One resource value as the quantity string written on the wire, or ResourceError naming the field."""
    key = (field, value.__class__, value)  # (the class keeps True apart from 1, and 1 from 1.0)
    try:
        return _NORMALIZED[key]
    except (KeyError, TypeError):  # (TypeError: an unhashable value, refused below)
        pass
    text = _normalize_quantity(field, value)
    if len(_NORMALIZED) < 4096:
        _NORMALIZED[key] = text
    return text


#: (field, class, value) -> quantity string: a project repeats the same few values over thousands of tasks
_NORMALIZED: Dict[tuple, str] = {}


def _normalize_quantity(field: str, value: Any) -> str:
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ResourceError(f"{field}={value!r} must be a string or a number",
                            hint='use a Kubernetes quantity such as "500m", "2", "1Gi"')
    if isinstance(value, str):
        text = value.strip()
        try:
            amount = parse_quantity(text)
        except (ValueError, InvalidOperation):
            raise ResourceError(f"{field}={value!r} is not a valid Kubernetes quantity",
                                hint='units are Ki Mi Gi Ti Pi Ei (powers of 2) or k M G T P E and m for milli, '
                                     'e.g. mem="1Gi", cpu="500m" ("GB" is not a Kubernetes unit)') from None
    else:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise ResourceError(f"{field}={value!r} is not a finite number", hint='e.g. cpu=0.5 or cpu="500m"')
        text = _number_to_quantity(field, amount)
    if amount < 0:
        raise ResourceError(f"{field}={value!r} is negative", hint="resource values must be zero or more")
    if field == "gpu" and amount != amount.to_integral_value():
        raise ResourceError(f"gpu={value!r} must be a whole number", hint='ask for whole GPUs, e.g. gpu="1"')
    return text


def _number_to_quantity(field: str, amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    if field == "cpu":
        millis = amount * 1000
        if millis == millis.to_integral_value():
            return f"{int(millis)}m"
    return format(amount.normalize(), "f")


def _check_value(field: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ResourceError(f"{field}={value!r} must be of length 2 (request, limit)")
        for v in value:
            if v is not None:
                normalize_quantity(field, v)
        return
    normalize_quantity(field, value)


@dataclasses.dataclass
class Resources:
    """Requests or limits for one task: ``cpu``, ``mem``, ``gpu``, ``ephemeral_storage``.

    With ``@task(resources=...)`` a 2-tuple means (request, limit); a single value sets the request.
    """

    cpu: Union[str, int, float, list, tuple, None] = None
    mem: Union[str, int, list, tuple, None] = None
    gpu: Union[str, int, list, tuple, None] = None
    ephemeral_storage: Union[str, int, None] = None

    def __post_init__(self):
        for f in FIELDS:
            _check_value(f, getattr(self, f))

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, **kwargs) -> str:
        import json  # (here: a task's cold start does not need json)

        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], dialect=None) -> "Resources":
        return cls(**{k: d.get(k) for k in FIELDS})

    @classmethod
    def from_json(cls, data, decoder=None, **from_dict_kwargs) -> "Resources":
        """``decoder`` defaults to ``json.loads``."""
        return cls.from_dict(_decode(data, decoder))

    def entries(self) -> List[Tuple[str, str]]:
        """(field, normalised quantity) for every set value, in the order flytekit writes containers."""
        out = []
        for f in ("ephemeral_storage", "cpu", "gpu", "mem"):
            v = getattr(self, f)
            if isinstance(v, (list, tuple)):
                raise ResourceError(f"{f}={v!r} can not be a list or tuple: a (request, limit) pair is only "
                                    f"accepted by @task(resources=...)",
                                    hint="use requests=Resources(...) and limits=Resources(...), or resources=")
            # flytekit appends only truthy values: int 0 is dropped, the string "0" is kept.
            if v:
                out.append((f, normalize_quantity(f, v)))
        return out


@dataclasses.dataclass
class ResourceSpec:
    """The pair (requests, limits) for a task."""

    requests: Resources = dataclasses.field(default_factory=Resources)
    limits: Resources = dataclasses.field(default_factory=Resources)

    @classmethod
    def from_multiple_resource(cls, resource: Resources) -> "ResourceSpec":
        """Split a Resources whose values may be (request, limit) tuples; a single value sets the request only."""
        req: Dict[str, Any] = {}
        lim: Dict[str, Any] = {}
        for f in FIELDS:
            v = getattr(resource, f)
            if isinstance(v, (list, tuple)):
                req[f], lim[f] = v
            elif v is not None:
                req[f] = v
        return cls(requests=Resources(**req), limits=Resources(**lim))

    def to_dict(self) -> Dict[str, Any]:
        return {"requests": self.requests.to_dict(), "limits": self.limits.to_dict()}

    def to_json(self, **kwargs) -> str:
        import json  # (here: a task's cold start does not need json)

        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], dialect=None) -> "ResourceSpec":
        return cls(Resources.from_dict(d.get("requests") or {}), Resources.from_dict(d.get("limits") or {}))

    @classmethod
    def from_json(cls, data, decoder=None, **kwargs) -> "ResourceSpec":
        """``decoder`` defaults to ``json.loads``."""
        return cls.from_dict(_decode(data, decoder))

    def check(self, task_name: str, where: Optional[str] = None) -> None:
        """Every request must be at most its limit; errors name the task and the field."""
        for f in FIELDS:
            r, l = getattr(self.requests, f), getattr(self.limits, f)
            if r is None or l is None or isinstance(r, (list, tuple)) or isinstance(l, (list, tuple)):
                continue
            rq = parse_quantity(normalize_quantity(f, r))
            lq = parse_quantity(normalize_quantity(f, l))
            if rq > lq:
                raise ResourceError(f"task {task_name}: requests.{f}={r!r} is greater than limits.{f}={l!r}",
                                    where=where, hint=f"raise limits.{f} or lower requests.{f}")


def build_resource_spec(requests: Optional[Resources], limits: Optional[Resources],
                        resources: Optional[Resources]) -> ResourceSpec:
    """The task's ResourceSpec from the three ways @task accepts resources."""
    if resources is not None:
        if requests is not None or limits is not None:
            raise ResourceError("`resource` can not be used together with the `limits` or `requests`. Please only "
                                "set `resource`.",  # flytekit's words, which its tests match
                                hint="set only resources=Resources(cpu=(request, limit), ...)")
        return ResourceSpec.from_multiple_resource(resources)
    return ResourceSpec(requests=requests or Resources(), limits=limits or Resources())


def _decode(data, decoder=None):
    if decoder is None:
        import json

        decoder = json.loads
    return decoder(data)
