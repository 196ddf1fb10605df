"""Storm's multi-lang protocol, component side, from the protocol alone (python3 standard library only).

Every message, both ways, is one JSON text followed by a line "end". stdout belongs to Storm: write nothing else
there (use log() or stderr).
"""
import json
import os
import sys

# Storm speaks UTF-8 whatever the locale says.
sys.stdin.reconfigure(encoding="utf-8")
sys.stdout.reconfigure(encoding="utf-8", newline="\n")


def read():
    """The next message from Storm. Exits quietly when Storm closes the pipe (the worker is going away)."""
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        if line == "end\n":
            return json.loads("".join(lines))
        lines.append(line)


def send(message):
    # Compact JSON cannot hold a raw newline, so it can never contain a line that reads "end".
    sys.stdout.write(json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\nend\n")
    sys.stdout.flush()


def handshake():
    """Storm's first message is {conf, pidDir, context}. Create <pidDir>/<pid> (the supervisor kills every pid
    listed there), answer with the pid, and return the message."""
    setup = read()
    open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
    send({"pid": os.getpid()})
    return setup


def log(msg, level=2):
    """0 TRACE, 1 DEBUG, 2 INFO, 3 WARN, 4 ERROR."""
    send({"command": "log", "msg": msg, "level": level})


def emit(values, anchor):
    # need_task_ids false: otherwise Storm answers every emit with a list of task ids we would have to read.
    send({"command": "emit", "anchors": [anchor["id"]], "tuple": values, "need_task_ids": False})


def ack(tup):
    send({"command": "ack", "id": tup["id"]})


def fail(tup):
    send({"command": "fail", "id": tup["id"]})


def error(msg):
    """Shown as the component's last error in the Storm UI."""
    send({"command": "error", "msg": msg})


def tuples():
    """Yield the tuples Storm sends, answering heartbeats on the way. Never ack a heartbeat: its id is unknown to
    Storm, and acking it kills the worker."""
    while True:
        message = read()
        if isinstance(message, list):
            continue  # a task-id list; we never ask for one, but skipping it keeps the stream in step
        if message.get("stream") == "__heartbeat":
            send({"command": "sync"})
            continue
        yield message
