# moto's own server application (the one `moto_server` runs), served one request at a time.
#
# `moto_server` serves each request on its own thread, and moto's DynamoDB backend takes no lock: its UpdateItem
# reads the item, evaluates the condition, then applies the update as separate Python steps, and creates a missing
# item with a put that replaces one another thread created meanwhile. Under concurrent requests it loses updates
# (seen: 12 conditional holds of 0.3 granted against a ceiling of 3, the item left with 12 hold attributes and
# committed = 3.0, which no sequence of atomic updates can produce). DynamoDB applies the writes to one item one at
# a time; serving requests one at a time gives moto that guarantee, so concurrent clients test our expressions,
# not moto's threading.
#
# usage: python serial_moto_server.py HOST PORT
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False)
