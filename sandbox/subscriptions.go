package sandbox

import (
	"strconv"
	"strings"

	"github.com/acimport/acimport/internal/altcraft"
)

// knownChannel reports whether the platform knows the subscription channel.
func knownChannel(name string) bool {
	_, ok := altcraft.LookupChannel(name)
	return ok
}

// validateSubscriptions checks data["subscriptions"] and returns the ones to
// store. With skip set (the request's skip_invalid_subscriptions) a bad
// subscription is dropped instead of failing the request; a value that is not
// a list fails it either way.
func (s *Server) validateSubscriptions(v any, skip bool) ([]map[string]any, *apiError) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidValue("subscriptions", v)
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		sub, e := s.validateSubscription(i, item)
		if e != nil {
			if skip {
				continue
			}
			return nil, e
		}
		out = append(out, sub)
	}
	return out, nil
}

func (s *Server) validateSubscription(i int, item any) (map[string]any, *apiError) {
	prefix := "subscriptions[" + strconv.Itoa(i) + "]"
	sub, ok := item.(map[string]any)
	if !ok {
		return nil, invalidValue(prefix, item)
	}
	field := func(name string) string { return prefix + "." + name }

	ch, ok := sub["channel"]
	if !ok || ch == nil {
		return nil, requiredField(field("channel"))
	}
	channel, ok := ch.(string)
	if !ok || !knownChannel(channel) {
		return nil, invalidValue(field("channel"), ch)
	}
	rv, ok := sub["resource_id"]
	if !ok || rv == nil {
		return nil, requiredField(field("resource_id"))
	}
	rid, ok := positiveInt(rv)
	if !ok {
		return nil, invalidValue(field("resource_id"), rv)
	}
	if !s.resourceExists(rid) {
		return nil, resourceNotFound(rid)
	}

	switch channel {
	case altcraft.ChannelEmail:
		if e := requireString(sub, field, "email", validEmail); e != nil {
			return nil, e
		}
	case altcraft.ChannelSMS:
		if e := requireString(sub, field, "phone", validPhone); e != nil {
			return nil, e
		}
	case altcraft.ChannelPush:
		nonEmpty := func(s string) bool { return s != "" }
		if e := requireString(sub, field, "provider", nonEmpty); e != nil {
			return nil, e
		}
		if e := requireString(sub, field, "subscription_id", nonEmpty); e != nil {
			return nil, e
		}
	case altcraft.ChannelTelegramBot:
		cc, e := ccData(sub, field)
		if e != nil {
			return nil, e
		}
		id, ok := cc["id"]
		if !ok || id == nil {
			return nil, requiredField(field("cc_data.id"))
		}
		if _, isNum := id.(float64); !isNum {
			if s, isStr := id.(string); !isStr || s == "" {
				return nil, invalidValue(field("cc_data.id"), id)
			}
		}
	default: // notify, viber, whatsapp: addressed by phone
		cc, e := ccData(sub, field)
		if e != nil {
			return nil, e
		}
		if e := requireString(cc, field, "cc_data.phone", validPhone, "phone"); e != nil {
			return nil, e
		}
	}

	if e := optionalSubFields(sub, field); e != nil {
		return nil, e
	}
	return sub, nil
}

// requireString checks that m[key] is a string accepted by ok. The error
// names field(name); key defaults to name.
func requireString(m map[string]any, field func(string) string, name string, ok func(string) bool, key ...string) *apiError {
	k := name
	if len(key) > 0 {
		k = key[0]
	}
	v, present := m[k]
	if !present || v == nil {
		return requiredField(field(name))
	}
	s, isStr := v.(string)
	if !isStr || !ok(s) {
		return invalidValue(field(name), v)
	}
	return nil
}

func ccData(sub map[string]any, field func(string) string) (map[string]any, *apiError) {
	v, ok := sub["cc_data"]
	if !ok || v == nil {
		return nil, requiredField(field("cc_data"))
	}
	cc, ok := v.(map[string]any)
	if !ok {
		return nil, invalidValue(field("cc_data"), v)
	}
	return cc, nil
}

func optionalSubFields(sub map[string]any, field func(string) string) *apiError {
	if v, ok := sub["status"]; ok && v != nil {
		if _, known := altcraft.LookupStatus(scalarText(v)); !known {
			return invalidValue(field("status"), v)
		}
	}
	if v, ok := sub["priority"]; ok && v != nil {
		if f, isNum := v.(float64); !isNum || f != float64(int64(f)) {
			return invalidValue(field("priority"), v)
		}
	}
	if v, ok := sub["custom_fields"]; ok && v != nil {
		if _, isObj := v.(map[string]any); !isObj {
			return invalidValue(field("custom_fields"), v)
		}
	}
	if v, ok := sub["cats"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			return invalidValue(field("cats"), v)
		}
		for _, c := range list {
			if _, isStr := c.(string); !isStr {
				return invalidValue(field("cats"), v)
			}
		}
	}
	return nil
}

// subscriptionKey identifies a subscription for merging: the same channel,
// resource and contact is the same subscription, and a new one replaces it.
func subscriptionKey(sub map[string]any) string {
	channel, _ := sub["channel"].(string)
	rid, _ := positiveInt(sub["resource_id"])
	var contact string
	switch channel {
	case altcraft.ChannelEmail:
		e, _ := sub["email"].(string)
		contact = strings.ToLower(e)
	case altcraft.ChannelSMS:
		contact, _ = sub["phone"].(string)
	case altcraft.ChannelPush:
		p, _ := sub["provider"].(string)
		id, _ := sub["subscription_id"].(string)
		contact = p + "\x00" + id
	default:
		cc, _ := sub["cc_data"].(map[string]any)
		if channel == altcraft.ChannelTelegramBot {
			contact = scalarText(cc["id"])
		} else {
			contact, _ = cc["phone"].(string)
		}
	}
	return channel + "\x00" + strconv.Itoa(rid) + "\x00" + contact
}

// mergeSubscriptions returns stored with each of incoming added, replacing a
// stored subscription with the same key in place.
func mergeSubscriptions(stored any, incoming []map[string]any) []any {
	list, _ := stored.([]any)
	for _, sub := range incoming {
		key := subscriptionKey(sub)
		replaced := false
		for i, old := range list {
			if om, ok := old.(map[string]any); ok && subscriptionKey(om) == key {
				list[i] = sub
				replaced = true
				break
			}
		}
		if !replaced {
			list = append(list, sub)
		}
	}
	return list
}
