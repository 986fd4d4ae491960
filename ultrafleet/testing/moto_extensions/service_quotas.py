"""Service Quotas for EC2 (moto 5.2.5 knows only the VPC service's default quotas): GetServiceQuota answers from
quotas a test seeds with ``seed``, then falls back to moto's own. Kept on moto's backend, so moto's reset clears
them."""

from __future__ import annotations

from typing import Any

from moto.servicequotas.models import ServiceQuotasBackend, servicequotas_backends

_original_get = ServiceQuotasBackend.get_service_quota


def _seeded(backend: ServiceQuotasBackend) -> dict[tuple[str, str], dict[str, Any]]:
    return backend.__dict__.setdefault("ultrafleet_quotas", {})


def seed(account_id: str, region: str, service_code: str, quota_code: str, name: str, value: float) -> None:
    backend = servicequotas_backends[account_id][region]
    _seeded(backend)[(service_code, quota_code)] = {
        "ServiceCode": service_code,
        "QuotaCode": quota_code,
        "QuotaName": name,
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account_id}:{service_code}/{quota_code}",
        "Value": float(value),
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def _get_service_quota(self: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
    seeded = _seeded(self).get((service_code, quota_code))
    return seeded if seeded is not None else _original_get(self, service_code, quota_code)


def install() -> None:
    ServiceQuotasBackend.get_service_quota = _get_service_quota  # type: ignore[method-assign]
