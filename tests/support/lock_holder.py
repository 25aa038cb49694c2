"""A process that holds the warehouse file's writer lock: `python -c HOLD_LOCK <file> <seconds>` prints
"holding" once it has the lock, then keeps it that long."""

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""
