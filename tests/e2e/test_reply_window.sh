# spec.md §3–§5: message_customer closes a protocol with a 60-day reply window; the
# customer's reply inside it reopens the protocol (unresolved, with a new response clock
# from the reply); the window running out resolves it. The message must be a non-blank
# text; sellers that use Envvias may not message the customer.
. "$(dirname "$0")/lib.sh"

# t INSTANT [DATE-OFFSET]: an instant as the daemon writes it (São Paulo, seconds).
t() {
	TZ=America/Sao_Paulo date -d "$1${2:+ $2}" +%Y-%m-%dT%H:%M:%S%:z
}

# create_for SELLER ID [EXTRA_JSON_MEMBERS]
create_for() {
	api POST /v1/protocols "{\"id\":\"$2\",\"seller\":\"$1\"${3:+,$3}}"
}

# state_version ID: "STATE VERSION" of the protocol now.
state_version() {
	show "$1"
	j '"\(.state) \(.version)"'
}

ALL12="approve_cancellation,cancel_sale,confirm_address,inform_carrier_pickup,inform_new_delivery_date,inform_pickup_date,inform_posting_code,inform_shipping,message_customer,request_cancellation_letter,request_photos,send_part"
ALL11_NO_MSG="approve_cancellation,cancel_sale,confirm_address,inform_carrier_pickup,inform_new_delivery_date,inform_pickup_date,inform_posting_code,inform_shipping,request_cancellation_letter,request_photos,send_part"

B=2026-11-23T12:00:00-03:00
start_daemon $B

# --- message_customer closes with the 60-day reply window -----------------------------
create r1
act r1 message_customer '"message":"Olá! O produto foi reenviado."'
check_status "message_customer accepted" 200
check "message_customer → closed" "closed" "$(j .state)"
check "closed is Encerrado" "Encerrado" "$(j .state_label)"
check "the reply window runs" "reply_window" "$(j .clock.kind)"
check "the window starts at the message" "$B" "$(j .clock.started_at)"
check "the window lasts 60 days" "$(t $B '+60 days')" "$(j .clock.due_at)"
check "the window has no warning" "null" "$(j .clock.warn_at)"
check "60 days left" "5184000" "$(j .clock.remaining_s)"
check "closed takes no action" "0" "$(j '.allowed_actions | length')"
check "version +1" "2" "$(j .version)"
api GET /v1/protocols/r1/history
check "the history keeps the message" "Olá! O produto foi reenviado." \
	"$(j '.items[1].detail.message')"
check "history entry" "action message_customer pending closed" \
	"$(j '.items[1] | "\(.cause) \(.name) \(.from) \(.to)"')"
act r1 cancel_sale
check_status "an action while closed is refused" 409
check "its code" "action_not_allowed" "$(j .code)"

for id in r2 r3 r4 r5; do
	create $id
	act $id message_customer '"message":"Pode confirmar se recebeu?"'
	check "$id closed" "closed" "$(j .state)"
done

# --- A blank or missing message is refused and changes nothing ------------------------
create r6
act r6 message_customer
check_status "message_customer without message" 422
check "its code" "missing_param" "$(j .code)"
act r6 message_customer '"message":""'
check_status "empty message" 422
check "its code" "invalid_param" "$(j .code)"
act r6 message_customer '"message":"   "'
check_status "blank message" 422
check "its code" "invalid_param" "$(j .code)"
act r6 message_customer '"message":"\n\t "'
check_status "whitespace-only message" 422
check "its code" "invalid_param" "$(j .code)"
act r6 message_customer '"message":null'
check_status "null message" 422
check "its code" "invalid_param" "$(j .code)"
act r6 message_customer '"message":42'
check_status "a number as message" 422
check "its code" "invalid_param" "$(j .code)"
act r6 message_customer "\"message\":\"$(head -c 4001 /dev/zero | tr '\0' x)\""
check_status "a message over 4000 bytes" 422
check "its code" "invalid_param" "$(j .code)"
show r6
check "nothing changed" "pending 1 response" "$(j '"\(.state) \(.version) \(.clock.kind)"')"
check "history: only the creation" "create:create:null>pending" "$(history_names r6)"
act r6 message_customer '"message":" ok "'
check_status "a message with text around blanks is fine" 200
check "r6 closed" "closed 2" "$(j '"\(.state) \(.version)"')"

# --- Envvias sellers may not message the customer -------------------------------------
create_for S2 e0
act e0 message_customer '"message":"Antes do Envvias"'
check "e0 closed before S2 used Envvias" "closed" "$(j .state)"
api PUT /v1/sellers/S2 '{"envvias":true}'
check_status "PUT /v1/sellers/S2 envvias" 200
check "the answer" "S2 true" "$(j '"\(.id) \(.envvias)"')"
api GET /v1/sellers/S2
check "GET says envvias" "true" "$(j .envvias)"
api GET /v1/sellers/S1
check "S1 (never set) is not on Envvias" "false" "$(j .envvias)"
api PUT /v1/sellers/S2 '{"envvias":"yes"}'
check_status "envvias must be a boolean" 422
api GET /v1/sellers/S2
check "the bad PUT changed nothing" "true" "$(j .envvias)"
create_for S2 e1
check_status "create e1 for S2" 201
check "e1: allowed_actions omit message_customer" "$ALL11_NO_MSG" \
	"$(j '.allowed_actions | sort | join(",")')"
show e1
check "GET e1: allowed_actions omit message_customer" "$ALL11_NO_MSG" \
	"$(j '.allowed_actions | sort | join(",")')"
act e1 message_customer '"message":"Olá"'
check_status "message_customer for an Envvias seller" 409
check "its code" "action_not_allowed_for_envvias" "$(j .code)"
check "it says what is allowed" "$ALL11_NO_MSG" "$(j '.allowed | sort | join(",")')"
check "the refusal names Envvias" "true" "$(j '.detail | test("Envvias")')"
check "nothing changed" "pending 1" "$(state_version e1)"
act e1 request_photos
check_status "other actions still work for Envvias sellers" 200
check "e1 awaiting" "awaiting" "$(j .state)"
create_for S2 e2
act e2 cancel_sale
check_status "cancel_sale for an Envvias seller" 200
check "e2 resolved" "resolved" "$(j .state)"
create_for S2 e3
create_for S2 e4 '"origin":"preventive","reason":"customer_return"'
check "preventive customer_return of an Envvias seller: no message_customer" \
	"inform_pickup_date,inform_posting_code" "$(j '.allowed_actions | sort | join(",")')"
create r7
check "S1's protocols still allow every action" "$ALL12" \
	"$(j '.allowed_actions | sort | join(",")')"
# The customer of e0 (closed before Envvias) replies: back in the queue, no messaging.
event e0 customer_replied
check_status "customer_replied on e0" 200
check "e0 unresolved" "unresolved" "$(j .state)"
check "e0 in unresolved: allowed_actions omit message_customer" "$ALL11_NO_MSG" \
	"$(j '.allowed_actions | sort | join(",")')"
act e0 message_customer '"message":"De novo"'
check_status "message_customer in unresolved for an Envvias seller" 409
check "its code" "action_not_allowed_for_envvias" "$(j .code)"
check "e0 unchanged" "unresolved 3" "$(state_version e0)"
# Envvias off again.
api PUT /v1/sellers/S2 '{"envvias":false}'
check_status "PUT /v1/sellers/S2 envvias off" 200
show e3
check "envvias off: message_customer allowed again" "$ALL12" \
	"$(j '.allowed_actions | sort | join(",")')"
act e3 message_customer '"message":"Agora pode"'
check_status "message_customer after envvias off" 200
check "e3 closed" "closed reply_window" "$(j '"\(.state) \(.clock.kind)"')"
act e0 message_customer '"message":"Agora pode"'
check_status "message_customer in unresolved after envvias off" 200
check "e0 closed again" "closed" "$(j .state)"

# --- The customer replies inside the window: unresolved, response clock from the reply --
set_clock "$(t $B '+1 day')"
event r2 customer_replied
check_status "customer_replied inside the window" 200
check "r2 unresolved" "unresolved" "$(j .state)"
check "Não resolvido" "Não resolvido" "$(j .state_label)"
check "r2 allows every action again" "$ALL12" "$(j '.allowed_actions | sort | join(",")')"
act r2 request_photos
check_status "the seller acts in unresolved" 200
check "r2 awaiting photos" "awaiting photos_wait" "$(j '"\(.state) \(.clock.kind)"')"
event r3 customer_replied
check "r3 unresolved" "unresolved" "$(j .state)"
event r3 customer_replied
check_status "a second customer_replied in unresolved is refused" 409
check "its code" "event_not_allowed" "$(j .code)"

set_clock "$(t $B '+2 days')"
act r3 message_customer '"message":"Respondido, obrigado."'
check_status "message_customer again from unresolved" 200
check "r3 closed again" "closed" "$(j .state)"
check "a new window from the new message" "$(t $B '+2 days') $(t $B '+62 days')" \
	"$(j '"\(.clock.started_at) \(.clock.due_at)"')"

set_clock "$(t $B '+10 days')"
event r1 customer_replied
check_status "customer_replied 10 days into the window" 200
check "r1 unresolved" "unresolved" "$(j .state)"
check "r1 response clock" "response" "$(j .clock.kind)"
check "r1 response starts at the reply" "$(t $B '+10 days')" "$(j .clock.started_at)"
check "r1 response due 48h after the reply" "$(t $B '+12 days')" "$(j .clock.due_at)"
check "r1 warns 4h before" "$(t $B '+12 days -4 hours')" "$(j .clock.warn_at)"
check "r1 version" "3" "$(j .version)"

# --- Unresolved and the seller does nothing: mediation after 48h -----------------------
set_clock "$(t $B '+12 days -1 second')"
check "r1 unresolved a second before its deadline" "unresolved 3" "$(state_version r1)"
set_clock "$(t $B '+12 days')"
show r1
check "r1 mediated 48h after the reply" "mediation" "$(j .state)"
check "r1 mediation has no clock" "null" "$(j .clock)"
check "r1 history" "create:create:null>pending action:message_customer:pending>closed event:customer_replied:closed>unresolved warning:response:unresolved>unresolved expiry:response:unresolved>mediation" \
	"$(history_names r1)"
api GET /v1/protocols/r1/history
check "r1 warning due 44h after the reply" "$(t $B '+12 days -4 hours')" "$(j '.items[3].due_at')"
check "r1 expiry due 48h after the reply" "$(t $B '+12 days') 0" \
	"$(j '.items[4] | "\(.due_at) \(.late_ms)"')"
event r1 customer_replied
check_status "customer_replied in mediation is refused" 409

# --- The window runs out: resolved exactly at 60 days ----------------------------------
set_clock "$(t $B '+60 days -1 second')"
show r4
check "r4 still closed a second before 60 days" "closed" "$(j .state)"
check "r4 one second left" "1" "$(j .clock.remaining_s)"
event r5 customer_replied
check_status "customer_replied in the window's last second" 200
check "r5 unresolved" "unresolved" "$(j .state)"
check "r5 response from the reply" "$(t $B '+60 days -1 second')" "$(j .clock.started_at)"
set_clock "$(t $B '+60 days')"
show r4
check "r4 resolved at 60 days" "resolved" "$(j .state)"
check "r4 resolved has no clock" "null" "$(j .clock)"
check "r4 version" "3" "$(j .version)"
check "r4 history" "create:create:null>pending action:message_customer:pending>closed expiry:reply_window:closed>resolved" \
	"$(history_names r4)"
api GET /v1/protocols/r4/history
check "r4 expiry due at 60 days, on time" "$(t $B '+60 days') 0" \
	"$(j '.items[2] | "\(.due_at) \(.late_ms)"')"
check "no warning on the reply window" "0" "$(j '[.items[] | select(.cause == "warning")] | length')"
event r4 customer_replied
check_status "customer_replied after the window ran out" 409
check "its code" "event_not_allowed" "$(j .code)"
check "r4 unchanged" "resolved 3" "$(state_version r4)"
show r3
check "r3 (window restarted at 2 days) still closed" "closed" "$(j .state)"
show r5
check "r5 unresolved, not resolved by the old window" "unresolved" "$(j .state)"
show r6
check "r6 (messaged at the start too) resolved" "resolved" "$(j .state)"

set_clock "$(t $B '+62 days -1 second')"
show r3
check "r3 closed a second before its 60 days" "closed" "$(j .state)"
set_clock "$(t $B '+62 days')"
show r3
check "r3 resolved 60 days after its second message" "resolved" "$(j .state)"
api GET /v1/protocols/r3/history
check "r3's expiry" "expiry reply_window closed resolved $(t $B '+62 days')" \
	"$(j '.items[-1] | "\(.cause) \(.name) \(.from) \(.to) \(.due_at)"')"
check "r3 has exactly one expiry" "1" "$(j '[.items[] | select(.cause == "expiry")] | length')"
show r5
check "r5 mediated 48h after its late reply" "mediation" "$(j .state)"
finish
