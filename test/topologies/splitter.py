"""A split bolt in Python, written against the multi-lang protocol alone (no squall, no storm library).
With SPLITTER_SILENT set it never answers heartbeats."""
import json, os, sys

def read():
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        if line == "end\n":
            return json.loads("".join(lines))
        lines.append(line)

def send(msg):
    sys.stdout.write(json.dumps(msg) + "\nend\n")
    sys.stdout.flush()

setup = read()
open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
send({"pid": os.getpid()})
send({"command": "log", "msg": "splitter ready as " + setup["context"]["componentid"], "level": 2})
silent = setup["conf"].get("test.silent", False)
while True:
    tup = read()
    if isinstance(tup, list):
        continue
    if tup["stream"] == "__heartbeat":
        if not silent:
            send({"command": "sync"})
        continue
    for word in tup["tuple"][0].split(" "):
        send({"command": "emit", "anchors": [tup["id"]], "tuple": [word], "need_task_ids": False})
    send({"command": "ack", "id": tup["id"]})
