"""A Python spout emitting a nested value as raw JSON: Storm parses it into a JSONObject (see raw-nested.ts)."""
from multilang import handshake, read, send

handshake()
n = 0
while True:
    command = read()
    if isinstance(command, list):
        continue
    if command["command"] == "next" and n < 20:
        send({"command": "emit", "tuple": [{"n": n, "tags": ["a", n]}], "need_task_ids": False})
        n += 1
    send({"command": "sync"})
