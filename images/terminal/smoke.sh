#!/bin/sh
# Build-time smoke check of the terminal image: every tool the profile promises runs.
set -eu
kubectl version --client
helm version --short
aws --version
openstack --version
swift --version
git --version
jupyterhub-singleuser --version
echo "terminal smoke check passed"
