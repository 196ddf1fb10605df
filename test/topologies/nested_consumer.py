"""A Python bolt receiving nested values from a squall spout. squall sends an object or array as one string: the
character U+001E, then its JSON text; a string that itself began with U+001E gets a second one in front. This bolt
decodes the values that way and checks them against what the spout emitted."""
import json
from multilang import handshake, send, tuples

MARK = "\x1e"


def decode(value):
    """A tuple value as the squall component emitted it."""
    if isinstance(value, str) and value.startswith(MARK):
        rest = value[1:]
        return rest if rest.startswith(MARK) else json.loads(rest)
    return value


def expected(n):
    nested = {"x": n, "big": 9007199254740993 + n, "deeper": [{"y": [n, None, True, "\u00e9"]}]}
    return [{"id": n, "tags": ["a", "b"], "nested": nested}, {"kind": n % 3, "tags": ["g", n % 3]}, n, MARK + "user text %d" % n, [["list"], n]]


handshake()
for tup in tuples():
    values = [decode(v) for v in tup["tuple"]]
    n = values[2]
    verdict = "ok" if values == expected(n) else "bad: %r" % (values,)
    send({"command": "emit", "anchors": [tup["id"]], "tuple": [n, verdict], "need_task_ids": False})
    send({"command": "ack", "id": tup["id"]})
