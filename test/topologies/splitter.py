"""A split bolt in Python, written against the multi-lang protocol alone (no squall, no storm library).
With the conf key test.silent set it never answers heartbeats."""
from multilang import handshake, read, send

setup = handshake()
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
