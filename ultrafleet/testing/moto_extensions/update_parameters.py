"""UpdateStack with ``UsePreviousValue`` for a parameter the stack took from its default: the CDK CLI sends
``{ParameterKey: BootstrapVersion, UsePreviousValue: true}`` on every redeploy, and moto 5.2.5 looks the previous
value up only among the parameters passed explicitly at create time, failing the update with a KeyError. As in
CloudFormation, the previous value of a defaulted parameter is the default (the previous template's, which is the
value the stack used)."""

from __future__ import annotations

from moto.cloudformation.models import CloudFormationBackend, Stack

_original_resolve = CloudFormationBackend._resolve_update_parameters


def _resolve_update_parameters(
    self: CloudFormationBackend, instance: Stack, incoming_params: list[dict[str, str]]
) -> dict[str, str]:
    defaults = {
        key: str(spec["Default"])
        for key, spec in (instance.template_dict.get("Parameters") or {}).items()
        if "Default" in spec
    }
    previous = {**defaults, **instance.parameters}
    explicit = [
        p if not p.get("UsePreviousValue") else {"ParameterKey": p["ParameterKey"], "ParameterValue": previous[key]}
        for p in incoming_params
        if (key := p["ParameterKey"]) in previous or not p.get("UsePreviousValue")
    ]
    return _original_resolve(self, instance, explicit)


def install() -> None:
    CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters  # type: ignore[method-assign]
