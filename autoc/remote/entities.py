"""The three registrable kinds as register sees them: reading ``_1/_2/_3.pb`` files, identities, references, the
dependency order, the content version and the comparison with what a server holds.

Entities are :class:`autoc.serialize.Entity`: ``kind`` ("task" | "workflow" | "launch_plan", named in
autoc.serialize.order), ``name`` and ``message`` (an admin TaskSpec, WorkflowSpec or LaunchPlan).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from flyteidl.core import identifier_pb2

from autoc.errors import UserInputError
from autoc.serialize.entity import Entity
from autoc.serialize.order import LAUNCH_PLAN, TASK, WORKFLOW

KINDS = (TASK, WORKFLOW, LAUNCH_PLAN)
RESOURCE_TYPE = {TASK: identifier_pb2.TASK, WORKFLOW: identifier_pb2.WORKFLOW, LAUNCH_PLAN: identifier_pb2.LAUNCH_PLAN}
LABEL = {TASK: "task", WORKFLOW: "workflow", LAUNCH_PLAN: "launch plan"}
_SUFFIX = {"_1.pb": TASK, "_2.pb": WORKFLOW, "_3.pb": LAUNCH_PLAN}
# flytectl's registration placeholders: a reference that says one of these takes the registration's value
_PLACEHOLDERS = {"{{ registration.project }}", "{{ registration.domain }}", "{{ registration.version }}"}
Key = Tuple[int, str, str, str, str]


def message_class(kind: str):
    from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

    return {TASK: task_pb2.TaskSpec, WORKFLOW: workflow_pb2.WorkflowSpec, LAUNCH_PLAN: launch_plan_pb2.LaunchPlan}[kind]


def entity_id(e) -> identifier_pb2.Identifier:
    """The entity's own identifier (the message's, so setting it changes the entity)."""
    return e.message.id if e.kind == LAUNCH_PLAN else e.message.template.id


def key(ident: identifier_pb2.Identifier) -> Key:
    return ident.resource_type, ident.project, ident.domain, ident.name, ident.version


# --- files -------------------------------------------------------------------------------------------------------

def is_spec_input(paths: Sequence[str]) -> bool:
    """True when the paths are serialized specs (.pb files, .tgz archives, folders of .pb) rather than sources."""
    def spec_like(p: Path) -> bool:
        if p.is_file():
            return p.suffix == ".pb" or p.name.endswith((".tgz", ".tar.gz"))
        return p.is_dir() and any(p.glob("*.pb")) and not any(p.rglob("*.py"))

    return bool(paths) and all(spec_like(Path(p)) for p in paths)


def read_spec_files(paths: Sequence[str]) -> List[Entity]:
    """Entities from ``{idx}_{name}_{1|2|3}.pb`` files written by `autoc serialize` or `pyflyte serialize/package`
    (folders, single files, .tgz archives); within a folder or archive in file-name order, which the index prefix
    makes the order the files were written in."""
    blobs: List[Tuple[str, bytes]] = []
    for p in map(Path, paths):
        if p.is_dir():
            blobs += [(f.name, f.read_bytes()) for f in sorted(p.glob("*.pb"))]
        elif p.suffix == ".pb":
            blobs.append((p.name, p.read_bytes()))
        else:
            blobs += _archive_blobs(p)
    out = []
    for name, data in blobs:
        kind = next((k for suffix, k in _SUFFIX.items() if name.endswith(suffix)), None)
        if kind is None:
            raise UserInputError(f"{name} is not a Flyte spec file (expected {{idx}}_{{name}}_1.pb for a task, _2.pb "
                                 "for a workflow, _3.pb for a launch plan)",
                                 hint="pass the files `autoc serialize` (or `pyflyte serialize/package`) wrote")
        message = message_class(kind)()
        try:
            message.ParseFromString(data)
        except Exception as e:
            raise UserInputError(f"{name} is not a {message.DESCRIPTOR.full_name}: {e}",
                                 hint="pass the files `autoc serialize` (or `pyflyte serialize`) wrote") from None
        entity = Entity(kind, "", message)
        out.append(dataclasses.replace(entity, name=entity_id(entity).name))
    if not out:
        raise UserInputError("no .pb specs found", hint="pass the output folder of `autoc serialize`")
    return out


def _archive_blobs(path: Path) -> List[Tuple[str, bytes]]:
    """(file name, bytes) of every .pb in a .tgz; an empty, truncated or corrupt archive is a usage error."""
    import tarfile
    import zlib

    try:
        with tarfile.open(path, "r:*") as tar:
            return [(Path(m.name).name, tar.extractfile(m).read())
                    for m in sorted(tar.getmembers(), key=lambda m: m.name) if m.isfile() and m.name.endswith(".pb")]
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError, UnicodeError) as e:
        raise UserInputError(f"{path} is not a readable .tgz of specs ({type(e).__name__}: {e or 'truncated'})",
                             hint="pass the archive `autoc serialize --archive` (or `pyflyte package`) wrote, or "
                                  "its folder of .pb files; it may have been cut short in transfer") from None


# --- identities and references -----------------------------------------------------------------------------------

def _nodes(nodes) -> Iterator:
    for node in nodes:
        yield node
        if node.HasField("branch_node"):
            ifelse = node.branch_node.if_else
            yield from _nodes([ifelse.case.then_node, *(c.then_node for c in ifelse.other)])
            if ifelse.HasField("else_node"):
                yield from _nodes([ifelse.else_node])
        if node.HasField("array_node"):
            yield from _nodes([node.array_node.node])


def _templates(spec) -> Iterator:
    yield spec.template
    yield from spec.sub_workflows


def references(e) -> List[identifier_pb2.Identifier]:
    """What ``e`` names that is not itself: tasks, launch plans and subworkflows its nodes run (the subworkflow
    templates' own ids included), and a launch plan's workflow. The messages themselves, so they can be set."""
    out: List[identifier_pb2.Identifier] = []
    if e.kind == LAUNCH_PLAN:
        out.append(e.message.spec.workflow_id)
    elif e.kind == WORKFLOW:
        for i, template in enumerate(_templates(e.message)):
            if i:
                out.append(template.id)
            nodes = list(template.nodes) + ([template.failure_node] if template.HasField("failure_node") else [])
            for node in _nodes(nodes):
                if node.HasField("task_node"):
                    out.append(node.task_node.reference_id)
                elif node.HasField("workflow_node"):
                    wn = node.workflow_node
                    out.append(wn.launchplan_ref if wn.HasField("launchplan_ref") else wn.sub_workflow_ref)
    return out


def hydrate(entities: Sequence, project: str, domain: str, version: str) -> None:
    """Give every entity its identity in ``project``/``domain`` at ``version``, in place, for every kind alike: the
    entity's own id is set; a reference to another entity of the set follows it to its new id; any other
    reference gets the empty (or ``{{ registration.* }}``) parts filled, as flytectl and pyflyte register do."""
    renamed: Dict[Key, identifier_pb2.Identifier] = {}
    for e in entities:
        ident = entity_id(e)
        old = key(ident)
        ident.resource_type = RESOURCE_TYPE[e.kind]
        ident.project, ident.domain, ident.version = project, domain, version
        renamed[old] = ident
    for e in entities:
        for ref in references(e):
            new = renamed.get(key(ref))
            if new is not None:
                ref.CopyFrom(new)
                continue
            for field, value in (("project", project), ("domain", domain), ("version", version)):
                if not getattr(ref, field) or getattr(ref, field) in _PLACEHOLDERS:
                    setattr(ref, field, value)


def with_identity(entities: Sequence, project: str, domain: str, version: str) -> List[Entity]:
    """Copies of ``entities`` hydrated as :func:`hydrate` does."""
    copies = []
    for e in entities:
        m = type(e.message)()
        m.CopyFrom(e.message)
        copies.append(Entity(e.kind, e.name, m))
    hydrate(copies, project, domain, version)
    return copies


def graph(entities: Sequence) -> Tuple[List[int], List[List[int]]]:
    """(levels, dependencies): for each entity, how deep it sits in the references within the set (0: it
    references nothing of the set; every entity sits deeper than all it references), and the indices of the
    entities of the set it references (register creates each entity right after those). A cycle is an error."""
    index = {key(entity_id(e)): i for i, e in enumerate(entities)}
    deps = [sorted({index[k] for k in map(key, references(e)) if k in index} - {i}) for i, e in enumerate(entities)]
    depth: Dict[int, int] = {}
    visiting = set()

    def visit(i: int) -> int:
        if i in depth:
            return depth[i]
        if i in visiting:
            raise UserInputError(f"{LABEL[entities[i].kind]} {entities[i].name} references itself through "
                                 "other entities", hint="a workflow cannot run a launch plan of itself")
        visiting.add(i)
        depth[i] = 1 + max((visit(d) for d in deps[i]), default=-1)
        visiting.discard(i)
        return depth[i]

    return [visit(i) for i in range(len(entities))], deps


def content_version(entities: Sequence, bundle_md5: Optional[bytes]) -> str:
    """The default version: a digest of everything that reaches the cluster (every entity as it will be sent,
    image references included, with empty identities; and the bundle's bytes). The same tree gives the same
    version on any machine: no absolute paths go in."""
    h = hashlib.sha256()
    bare = with_identity(entities, "", "", "")
    for e in sorted(bare, key=lambda e: (KINDS.index(e.kind), e.name)):
        h.update(e.message.SerializeToString(deterministic=True))
    if bundle_md5 is not None:
        h.update(bundle_md5)
    return h.hexdigest()[:20]


# --- comparison with the server ---------------------------------------------------------------------------------

_START_NODE = "start-node"
_SERVER_NODES = {_START_NODE, "end-node"}  # flytepropeller's compiler adds these to a compiled template


def _unname_start_node(d) -> None:
    """flytepropeller's compiler names the node of a promise on the workflow's inputs (sent as node_id "")
    start-node: undo that in a template's dict, so it compares equal to what was sent."""
    if isinstance(d, dict):
        promise = d.get("promise")
        if isinstance(promise, dict) and promise.get("node_id") == _START_NODE:
            del promise["node_id"]
        for v in d.values():
            _unname_start_node(v)
    elif isinstance(d, list):
        for v in d:
            _unname_start_node(v)


def _as_dict(e_or_server, kind: str, server: bool) -> dict:
    from google.protobuf import json_format

    def d(m):
        return json_format.MessageToDict(m, preserving_proto_field_name=True)

    m = e_or_server
    if kind == TASK:
        t = d(m.closure.compiled_task.template if server else m.template)
        t.pop("id", None)
        return {"template": t}
    if kind == WORKFLOW:
        if server:
            compiled = m.closure.compiled_workflow
            templates = [compiled.primary.template, *(s.template for s in compiled.sub_workflows)]
        else:
            templates = list(_templates(m))
        out = [d(t) for t in templates]
        for t in out:
            _unname_start_node(t)
            t["nodes"] = [n for n in t.get("nodes", []) if n.get("id") not in _SERVER_NODES]
            for n in t["nodes"]:  # the compiler sorts them; pyflyte sends them in set order
                if "upstream_node_ids" in n:
                    n["upstream_node_ids"] = sorted(n["upstream_node_ids"])
            if not t["nodes"]:
                t.pop("nodes")
        return {"template": out[0], "sub_workflows": sorted(out[1:], key=lambda t: str(t.get("id")))}
    return {"spec": d(m.spec)}


def _flatten(d, prefix="") -> Dict[str, str]:
    out: Dict[str, str] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = repr(d)
    return out


def diff(e, server) -> List[Tuple[str, str, str]]:
    """(field path, server value, local value) for every field where ``e`` and what the server holds under its id
    (a Task, Workflow or LaunchPlan as Get* answers) differ; empty when they are the same. Task paths are relative
    to the template, as they always were."""
    a = _flatten(_as_dict(server, e.kind, True))
    b = _flatten(_as_dict(e.message, e.kind, False))
    strip = "template." if e.kind == TASK else ""
    return [(k[len(strip):], a.get(k, "<absent>"), b.get(k, "<absent>")) for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)]


def same(e, server) -> bool:
    """Whether ``e`` equals what the server holds under its id: bytes first (the common, fast case), then field by
    field (a server may normalise what it stores)."""
    def b(m):
        return m.SerializeToString(deterministic=True)

    if e.kind == TASK:
        local, remote = type(e.message.template)(), type(e.message.template)()
        local.CopyFrom(e.message.template)
        remote.CopyFrom(server.closure.compiled_task.template)
        local.ClearField("id")
        remote.ClearField("id")
        fast = b(local) == b(remote)
    elif e.kind == WORKFLOW:
        compiled = server.closure.compiled_workflow
        fast = [b(t) for t in _templates(e.message)] == [b(compiled.primary.template),
                                                         *(b(s.template) for s in compiled.sub_workflows)]
    else:
        fast = b(e.message.spec) == b(server.spec)
    return fast or not diff(e, server)
