#!/usr/bin/env bash
# Prints the model file that matches the current config, domain and training data:
# the model is retrained only when one of them changes.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$( (cat config.yml domain.yml; find data -type f -name '*.yml' | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-12)
echo "models/boussole-$hash.tar.gz"
