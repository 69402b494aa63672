#!/bin/bash
# In the guest: imports the lab's local images into node I through its own socket, as soon as
# its dockerd answers (stage2.sh runs it). Read over 9p, no network: faster than from the host.
#   import.sh I CACHE_PARENT
set -euo pipefail
i=$1
export SWARM_LENS_CACHE=$2
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../../swarm/images.sh"
export DOCKER_HOST=unix:///lab/node$i/docker.sock
import_tar "$WEB_IMAGE" "$WEB_IMAGE_CMD" <"$(image_tar web)"
import_tar "$HELPER_IMAGE" "$HELPER_IMAGE_CMD" <"$(image_tar helper)"
echo "node$i: images imported"
