"""A bolt that answers the handshake as Storm's storm.py does: the pid first, the pid file after it. With the conf
key test.pid.delay (seconds) it writes the file that much later; with a negative value it never writes it."""
import os, time
from multilang import read, send, tuples

setup = read()
send({"pid": os.getpid()})
delay = float(setup["conf"].get("test.pid.delay", 0))
if delay >= 0:
    time.sleep(delay)
    open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
for tup in tuples():
    send({"command": "ack", "id": tup["id"]})
