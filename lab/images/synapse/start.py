#!/opt/synapse/bin/python
"""The lab's own implementation of the run mode of the Synapse image's docker/start.py (docs/upstream/synapse.md §4):
SYNAPSE_CONFIG_PATH (default SYNAPSE_CONFIG_DIR/homeserver.yaml, SYNAPSE_CONFIG_DIR default /data) must exist;
as root, Synapse runs as UID:GID (default 991:991) through gosu, else as the current user; jemalloc is preloaded."""
import os
import sys

def main() -> None:
    if os.environ.get("LAB_SYNAPSE_FAULT"):
        # The lab's broken Synapse (lab/images/build.sh "broken:synapse"): it never becomes healthy.
        sys.exit("synapse: lab fault " + os.environ["LAB_SYNAPSE_FAULT"] + ": this Synapse exits at every start")
    mode = sys.argv[1] if len(sys.argv) > 1 else "run"
    if mode != "run":
        sys.exit(f"lab synapse image: only run mode is implemented, not {mode!r}")
    config_dir = os.environ.get("SYNAPSE_CONFIG_DIR", "/data")
    config_path = os.environ.get("SYNAPSE_CONFIG_PATH", os.path.join(config_dir, "homeserver.yaml"))
    if not os.path.exists(config_path):
        sys.exit(f"Config file '{config_path}' does not exist.")
    args = [sys.executable, "-m", "synapse.app.homeserver", "--config-path", config_path]
    if os.getuid() == 0:
        ownership = f"{os.environ.get('UID', '991')}:{os.environ.get('GID', '991')}"
        args = ["gosu", ownership] + args
    jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
    if os.path.isfile(jemalloc):
        os.environ["LD_PRELOAD"] = jemalloc
    os.execvpe(args[0], args, os.environ)

if __name__ == "__main__":
    main()
