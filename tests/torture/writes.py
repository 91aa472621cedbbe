"""What the torture's writers send, shared by kill9.py and cluster.py: the protocols a
writer keeps, the actions it picks, and its next write on a protocol by its state."""

PREVENTIVE_ACTIONS = {
    "delivery_problem": ["cancel_sale", "confirm_address", "inform_carrier_pickup",
                         "inform_new_delivery_date", "message_customer"],
    "customer_return": ["inform_pickup_date", "inform_posting_code", "message_customer"],
    "unavailable": ["cancel_sale"],
    "cancellation_letter": ["request_cancellation_letter"],
}
CUSTOMER_ACTIONS = (["request_photos"] * 6 + ["confirm_address"] * 4 +
                    ["inform_posting_code"] * 4 + ["request_cancellation_letter"] * 3 +
                    ["message_customer"] * 4 + ["inform_pickup_date", "approve_cancellation",
                                                "cancel_sale", "inform_shipping", "send_part",
                                                "inform_carrier_pickup",
                                                "inform_new_delivery_date"])


class P:
    __slots__ = ("id", "body", "state", "version", "clock", "origin", "reason", "unknown")

    def __init__(self, pid, body):
        self.id = pid
        self.body = body
        self.state = None
        self.version = 0
        self.clock = None
        self.origin = body.get("origin", "customer")
        self.reason = body.get("reason")
        self.unknown = True     # not known to exist until a create is acknowledged


def action_body(p, rng, next_token, today):
    """An action of p's origin with its parameters: (name, body, token); token (from
    next_token()) is what makes its history entry unique, or None."""
    if p.origin == "preventive":
        name = rng.choice(PREVENTIVE_ACTIONS[p.reason])
    else:
        name = rng.choice(CUSTOMER_ACTIONS)
    body = {"action": name}
    token = None
    if name in ("inform_posting_code", "send_part"):
        token = next_token()
        body["posting_code"] = token
        if name == "send_part":
            body["tracking_url"] = "https://rastreio.example/" + token
    elif name == "message_customer":
        token = next_token()
        body["message"] = "Olá " + token
    elif name == "inform_carrier_pickup":
        token = next_token()
        body["pickup_code"] = token
    elif name in ("inform_pickup_date", "inform_new_delivery_date"):
        key = "pickup_date" if name == "inform_pickup_date" else "delivery_date"
        body[key] = today()
    return name, body, token


def next_write(p, rng, make_action):
    """The write a writer sends on p, known to exist, by its state: (kind, name, path,
    body, token), or None to leave it for now (its clock runs out); make_action(p, rng)
    gives an action's (name, body, token)."""
    if p.state in ("pending", "unresolved"):
        if rng.random() < 0.65:
            return None         # leave it: its response clock runs out
        name, body, token = make_action(p, rng)
        kind, path = "action", f"/v1/protocols/{p.id}/actions"
    elif p.state == "awaiting":
        if rng.random() < 0.75:
            return None
        name = "document_attached" if p.clock == "letter_wait" and rng.random() < 0.5 \
            else "customer_replied"
        body, token = {"event": name}, None
        kind, path = "event", f"/v1/protocols/{p.id}/events"
    elif p.state == "closed":
        if rng.random() < 0.85:
            return None
        name, body, token = "customer_replied", {"event": "customer_replied"}, None
        kind, path = "event", f"/v1/protocols/{p.id}/events"
    elif p.state == "mediation":
        if rng.random() < 0.5:
            return None
        name, body, token = "mediation_resolved", {"event": "mediation_resolved"}, None
        kind, path = "event", f"/v1/protocols/{p.id}/events"
    else:
        return None
    if rng.random() < 0.25:
        body["if_version"] = p.version
    return kind, name, path, body, token
