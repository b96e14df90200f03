#!/bin/sh
# Build-time smoke check of the terminal image: every tool the profile promises runs, and the fastsim CLI
# writes the Job manifests from the platform values.
set -eu
kubectl version --client
helm version --short
aws --version
openstack --version
swift --version
git --version
jupyterhub-singleuser --version
fastsim profiles list
fastsim profiles job simulate --name smoke --n 100 >/dev/null
echo "terminal smoke check passed"
