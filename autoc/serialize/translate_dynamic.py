"""Translation of the workflow a dynamic task's body built at run time: a pure function of (workflow, task,
settings) -> the ``DynamicJobSpec`` flytekit writes as ``futures.pb`` (nodes, the templates of every task they use
in pyflyte's order, subworkflows, output bindings), or the outputs' LiteralMap when the body called nothing."""

from __future__ import annotations

from flyteidl.core import dynamic_job_pb2, literals_pb2

from autoc.serialize.order import TASK, kind_of, pyflyte_order
from autoc.serialize.translate import task_template
from autoc.serialize.translate_workflow import _bindings, _sub_workflows, node_message


def dynamic_job_spec(wf, task, settings):
    outputs = _bindings(wf.output_bindings, task.python_interface.outputs, f"dynamic task {task.name}", "output",
                        task.definition_site)
    if not wf.nodes:
        lm = literals_pb2.LiteralMap()
        for b in outputs:
            lm.literals[b.var].CopyFrom(_binding_literal(b.binding))
        return lm
    spec = dynamic_job_pb2.DynamicJobSpec(min_successes=len(wf.nodes))
    spec.nodes.extend(node_message(n, settings) for n in wf.nodes)
    spec.outputs.extend(outputs)
    for e in pyflyte_order([wf], default_lp=lambda _: None):
        if kind_of(e) == TASK:
            spec.tasks.add().CopyFrom(task_template(e, settings))
    subs: dict = {}
    _sub_workflows(wf, settings, subs)
    spec.subworkflows.extend(subs[k] for k in sorted(subs, key=lambda name: name + "\n"))
    return spec


def _binding_literal(b):
    """The literal a constant binding stands for (a body that calls nothing returns constants only)."""
    lit = literals_pb2.Literal()
    kind = b.WhichOneof("value")
    if kind == "scalar":
        lit.scalar.CopyFrom(b.scalar)
    elif kind == "collection":
        lit.collection.SetInParent()
        for x in b.collection.bindings:
            lit.collection.literals.add().CopyFrom(_binding_literal(x))
    elif kind == "map":
        lit.map.SetInParent()
        for k, x in b.map.bindings.items():
            lit.map.literals[k].CopyFrom(_binding_literal(x))
    return lit
