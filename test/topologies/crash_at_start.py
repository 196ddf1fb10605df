"""A shell component that fails before the handshake, saying why on stderr (as a script with a syntax error does)."""
import sys

sys.stderr.write("boom: this component cannot start\n")
sys.exit(3)
