package mapping

// The subscriptions section.

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
)

func (p *parser) parseSubscriptions(m *Mapping, n *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.fail(n.Line, "subscriptions", ErrInvalid, "must be a list of { channel: ..., resource_id: ..., ... }, not %s", describe(n))
		return
	}
	for i, item := range n.Content {
		if sub := p.subscription(resolve(item), fmt.Sprintf("subscriptions[%d]", i)); sub != nil {
			m.subs = append(m.subs, sub)
		}
	}
}

func (p *parser) subscription(n *yaml.Node, path string) *subscription {
	entries := p.entries(n, path, subscriptionKeys, ErrInvalid)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	sub := &subscription{line: n.Line}
	vals := map[string]*yaml.Node{}
	for _, e := range entries {
		vals[e.key] = e.val
	}
	ok := true
	channel, contact := "", ""
	if v := vals["channel"]; v == nil {
		p.fail(n.Line, join(path, "channel"), ErrInvalid, "missing channel")
		ok = false
	} else if s, good := p.str(v, join(path, "channel")); good {
		if c, known := altcraft.LookupChannel(s); known {
			channel, contact = c.Name, c.Contact
		} else {
			p.fail(v.Line, join(path, "channel"), ErrInvalid, "unknown channel %q (known channels: %s)", s, strings.Join(altcraft.ChannelNames(), ", "))
			ok = false
		}
	} else {
		ok = false
	}
	resourceID := 0
	if v := vals["resource_id"]; v == nil {
		p.fail(n.Line, join(path, "resource_id"), ErrInvalid, "missing resource_id")
		ok = false
	} else if resourceID, _ = p.positiveInt(v, join(path, "resource_id")); resourceID == 0 {
		ok = false
	}
	if channel != "" && vals[contact] == nil {
		p.fail(n.Line, join(path, contact), ErrInvalid, "channel %s needs %s", channel, contact)
		ok = false
	}
	sub.channel = channel
	sub.prefix = append(sub.prefix, `{"channel":`...)
	sub.prefix = appendString(sub.prefix, channel)
	sub.prefix = append(sub.prefix, `,"resource_id":`...)
	sub.prefix = strconv.AppendInt(sub.prefix, int64(resourceID), 10)
	for _, e := range entries {
		epath := join(path, e.key)
		switch e.key {
		case "channel", "resource_id":
		case "email", "phone", "provider", "subscription_id":
			owner := map[string]string{"email": altcraft.ChannelEmail, "phone": altcraft.ChannelSMS,
				"subscription_id": altcraft.ChannelPush, "provider": altcraft.ChannelPush}[e.key]
			if channel != "" && channel != owner {
				p.fail(e.keyLine, epath, ErrInvalid, "%s is for channel %s, not %s", e.key, owner, channel)
				ok = false
				continue
			}
			def, fixed := kindString, false
			switch e.key {
			case "email":
				def, fixed = kindEmail, true
			case "phone":
				def, fixed = kindPhone, true
			}
			s := p.source(e.val, epath, e.key, e.keyLine, def, fixed, false)
			switch {
			case s == nil:
				ok = false
			case e.key == contact:
				sub.contact = s
			default:
				sub.parts = append(sub.parts, s)
			}
		case "status":
			st, good := p.status(e.val, epath, e.keyLine)
			switch {
			case !good:
				ok = false
			case st.isConst:
				sub.prefix = append(append(sub.prefix, `,"status":`...), st.constant...)
				sub.status = statusConst
				sub.statusWord = constStatus(st)
			default:
				sub.parts = append(sub.parts, st)
				sub.status = statusColumn
			}
		case "priority":
			var v int
			if e.val.Kind == yaml.ScalarNode && e.val.Tag == "!!int" && e.val.Decode(&v) == nil {
				sub.prefix = strconv.AppendInt(append(sub.prefix, `,"priority":`...), int64(v), 10)
			} else {
				p.fail(e.val.Line, epath, ErrInvalid, "must be an integer, not %s", describe(e.val))
				ok = false
			}
		case "cats":
			items := []*yaml.Node{e.val}
			if e.val.Kind == yaml.SequenceNode {
				items = e.val.Content
			}
			sub.prefix = append(sub.prefix, `,"cats":[`...)
			for i, it := range items {
				s, good := p.str(resolve(it), epath)
				if !good {
					ok = false
				}
				if i > 0 {
					sub.prefix = append(sub.prefix, ',')
				}
				sub.prefix = appendString(sub.prefix, s)
			}
			sub.prefix = append(sub.prefix, ']')
		case "cc_data", "custom_fields":
			if e.key == "cc_data" && channel != "" && contact != "cc_data" {
				p.fail(e.keyLine, epath, ErrInvalid, "cc_data is for channels notify, viber, whatsapp and telegram_bot, not %s", channel)
				ok = false
				continue
			}
			obj := subObject{name: e.key}
			for _, f := range p.entries(e.val, epath, nil, ErrDuplicateField) {
				def := kindString
				if f.key == "phone" {
					def = kindPhone
				}
				if s := p.source(f.val, join(epath, f.key), f.key, f.keyLine, def, false, false); s != nil {
					obj.parts = append(obj.parts, s)
				} else {
					ok = false
				}
			}
			if len(obj.parts) == 0 && resolve(e.val).Kind == yaml.MappingNode {
				p.fail(e.val.Line, epath, ErrInvalid, "%s must not be empty", e.key)
				ok = false
			}
			sub.objects = append(sub.objects, obj)
		}
	}
	if !ok {
		return nil
	}
	return sub
}
