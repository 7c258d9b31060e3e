#!/usr/bin/env python3
"""Seed CloudFormation stacks into the emulator for `--stack` (#21); print a JSON manifest.

    stackworld.py --endpoint URL --prefix P [--region R]

Stacks (made through CloudFormation, so ListStackResources lists them as AWS would):

* ``{P}-shop``: a REST API ``{P}-api`` (logical id ``Api``) with ``GET /orders`` behind
  function ``{P}-orders`` (``OrdersFunction``), deployed to stage ``prod``; a function
  ``{P}-nightly`` (``NightlyFunction``) behind no route; a log group ``/{P}/app``
  (``AppLogs``); and a nested stack (``Workers``) holding function ``{P}-worker``
  (``WorkerFunction``), whose template is read from an S3 bucket.
* ``{P}-two``: two REST APIs (``ApiA``, ``ApiB``), each deployed to ``prod``.
* ``{P}-fns``: one function ``{P}-job`` (``JobFunction``) and no API.

Each function's log group gets one event now, and so does the API's execution group, so
`get --stack` has lines to print. Synthetic data: the messages name what wrote them.
"""
import argparse
import json
import time

import boto3


def template_function(name, role):
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": role,
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
        },
    }


def template_api(logical, name, method_deps):
    return {
        logical: {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": name}},
        logical + "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": method_deps,
            "Properties": {"RestApiId": {"Ref": logical}, "StageName": "prod"},
        },
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--region", default="us-east-1")
    a = ap.parse_args()
    p = a.prefix

    def c(service):
        return boto3.client(service, endpoint_url=a.endpoint, region_name=a.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    role = c("iam").create_role(RoleName="%s-stack-role" % p,
                                AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    bucket = "%s-templates" % p.lower()
    c("s3").create_bucket(Bucket=bucket)
    child = {"Resources": {"WorkerFunction": template_function("%s-worker" % p, role)}}
    c("s3").put_object(Bucket=bucket, Key="workers.json", Body=json.dumps(child))

    shop = {
        "OrdersFunction": template_function("%s-orders" % p, role),
        "NightlyFunction": template_function("%s-nightly" % p, role),
        "OrdersResource": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"},
                           "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                           "PathPart": "orders"},
        },
        "OrdersGet": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "OrdersResource"},
                "HttpMethod": "GET", "AuthorizationType": "NONE",
                "Integration": {
                    "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                    "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/"
                                       "2015-03-31/functions/${OrdersFunction.Arn}/invocations"},
                },
            },
        },
        "AppLogs": {"Type": "AWS::Logs::LogGroup",
                    "Properties": {"LogGroupName": "/%s/app" % p}},
        "Workers": {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {"TemplateURL": "https://%s.s3.amazonaws.com/workers.json" % bucket},
        },
    }
    shop.update(template_api("Api", "%s-api" % p, "OrdersGet"))
    cf = c("cloudformation")
    cf.create_stack(StackName="%s-shop" % p, TemplateBody=json.dumps({"Resources": shop}))

    two = {}
    for logical in ("ApiA", "ApiB"):
        two[logical + "Root"] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {"RestApiId": {"Ref": logical},
                           "ResourceId": {"Fn::GetAtt": [logical, "RootResourceId"]},
                           "HttpMethod": "GET", "AuthorizationType": "NONE",
                           "Integration": {"Type": "HTTP_PROXY", "IntegrationHttpMethod": "GET",
                                           "Uri": "https://example.com/"}},
        }
        two.update(template_api(logical, "%s-%s" % (p, logical.lower()), logical + "Root"))
    cf.create_stack(StackName="%s-two" % p, TemplateBody=json.dumps({"Resources": two}))
    fns = {"JobFunction": template_function("%s-job" % p, role)}
    cf.create_stack(StackName="%s-fns" % p, TemplateBody=json.dumps({"Resources": fns}))

    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in cf.list_stack_resources(StackName="%s-shop" % p)["StackResourceSummaries"]}
    api_id = physical["Api"]
    two_ids = {r["LogicalResourceId"]: r["PhysicalResourceId"]
               for r in cf.list_stack_resources(StackName="%s-two" % p)["StackResourceSummaries"]}

    logs = c("logs")
    now = int(time.time() * 1000) - 60_000
    groups = {
        "API-Gateway-Execution-Logs_%s/prod" % api_id: "execution log line (stackworld.py)",
        "/aws/lambda/%s-orders" % p: "orders function line (stackworld.py)",
        "/aws/lambda/%s-nightly" % p: "nightly function line (stackworld.py)",
        "/aws/lambda/%s-worker" % p: "worker function line (stackworld.py)",
        "/aws/lambda/%s-job" % p: "job function line (stackworld.py)",
    }
    for i, (group, message) in enumerate(groups.items()):
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": message}])
    print(json.dumps({"api_id": api_id, "two": two_ids, "at_ms": now}))


if __name__ == "__main__":
    main()
