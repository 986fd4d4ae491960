"""Which Deep Learning AMI a type boots, as the public SSM parameter CloudFormation resolves at deploy time.

Parameter names from the AWS DLAMI Developer Guide ("Base OSS Nvidia Driver GPU AMI", x86_64 and arm64 for
P6e-GB200) and the AWS Neuron documentation ("Deep Learning AMI Neuron" SSM parameter prefixes; the Ubuntu 22.04
multi-framework parameter was retired in favour of Ubuntu 24.04).
"""

from __future__ import annotations

from ultrafleet.catalog import InstanceType

GPU_BASE = "/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
NEURON = "/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id"


def dlami_parameter(instance_type: InstanceType) -> str:
    """The SSM parameter naming the latest matching DLAMI: Neuron for Trainium/Inferentia, else base GPU."""
    if instance_type.accelerator_kind == "neuron":
        return NEURON
    return GPU_BASE.format(arch=instance_type.architecture)
