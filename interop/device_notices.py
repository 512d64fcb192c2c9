"""A device maker's client (Eclipse Paho, Python) learning what the gateway refused.

Connects as a registered device, subscribes to its own rejects topic and, to check the ACL, to
another device's; publishes one bad message of each kind at QoS 1 and prints, as JSON, the
SUBACK codes and each notice received, after each message's PUBACK.

    python device_notices.py HOST PORT DEVICE_ID TOKEN STORE_ID OTHER_DEVICE_ID
"""
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

host, port, device, token, store, other = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
sales = f"stores/{store}/devices/{device}/sales"
rejects = f"stores/{store}/devices/{device}/rejects"


def sale(**fields):
    base = {"device_id": device, "store_id": store, "timestamp": "2025-05-01T10:15:00Z", "product_id": 101, "price": 15.5}
    return json.dumps({**base, **fields}).encode()


BAD = [
    ("invalid_json", b'{"event_id": "p-1", price}'),
    ("invalid_type", sale(event_id="p-type", price="cheap")),
    ("device_mismatch", sale(event_id="p-dev", device_id="not-me")),
    ("invalid_timestamp", sale(event_id="p-ts", timestamp="tomorrow")),
    ("price_precision", sale(event_id="p-cents", price=1.234)),
    ("invalid_value", sale(event_id="p-qty", quantity=0)),
]

notices = []
granted = {}
subscribed = threading.Event()
arrived = threading.Condition()


def on_subscribe(client, userdata, mid, reason_codes, properties):
    granted[mid] = [code.value for code in reason_codes]
    if len(granted) == 2:
        subscribed.set()


def on_message(client, userdata, message):
    with arrived:
        notices.append({"topic": message.topic, "qos": message.qos, "notice": json.loads(message.payload)})
        arrived.notify_all()


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, protocol=mqtt.MQTTv311)
client.username_pw_set(device, token)
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, port)
client.loop_start()
own = client.subscribe(rejects, qos=1)[1]
foreign = client.subscribe(f"stores/{store}/devices/{other}/rejects", qos=1)[1]
if not subscribed.wait(30):
    sys.exit("no SUBACK within 30 s")
for _, payload in BAD:
    client.publish(sales, payload, qos=1).wait_for_publish(30)
with arrived:
    arrived.wait_for(lambda: len(notices) >= len(BAD), timeout=30)
time.sleep(0.3)  # anything more would be a notice too many
client.loop_stop()
client.disconnect()
print(json.dumps({"expected": [reason for reason, _ in BAD], "suback": {"own": granted[own], "foreign": granted[foreign]}, "notices": notices}))
