#!/usr/bin/env bash
# Rebuilds the portal's committed front-end assets from assets/.
#
# Run from anywhere in the repository:  scripts/build-assets.sh
# Needs Node.js and npm (only for this script: running the portal needs
# neither). Commit the changed files under static/govuk/ and tests/browser/.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

assets_dir="assets"
frontend="$assets_dir/node_modules/govuk-frontend/dist/govuk"
out="static/govuk"

# Exactly the versions in package-lock.json, so a rebuild is reproducible.
# No install scripts are needed (Sass is pure JavaScript; the only package with
# one is Sass's optional file watcher), so none are run.
npm ci --prefix "$assets_dir" --ignore-scripts --no-audit --no-fund

# Start clean so files dropped from a newer GOV.UK Frontend don't linger.
rm -rf "$out"
mkdir -p "$out" tests/browser

npx --prefix "$assets_dir" sass \
  --pkg-importer=node \
  --style=compressed \
  --no-source-map \
  "$assets_dir/portal.scss" "$out/portal.css"

cp "$frontend/govuk-frontend.min.js" "$out/govuk-frontend.min.js"
cp "$assets_dir/init.js" "$out/init.js"

# Nothing from GOV.UK's assets folder is copied: its fonts are GDS Transport and its
# icons, crest and manifest carry the crown, all reserved for GOV.UK. The portal uses a
# system font and its own favicon (static/favicon.svg); the compiled CSS references no
# image files (checked below).
rm -rf "$out/assets"

cp "$assets_dir/node_modules/axe-core/axe.min.js" tests/browser/axe.min.js

# Guard rails: we are not GOV.UK, so neither its typeface nor the crown may
# reach the compiled CSS, and nothing may point at font files we don't ship.
fail=0
if grep -qi "GDS Transport" "$out/portal.css"; then
  echo "error: $out/portal.css mentions GDS Transport" >&2; fail=1
fi
if grep -qi "crown\|crest" "$out/portal.css"; then
  echo "error: $out/portal.css mentions the crown or crest" >&2; fail=1
fi
if grep -qiE "@font-face|\.woff2?" "$out/portal.css"; then
  echo "error: $out/portal.css references font files" >&2; fail=1
fi
if grep -qE "images/[a-z0-9-]+\.(png|svg|ico)" "$out/portal.css"; then
  echo "error: $out/portal.css references GOV.UK image files, which are not shipped" >&2; fail=1
fi
if ! grep -q "app-header" "$out/portal.css"; then
  echo "error: $out/portal.css lacks the portal's own styles" >&2; fail=1
fi
if [ -e "$out/assets/fonts" ]; then
  echo "error: $out/assets/fonts should not exist" >&2; fail=1
fi
[ "$fail" -eq 0 ] || exit 1

echo "Built:"
find "$out" tests/browser/axe.min.js -type f -exec ls -l {} + | awk '{ printf "  %9d  %s\n", $5, $9 }'
du -sh static | awk '{ print "static/ total: " $1 }'
