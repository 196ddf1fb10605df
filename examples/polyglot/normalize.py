"""A Python bolt in a TypeScript topology: lower-cases each sentence, strips punctuation, and emits one tuple per
word, anchored to the sentence. Storm runs it as [python3, normalize.py] in the topology's resources folder."""
import string
import sys

# Write no __pycache__ next to the scripts: locally that is the source folder, on a cluster resources/.
sys.dont_write_bytecode = True

from storm_io import ack, emit, error, fail, handshake, log, tuples

setup = handshake()
me = "%s:%s" % (setup["context"]["componentid"], setup["context"]["taskid"])
log("normalize ready as " + me)

STRIP = str.maketrans("", "", string.punctuation)

for tup in tuples():
    if tup["stream"] == "__tick":
        ack(tup)  # tick tuples must be acked too, or they pile up in Storm's pending map
        continue
    try:
        sentence = tup["tuple"][0]
        words = sentence.lower().translate(STRIP).split()
        for position, word in enumerate(words):
            emit([word, position], tup)
        ack(tup)
    except Exception as exc:  # report and fail this tuple (the spout may replay it); keep serving the rest
        error("normalize failed on %r: %s" % (tup.get("tuple"), exc))
        print("normalize: %s" % exc, file=sys.stderr)
        fail(tup)
