#!/usr/bin/env bash
# Checks contrib/kubernetes without a cluster:
#  1. kubernetes-validate (pinned; it bundles the API schemas, so it runs offline once
#     installed) with --strict (an unknown field fails) against Kubernetes 1.37, the
#     newest it knows, and 1.30: common.yaml, stream.yaml, and add-stream.sh's output
#     for two streams, one with a URL full of characters that YAML and sed treat
#     specially; a manifest with a misspelt field must fail, so that a validator that
#     validates nothing cannot pass;
#  2. what the schemas cannot see: the URL, options and image round-trip through add-stream.sh;
#     one port (9101) in --listen, the container port, the probes, the scrape
#     annotation and the Service; the Service and the ServiceMonitor select the pods;
#     add-stream.sh refuses a name Kubernetes would refuse.
# Installs kubernetes-validate in a virtual environment under .build/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.37.0
venv=.build/kubernetes-validate
if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$version"; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        scripts/install-packages.sh check-kubernetes python3-venv
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$version"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
k8s=contrib/kubernetes

url='https://radio.example/live.mp3?key=a&b="c"|d\e'
"$k8s/add-stream.sh" radio1 "$url" '--model small --output jsonl --clock wall' > "$work/radio1.yaml"
GENRE_STREAM_IMAGE=registry.example:5000/genre-stream:0.1.0 \
    "$k8s/add-stream.sh" 2nd-station http://192.0.2.7:8000/stream > "$work/2nd-station.yaml"
for kubernetes in 1.37.0 1.30.0; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$kubernetes" \
        "$k8s/common.yaml" "$k8s/stream.yaml" "$work/radio1.yaml" "$work/2nd-station.yaml"
done
sed 's/^\( *\)periodSeconds: 20$/\1periodSecond: 20/' "$k8s/stream.yaml" > "$work/misspelt.yaml"
if "$venv/bin/kubernetes-validate" --strict --quiet "$work/misspelt.yaml" > "$work/misspelt.out" 2>&1; then
    echo "check-kubernetes: kubernetes-validate passed a StatefulSet with 'periodSecond'" >&2
    exit 1
fi
echo "check-kubernetes: kubernetes-validate $version --strict, Kubernetes 1.37.0 and 1.30.0: common.yaml, stream.yaml and two add-stream.sh outputs pass; a misspelt field fails"

"$venv/bin/python" - "$k8s" "$work" "$url" <<'PY'
import sys, yaml
k8s, work, url = sys.argv[1:]
def load(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]
def fail(why):
    sys.exit(f"check-kubernetes: {why}")

config, sts = load(f"{work}/radio1.yaml")
if config["data"]["STREAM_URL"] != url:
    fail(f"add-stream.sh's STREAM_URL reads back as {config['data']['STREAM_URL']!r}, not {url!r}")
if config["data"]["GENRE_STREAM_ARGS"] != "--model small --output jsonl --clock wall":
    fail("add-stream.sh's GENRE_STREAM_ARGS did not round-trip")
if sts["metadata"]["name"] != "genre-stream-radio1" or sts["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"] != "radio1":
    fail("add-stream.sh did not name the StatefulSet genre-stream-radio1 with instance radio1")
pod = sts["spec"]["template"]
container = pod["spec"]["containers"][0]
if container["envFrom"][0]["configMapRef"]["name"] != config["metadata"]["name"]:
    fail("the StatefulSet does not take its environment from its ConfigMap")

other = load(f"{work}/2nd-station.yaml")[1]["spec"]["template"]["spec"]["containers"][0]
if other["image"] != "registry.example:5000/genre-stream:0.1.0":
    fail(f"add-stream.sh with GENRE_STREAM_IMAGE set the image to {other['image']!r}")

(service,) = load(f"{k8s}/common.yaml")
(monitor,) = load(f"{k8s}/servicemonitor.yaml")
port = service["spec"]["ports"][0]["port"]
listen = container["args"][container["args"].index("--listen") + 1]
ports = {
    "--listen": int(listen.rsplit(":", 1)[1]),
    "containerPort": container["ports"][0]["containerPort"],
    "startupProbe": int(container["startupProbe"]["exec"]["command"][1]),
    "livenessProbe": int(container["livenessProbe"]["exec"]["command"][1]),
    "prometheus.io/port": int(pod["metadata"]["annotations"]["prometheus.io/port"]),
    "Service": port,
}
if set(ports.values()) != {port}:
    fail(f"the metrics port differs between {ports}")
labels = pod["metadata"]["labels"]
if any(labels.get(k) != v for k, v in service["spec"]["selector"].items()):
    fail("the Service's selector does not select the pods")
if sts["spec"]["serviceName"] != service["metadata"]["name"]:
    fail("the StatefulSet's serviceName is not the Service")
if any(service["metadata"]["labels"].get(k) != v for k, v in monitor["spec"]["selector"]["matchLabels"].items()) \
        or monitor["spec"]["endpoints"][0]["port"] != service["spec"]["ports"][0]["name"]:
    fail("the ServiceMonitor does not select the Service's metrics port")
if pod["spec"]["securityContext"]["runAsUser"] != 10001:
    fail("the pods do not run as the image's user 10001")
print(f"check-kubernetes: the URL, options and image round-trip; port {port} everywhere; the Service and ServiceMonitor select the pods")
PY

for bad in Radio1 -radio radio_1 "" "$(printf 'a%.0s' {1..40})"; do
    if "$k8s/add-stream.sh" "$bad" http://radio.example/ > /dev/null 2>&1; then
        echo "check-kubernetes: add-stream.sh took the name '$bad'" >&2
        exit 1
    fi
done
echo "check-kubernetes: add-stream.sh refuses names Kubernetes would refuse"
