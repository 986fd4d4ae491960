"""The layout that lets a spec hold hundreds of fleets (docs/scale.md): a training fleet after the storage stack's
share holds its checkpoint policy in its own stack, granting exactly what the storage stack's policy grants, read
from two exports named by convention."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from cdk_nag import AwsSolutionsChecks

from conftest import ROOT
from ultrafleet.constructs.checkpoint_bucket import CheckpointBucket
from ultrafleet.spec.models import CheckpointBucket as BucketSpec
from ultrafleet.stacks import construct_props
from ultrafleet.stacks.fleet_checkpoint_policy import own_fleet_policy


def test_a_fleet_stack_policy_grants_what_the_storage_stack_policy_grants(tmp_path):
    context = json.loads((ROOT / "cdk.json").read_text())["context"]  # its feature flags
    app = cdk.App(context=context, outdir=str(tmp_path))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # synth raises on an unacknowledged finding
    storage = cdk.Stack(app, "wide-storage")
    key = kms.Key(storage, "CheckpointKey", enable_key_rotation=True)
    bucket = CheckpointBucket(storage, "Checkpoints", props=construct_props.checkpoint_bucket(BucketSpec(), key))
    stored = bucket.fleet_policy("t189")  # the storage stack's share keeps its policies
    storage.checkpoints, storage.key = bucket, key  # what own_fleet_policy reads of a StorageStack
    fleets = {}
    for name in ("t190", "t191"):
        fleets[name] = cdk.Stack(app, f"wide-fleet-{name}")
        role = iam.Role(fleets[name], "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
        role.add_managed_policy(own_fleet_policy(fleets[name], storage, name))
    role = iam.Role(fleets["t191"], "StoredRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    role.add_managed_policy(stored)
    assembly = app.synth()

    storage_template = assembly.get_stack_by_name("wide-storage").template
    exports = {o["Export"]["Name"]: o["Value"] for o in storage_template["Outputs"].values() if "Export" in o}
    bucket_id = storage.get_logical_id(bucket.bucket.node.default_child)
    key_id = storage.get_logical_id(key.node.default_child)
    # two exports for any number of fleets, beside the stored policy's own
    assert {k: v for k, v in exports.items() if not k.startswith("wide-storage:")} == {
        "wide-storage-CheckpointBucketArn": {"Fn::GetAtt": [bucket_id, "Arn"]},
        "wide-storage-CheckpointKeyArn": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    stored_policy = next(
        r["Properties"]
        for r in storage_template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "t189" in r["Properties"]["Description"]
    )
    for name, stack in fleets.items():
        template = assembly.get_stack_by_name(stack.stack_name).template
        [own] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
        assert own["Description"] == f"ultrafleet: {name} checkpoints"
        text = json.dumps(own["PolicyDocument"])
        text = text.replace('{"Fn::ImportValue": "wide-storage-CheckpointBucketArn"}', "BUCKET")
        text = text.replace('{"Fn::ImportValue": "wide-storage-CheckpointKeyArn"}', "KEY")
        expected = json.dumps(stored_policy["PolicyDocument"]).replace("t189", name)
        expected = expected.replace(json.dumps({"Fn::GetAtt": [bucket_id, "Arn"]}), "BUCKET")
        expected = expected.replace(json.dumps({"Fn::GetAtt": [key_id, "Arn"]}), "KEY")
        assert text == expected
        assert "wide-storage" in assembly.get_stack_by_name(stack.stack_name).dependencies[0].id
