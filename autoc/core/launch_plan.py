"""LaunchPlan: a workflow with default and fixed inputs, a schedule, notifications and execution options.

Launch plans hold Python values; ``autoc.serialize.translate_launch_plan`` turns them into the
``flyteidl.admin.LaunchPlan`` that pyflyte writes. As in flytekit, every launch plan is cached by name:
``get_or_create`` with a known name returns the cached one when every parameter is the same, and is an error
when one differs; each workflow has one default launch plan, named like the workflow.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from autoc.core.common import Annotations, AuthRole, ConcurrencyPolicy, Labels, RawOutputDataConfig
from autoc.core.notification import Notification
from autoc.core.schedule import Schedule
from autoc.core.seams import above
from autoc.core.security import SecurityContext
from autoc.core.node import user_site
from autoc.core.tracker import _creation_site
from autoc.errors import LaunchPlanError

# the parameters that make a launch plan more than its workflow's default one, in flytekit's order
_OPTIONS = ("default_inputs", "fixed_inputs", "schedule", "notifications", "labels", "annotations",
            "raw_output_data_config", "max_parallelism", "security_context", "auth_role", "trigger",
            "overwrite_cache")


class LaunchPlan:
    """How a workflow is launched: ``LaunchPlan.get_or_create(wf, name="nightly", schedule=CronSchedule(...))``."""

    #: every launch plan by name (the default launch plan of a workflow under the workflow's name)
    CACHE: Dict[str, "LaunchPlan"] = {}

    def __init__(self, name: str, workflow, default_inputs: Optional[Dict[str, Any]] = None,
                 fixed_inputs: Optional[Dict[str, Any]] = None, schedule: Optional[Schedule] = None,
                 notifications: Optional[List[Notification]] = None, labels: Optional[Labels] = None,
                 annotations: Optional[Annotations] = None,
                 raw_output_data_config: Optional[RawOutputDataConfig] = None,
                 max_parallelism: Optional[int] = None, security_context: Optional[SecurityContext] = None,
                 trigger=None, overwrite_cache: Optional[bool] = None, auto_activate: bool = False,
                 concurrency: Optional[ConcurrencyPolicy] = None, *, _default: bool = False):
        """Python values throughout (unlike flytekit's constructor, which takes a ParameterMap and a LiteralMap);
        prefer ``get_or_create``, which also caches."""
        if _default:  # made on behalf of a workflow (maybe at serialization): the workflow's module owns it
            self._instantiated_in = getattr(workflow, "instantiated_in", None) or getattr(workflow, "_instantiated_in",
                                                                                          None)
            self._module_file = getattr(workflow, "_module_file", None)
            self._instantiated_line = getattr(workflow, "_instantiated_line", None)
        else:  # tracked by the module being imported; located at the user's call (get_or_create may be in a helper)
            self._instantiated_in, self._module_file, self._instantiated_line = _creation_site()
            site = user_site()
            if site is not None:
                file, _, line = site.rpartition(":")
                self._module_file, self._instantiated_line = file, int(line)
        self._is_default = _default
        _check_workflow(workflow, self.creation_site)
        if not isinstance(name, str) or not name:
            raise LaunchPlanError(f"a launch plan name must be a non-empty string, got {name!r}",
                                  where=self.creation_site, hint='LaunchPlan.get_or_create(wf, name="nightly", ...)')
        self._name = name
        self._workflow = workflow
        inputs = workflow.python_interface.inputs
        self._given_defaults = self._input_values("default_inputs", default_inputs, inputs)
        self._fixed_inputs = self._input_values("fixed_inputs", fixed_inputs, inputs)
        signature = dict(getattr(workflow.python_interface, "defaults", None) or {})
        merged = {k: v for k, v in {**signature, **self._given_defaults}.items() if k not in self._fixed_inputs}
        self._default_inputs = {k: merged[k] for k in inputs if k in merged}  # in the signature's order
        self._schedule = self._checked("schedule", schedule, Schedule, "CronSchedule(schedule=\"0 2 * * *\") or "
                                                                       "FixedRate(duration=timedelta(hours=1))")
        self._notifications = self._checked_notifications(notifications)
        self._labels = self._checked("labels", Labels(labels) if isinstance(labels, dict) else labels, Labels,
                                     'Labels({"team": "ml"})')
        self._annotations = self._checked("annotations", Annotations(annotations) if isinstance(annotations, dict)
                                          else annotations, Annotations, 'Annotations({"owner": "ml"})')
        self._raw_output_data_config = self._checked(
            "raw_output_data_config", RawOutputDataConfig(raw_output_data_config)
            if isinstance(raw_output_data_config, str) else raw_output_data_config, RawOutputDataConfig,
            'RawOutputDataConfig("s3://bucket/raw")')
        if max_parallelism is not None and (isinstance(max_parallelism, bool) or not isinstance(max_parallelism, int)
                                            or max_parallelism < 0):
            raise LaunchPlanError(f"launch plan {name}: max_parallelism must be a non-negative int, got "
                                  f"{max_parallelism!r}", where=self.creation_site, hint="max_parallelism=10")
        self._max_parallelism = max_parallelism
        self._security_context = self._checked("security_context", security_context, SecurityContext,
                                               'SecurityContext(run_as=Identity(k8s_service_account="sa"))')
        if trigger is not None and not callable(getattr(trigger, "to_flyte_idl", None)):
            raise LaunchPlanError(f"launch plan {name}: trigger {trigger!r} has no to_flyte_idl()",
                                  where=self.creation_site, hint="for a schedule use schedule= instead")
        self._trigger = trigger
        for flag, value in (("overwrite_cache", overwrite_cache), ("auto_activate", auto_activate)):
            if value is not None and not isinstance(value, bool):
                raise LaunchPlanError(f"launch plan {name}: {flag} must be True or False, got {value!r}",
                                      where=self.creation_site, hint=f"{flag}=True")
        self._overwrite_cache = overwrite_cache
        self._auto_activate = bool(auto_activate)
        self._concurrency = self._checked("concurrency", concurrency, ConcurrencyPolicy,
                                          "ConcurrencyPolicy(max_concurrency=1)")
        from autoc.core.task import ENTITIES

        ENTITIES.append(self)

    # --- construction ----------------------------------------------------------------------------------------------
    @classmethod
    def get_default_launch_plan(cls, *args) -> "LaunchPlan":
        """The workflow's default launch plan (named like it; defaults from its signature), made once.

        Called as ``get_default_launch_plan(wf)`` or, like flytekit, ``get_default_launch_plan(ctx, wf)``."""
        if len(args) not in (1, 2):
            raise TypeError("get_default_launch_plan(workflow) takes the workflow")
        workflow = args[-1]
        _check_workflow(workflow, None)
        cached = cls.CACHE.get(workflow.name)
        if cached is not None and cached.workflow is not workflow and \
                getattr(cached.workflow, "definition_site", None) == getattr(workflow, "definition_site", 0):
            cached = None  # the same definition run again (a function body defining it, a reloaded module): anew
        if cached is not None:
            if cached.workflow is not workflow:
                raise LaunchPlanError(
                    f"the launch plan made at {cached.creation_site} for workflow {cached.workflow.name} is named "
                    f"{workflow.name}, the name of workflow {workflow.name}'s default launch plan",
                    where=cached.creation_site, hint="give that launch plan another name")
            return cached
        options = getattr(workflow, "default_options", None)
        lp = cls(workflow.name, workflow, labels=getattr(options, "labels", None),
                 annotations=getattr(options, "annotations", None), _default=True)
        cls.CACHE[workflow.name] = lp
        return lp

    @classmethod
    def create(cls, name: str, workflow, default_inputs: Optional[Dict[str, Any]] = None,
               fixed_inputs: Optional[Dict[str, Any]] = None, schedule: Optional[Schedule] = None,
               notifications: Optional[List[Notification]] = None, labels: Optional[Labels] = None,
               annotations: Optional[Annotations] = None,
               raw_output_data_config: Optional[RawOutputDataConfig] = None, max_parallelism: Optional[int] = None,
               security_context: Optional[SecurityContext] = None, auth_role: Optional[AuthRole] = None,
               trigger=None, overwrite_cache: Optional[bool] = None, auto_activate: bool = False,
               concurrency: Optional[ConcurrencyPolicy] = None) -> "LaunchPlan":
        """A new named launch plan; a name already used is an error (use ``get_or_create`` to reuse one)."""
        if name in cls.CACHE:
            raise LaunchPlanError(f"Launch plan named {name} was already created (at {cls.CACHE[name].creation_site})!"
                                  f" Make sure your names are unique.", where=user_site(),
                                  hint="give this launch plan another name, or use LaunchPlan.get_or_create to reuse "
                                       "the existing one")
        security_context = _with_auth_role(security_context, auth_role)
        lp = cls(name, workflow, default_inputs, fixed_inputs, schedule, notifications, labels, annotations,
                 raw_output_data_config, max_parallelism, security_context, trigger, overwrite_cache, auto_activate,
                 concurrency)
        cls.CACHE[name] = lp
        return lp

    @classmethod
    def get_or_create(cls, workflow, name: Optional[str] = None, default_inputs: Optional[Dict[str, Any]] = None,
                      fixed_inputs: Optional[Dict[str, Any]] = None, schedule: Optional[Schedule] = None,
                      notifications: Optional[List[Notification]] = None, labels: Optional[Labels] = None,
                      annotations: Optional[Annotations] = None,
                      raw_output_data_config: Optional[RawOutputDataConfig] = None,
                      max_parallelism: Optional[int] = None, security_context: Optional[SecurityContext] = None,
                      auth_role: Optional[AuthRole] = None, trigger=None, overwrite_cache: Optional[bool] = None,
                      auto_activate: bool = False, concurrency: Optional[ConcurrencyPolicy] = None) -> "LaunchPlan":
        """Without a name: the workflow's default launch plan. With a name: the launch plan of that name, made on
        the first call; later calls must pass the same workflow and parameters (anything else is an error)."""
        given = dict(default_inputs=default_inputs, fixed_inputs=fixed_inputs, schedule=schedule,
                     notifications=notifications, labels=labels, annotations=annotations,
                     raw_output_data_config=raw_output_data_config, max_parallelism=max_parallelism,
                     security_context=security_context, auth_role=auth_role, trigger=trigger,
                     overwrite_cache=overwrite_cache)
        if name is None:
            extra = [k for k in _OPTIONS if given[k] is not None] + ["auto_activate"] * bool(auto_activate) + \
                ["concurrency"] * (concurrency is not None)  # flytekit ignores these two silently
            if extra:
                raise LaunchPlanError(
                    "Only named launchplans can be created that have other properties: " + ", ".join(extra) + " given "
                    "without a name", where=user_site(),
                    hint='add name="..." (the default launch plan, named like the workflow, has no other settings)')
            return cls.get_default_launch_plan(workflow)
        cached = cls.CACHE.get(name)
        if cached is None:
            return cls.create(name, workflow, auto_activate=auto_activate, concurrency=concurrency, **given)
        cached._check_same(workflow, _with_auth_role(security_context, auth_role), auto_activate=auto_activate,
                           concurrency=concurrency, **{k: v for k, v in given.items()
                                                       if k not in ("security_context", "auth_role")})
        return cached

    def _check_same(self, workflow, security_context, **new) -> None:
        where = user_site()  # the clashing call, wherever it runs (a helper, a workflow body compiled later)
        if workflow is not self._workflow:
            raise LaunchPlanError(
                f"Trying to create two launch plans both named '{self._name}' for the workflows "
                f"'{getattr(workflow, 'name', workflow)}' and '{self._workflow.name}' (the first at "
                f"{self.creation_site})", where=where, hint="please ensure unique launch plan names")
        new["security_context"] = security_context
        new["default_inputs"] = dict(new["default_inputs"] or {})
        new["fixed_inputs"] = dict(new["fixed_inputs"] or {})
        new["notifications"] = list(new["notifications"] or [])
        for key, value in new.items():
            if key in ("labels", "annotations") and isinstance(value, dict):
                value = (Labels if key == "labels" else Annotations)(value)
            if key == "raw_output_data_config" and isinstance(value, str):
                value = RawOutputDataConfig(value)
            mine = {"default_inputs": self._given_defaults, "auto_activate": self._auto_activate}.get(
                key, getattr(self, "_" + key))
            if value != mine:
                raise LaunchPlanError(
                    f"Trying to create two launch plans for workflow '{self._workflow.name}' both named "
                    f"'{self._name}' but with different values for '{key}': {value!r} here, {mine!r} at "
                    f"{self.creation_site}", where=where, hint="please use different launch plan names")

    def clone_with(self, name: str, default_inputs: Optional[Dict[str, Any]] = None,
                   fixed_inputs: Optional[Dict[str, Any]] = None, schedule: Optional[Schedule] = None,
                   notifications: Optional[List[Notification]] = None, labels: Optional[Labels] = None,
                   annotations: Optional[Annotations] = None,
                   raw_output_data_config: Optional[RawOutputDataConfig] = None,
                   max_parallelism: Optional[int] = None, security_context: Optional[SecurityContext] = None,
                   trigger=None, overwrite_cache: Optional[bool] = None,
                   auto_activate: bool = False) -> "LaunchPlan":
        """A copy under another name with some parameters replaced (not cached, as in flytekit)."""
        return LaunchPlan(name, self._workflow, default_inputs or self._given_defaults,
                          fixed_inputs or self._fixed_inputs, schedule or self._schedule,
                          notifications or self._notifications, labels or self._labels,
                          annotations or self._annotations, raw_output_data_config or self._raw_output_data_config,
                          max_parallelism or self._max_parallelism, security_context or self._security_context,
                          trigger, overwrite_cache or self._overwrite_cache, auto_activate)

    # --- validation helpers ----------------------------------------------------------------------------------------
    def _input_values(self, what: str, values: Optional[Dict[str, Any]], inputs: Dict[str, Any]) -> Dict[str, Any]:
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise LaunchPlanError(f"launch plan {self._name}: {what} must be a dict of input name to value, got "
                                  f"{values!r}", where=self.creation_site, hint=f'{what}={{"epochs": 10}}')
        for k in values:
            if k not in inputs:
                raise LaunchPlanError(
                    f"launch plan {self._name}: {what} names '{k}', which is not an input of workflow "
                    f"{self._workflow.name}", where=self.creation_site,
                    hint="the workflow's inputs are: " + (", ".join(inputs) or "(none)"))
        return dict(values)

    def _checked(self, what: str, value, kind: type, example: str):
        if value is not None and not isinstance(value, kind):
            raise LaunchPlanError(f"launch plan {self._name}: {what} must be a {kind.__name__}, got {value!r}",
                                  where=self.creation_site, hint=f"{what}={example}")
        return value

    def _checked_notifications(self, notifications) -> List[Notification]:
        example = "notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=[\"a@b.io\"])]"
        if notifications is None:
            return []
        if isinstance(notifications, Notification) or not isinstance(notifications, (list, tuple)):
            raise LaunchPlanError(f"launch plan {self._name}: notifications must be a list, got {notifications!r}",
                                  where=self.creation_site, hint=example)
        for n in notifications:
            if not isinstance(n, Notification):
                raise LaunchPlanError(f"launch plan {self._name}: {n!r} is not an Email, Slack or PagerDuty "
                                      f"notification", where=self.creation_site, hint=example)
        return list(notifications)

    # --- what translation, discovery and launch-plan nodes read --------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def workflow(self):
        return self._workflow

    @property
    def python_interface(self):
        return self._workflow.python_interface

    @property
    def interface(self):
        """The workflow's typed interface (flytekit's ``LaunchPlan.interface``)."""
        return self._workflow.interface

    @property
    def is_default(self) -> bool:
        """True for the launch plan made for a workflow by ``get_default_launch_plan``."""
        return self._is_default

    @property
    def default_inputs(self) -> Dict[str, Any]:
        """Input name -> default value: the workflow signature's defaults overridden by this launch plan's, without
        the fixed inputs."""
        return dict(self._default_inputs)

    @property
    def given_default_inputs(self) -> Dict[str, Any]:
        """Only the defaults passed to this launch plan (flytekit describes those inputs by their name alone)."""
        return dict(self._given_defaults)

    @property
    def fixed_inputs(self) -> Dict[str, Any]:
        """Input name -> value that no execution can change."""
        return dict(self._fixed_inputs)

    raw_fixed_inputs = fixed_inputs

    @property
    def parameters(self):
        """The inputs an execution may set, with their defaults, as written: a flyteidl ``ParameterMap``."""
        return above("translate_launch_plan").parameter_map(self)

    @property
    def saved_inputs(self) -> Dict[str, Any]:
        """Every input this launch plan supplies (defaults and fixed): what a call passes on to the workflow."""
        return {**self._default_inputs, **self._fixed_inputs}

    @property
    def schedule(self) -> Optional[Schedule]:
        return self._schedule

    @property
    def notifications(self) -> List[Notification]:
        return list(self._notifications)

    @property
    def labels(self) -> Optional[Labels]:
        return self._labels

    @property
    def annotations(self) -> Optional[Annotations]:
        return self._annotations

    @property
    def raw_output_data_config(self) -> Optional[RawOutputDataConfig]:
        return self._raw_output_data_config

    @property
    def max_parallelism(self) -> Optional[int]:
        return self._max_parallelism

    @property
    def security_context(self) -> Optional[SecurityContext]:
        return self._security_context

    @property
    def trigger(self):
        return self._trigger

    @property
    def overwrite_cache(self) -> Optional[bool]:
        return self._overwrite_cache

    @property
    def auto_activate(self) -> bool:
        """Activate on registration (not written to the file; ``autoc register`` reads it from here)."""
        return self._auto_activate

    should_auto_activate = auto_activate

    @property
    def concurrency(self) -> Optional[ConcurrencyPolicy]:
        return self._concurrency

    @property
    def instantiated_in(self) -> Optional[str]:
        """The module that made this launch plan (for a default launch plan, its workflow's module)."""
        return self._instantiated_in

    @property
    def creation_site(self) -> str:
        return f"{self._module_file or '<unknown file>'}:{self._instantiated_line or '?'}"

    def construct_node_metadata(self):
        """A launch-plan node's metadata is its workflow's (as in flytekit)."""
        return self._workflow.construct_node_metadata()

    def __repr__(self) -> str:
        return f"LaunchPlan({self._name!r}, workflow={getattr(self._workflow, 'name', self._workflow)!r})"

    def __call__(self, *args, **kwargs):
        """Outside a workflow, runs the workflow with this launch plan's inputs (``kwargs`` override defaults).
        Inside a workflow body, records a launch-plan node binding every input it does not fix."""
        from autoc.core.promise import compilation_state, create_and_link_node

        if args:
            raise LaunchPlanError(f"launch plan {self._name}: Only Keyword Arguments are supported for launch plan "
                                  f"executions", hint="call it with name=value arguments")
        state = compilation_state()
        if state is not None:
            fixed = [k for k in kwargs if k in self._fixed_inputs]
            if fixed:  # flytekit drops such a value silently: the launch plan's fixed value would run instead
                from autoc.core.node import user_site

                raise LaunchPlanError(f"launch plan {self._name}: input(s) {', '.join(fixed)} are fixed and cannot "
                                      f"be passed", where=user_site(),
                                      hint="drop them from the call, or call a launch plan that does not fix them")
            return create_and_link_node(self, (), {**self.saved_inputs, **kwargs}, state=state)
        fixed = [k for k in kwargs if k in self._fixed_inputs and kwargs[k] != self._fixed_inputs[k]]
        if fixed:
            raise LaunchPlanError(f"launch plan {self._name}: input(s) {', '.join(fixed)} are fixed and cannot be "
                                  f"changed", hint="use a launch plan without these fixed_inputs")
        return self._workflow(**{**self.saved_inputs, **kwargs})


def _check_workflow(workflow, where: Optional[str]) -> None:
    if not isinstance(getattr(workflow, "name", None), str) or getattr(workflow, "python_interface", None) is None:
        raise LaunchPlanError(f"a launch plan needs a workflow, got {workflow!r}", where=where,
                              hint="pass a @workflow function: LaunchPlan.get_or_create(my_workflow, name=...)")


def _with_auth_role(security_context: Optional[SecurityContext], auth_role: Optional[AuthRole]):
    """flytekit's deprecated ``auth_role`` becomes ``SecurityContext(run_as=Identity(...))``."""
    if auth_role is None:
        return security_context
    where = user_site()
    if security_context is not None:
        raise LaunchPlanError("Use of AuthRole is deprecated. You cannot specify both AuthRole and SecurityContext",
                              where=where, hint="security_context=SecurityContext(run_as=Identity(iam_role=..., "
                                   "k8s_service_account=...)) alone")
    if not isinstance(auth_role, AuthRole):
        raise LaunchPlanError(f"auth_role must be an AuthRole, got {auth_role!r}", where=where,
                              hint="security_context=SecurityContext(run_as=Identity(k8s_service_account=\"sa\"))")
    return auth_role.to_security_context()
