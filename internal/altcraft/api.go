// Package altcraft is the one home of the Altcraft profile import API's wire
// format — its methods and paths, matching modes and their keys, subscription
// channels, answer bodies and error codes — and of the client that speaks it.
//
// Everything here follows the vendor's public developer guides; where they leave
// the format open (the batch layout), this package is the one place that decides it.
package altcraft

import "strings"

// APIPrefix starts the path of every method, relative to the platform's base URL.
const APIPrefix = "/api/v1.1/"

// Method is one of the API's import methods, named as in its path.
type Method string

// The six import methods.
const (
	MethodImport      Method = "profiles/import"       // add or update one profile
	MethodUpdate      Method = "profiles/update"       // update one, never create
	MethodAdd         Method = "profiles/add"          // add one without looking up
	MethodImportBatch Method = "profiles/import_batch" // add or update many
	MethodUpdateBatch Method = "profiles/update_batch" // update many
	MethodAddBatch    Method = "profiles/add_batch"    // add many
)

// Methods lists every import method.
var Methods = []Method{MethodImport, MethodUpdate, MethodAdd, MethodImportBatch, MethodUpdateBatch, MethodAddBatch}

// Path is the method's request path, e.g. /api/v1.1/profiles/import.
func (m Method) Path() string { return APIPrefix + string(m) }

// Batch reports whether the method takes data as an array of profiles.
func (m Method) Batch() bool { return strings.HasSuffix(string(m), "_batch") }

// Operation is the single-profile form of the method: profiles/import for
// profiles/import_batch.
func (m Method) Operation() Operation {
	switch m {
	case MethodUpdate, MethodUpdateBatch:
		return Update
	case MethodAdd, MethodAddBatch:
		return Add
	}
	return Upsert
}

// MethodOfPath returns the method a request path names. The vendor's pages spell
// add_batch with a trailing slash, so one is accepted on any method.
func MethodOfPath(path string) (Method, bool) {
	rest, ok := strings.CutPrefix(path, APIPrefix)
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	for _, m := range Methods {
		if string(m) == rest {
			return m, true
		}
	}
	return "", false
}

// MaxBatchItems is the most profiles the vendor recommends in one batch request.
const MaxBatchItems = 10_000

// MaxBatchBytes is the vendor's recommended (and default) limit of a request
// body; a batch is kept under it.
const MaxBatchBytes = 10 << 20

// Operation is what an import does with each profile: the mapping's mode.
type Operation string

// The three operations, as the mapping file and --mode spell them.
const (
	Upsert Operation = "upsert" // profiles/import: update the matching profile or create one
	Update Operation = "update" // profiles/update: update the matching profile; never create
	Add    Operation = "add"    // profiles/add: create without looking up; no matching key is sent
)

// Operations lists the operations, the default first.
var Operations = []Operation{Upsert, Update, Add}

// Method is the operation's method, its batch form when batch is set.
func (o Operation) Method(batch bool) Method {
	switch {
	case o == Update && batch:
		return MethodUpdateBatch
	case o == Update:
		return MethodUpdate
	case o == Add && batch:
		return MethodAddBatch
	case o == Add:
		return MethodAdd
	case batch:
		return MethodImportBatch
	}
	return MethodImport
}

// Matches reports whether requests of the operation carry a matching mode and key.
func (o Operation) Matches() bool { return o != Add }

// Mode is a matching mode: how the API finds the existing profile a request is for.
type Mode string

// The matching modes the vendor lists.
const (
	MatchEmail         Mode = "email"
	MatchEmailProfile  Mode = "email_profile"
	MatchEmailSub      Mode = "email_sub"
	MatchPhone         Mode = "phone"
	MatchPhoneSub      Mode = "phone_sub"
	MatchProfileID     Mode = "profile_id"
	MatchPushSub       Mode = "push_sub"
	MatchCustom        Mode = "custom"
	MatchCustomSub     Mode = "custom_sub"
	MatchEmailPhone    Mode = "email_phone"
	MatchEmailPhoneSub Mode = "email_phone_sub"
)

// DefaultMode is the API's matching mode when a request names none.
const DefaultMode = MatchEmail

// Modes lists every matching mode, in the vendor's order.
var Modes = []Mode{MatchEmail, MatchEmailProfile, MatchEmailSub, MatchPhone, MatchPhoneSub, MatchProfileID,
	MatchPushSub, MatchCustom, MatchCustomSub, MatchEmailPhone, MatchEmailPhoneSub}

// KeyKind is what a matching mode finds a profile by.
type KeyKind uint8

// Keys of the matching modes.
const (
	KeyUnknown    KeyKind = iota
	KeyEmail              // the top-level email
	KeyPhone              // the top-level phone
	KeyProfileID          // the top-level profile_id
	KeyCustom             // field_name and field_value
	KeyEmailPhone         // email when given, else phone; one of the two is needed
	KeyPush               // a push subscription
)

// Key is what the mode finds a profile by; KeyUnknown for an unknown mode.
func (m Mode) Key() KeyKind {
	switch m {
	case MatchEmail, MatchEmailProfile, MatchEmailSub:
		return KeyEmail
	case MatchPhone, MatchPhoneSub:
		return KeyPhone
	case MatchProfileID:
		return KeyProfileID
	case MatchCustom, MatchCustomSub:
		return KeyCustom
	case MatchEmailPhone, MatchEmailPhoneSub:
		return KeyEmailPhone
	case MatchPushSub:
		return KeyPush
	}
	return KeyUnknown
}

// Known reports whether m is one of Modes.
func (m Mode) Known() bool { return m.Key() != KeyUnknown }

// NeedsResource reports whether the mode matches through a subscription and so
// needs resource_id: the *_sub modes.
func (m Mode) NeedsResource() bool { return strings.HasSuffix(string(m), "_sub") }

// KeyInProfile reports whether the mode's key is a field of the profile itself
// (email, phones, a custom field), so that a batch item can carry it among its
// fields. profile_id and the subscription modes' keys are not.
func (m Mode) KeyInProfile() bool {
	switch m.Key() {
	case KeyEmail, KeyPhone, KeyCustom, KeyEmailPhone:
		return !m.NeedsResource()
	}
	return false
}

// Top-level keys of a request that carry the matching mode and key.
const (
	KeyMatching   = "matching"
	KeyResourceID = "resource_id"
	KeyFieldName  = "field_name"
	KeyFieldValue = "field_value"
)

// Request member names of the keys.
const (
	MemberEmail     = "email"
	MemberPhone     = "phone"
	MemberProfileID = "profile_id"
)

// Profile fields the keys live in.
const (
	FieldEmail  = "email"
	FieldPhones = "phones" // a list
)

// Channel is a subscription channel and the subscription key that holds its contact.
type Channel struct {
	Name    string
	Contact string // email, phone, subscription_id or cc_data
}

// The subscription channels.
const (
	ChannelEmail       = "email"
	ChannelSMS         = "sms"
	ChannelPush        = "push"
	ChannelNotify      = "notify"
	ChannelViber       = "viber"
	ChannelWhatsApp    = "whatsapp"
	ChannelTelegramBot = "telegram_bot"
)

// Channels lists the subscription channels, each with its contact key.
var Channels = []Channel{
	{ChannelEmail, "email"}, {ChannelSMS, "phone"}, {ChannelPush, "subscription_id"},
	{ChannelNotify, "cc_data"}, {ChannelViber, "cc_data"}, {ChannelWhatsApp, "cc_data"}, {ChannelTelegramBot, "cc_data"},
}

// LookupChannel returns the channel called name.
func LookupChannel(name string) (Channel, bool) {
	for _, c := range Channels {
		if c.Name == name {
			return c, true
		}
	}
	return Channel{}, false
}

// ChannelNames lists the channels' names.
func ChannelNames() []string {
	names := make([]string, len(Channels))
	for i, c := range Channels {
		names[i] = c.Name
	}
	return names
}

// Action is an update function: a field of data sent as
// {"action": A, "value": V} instead of a plain value.
type Action string

// The update functions an import can send.
const (
	ActionSet    Action = "set"    // the default: the value replaces the field's (sent as the plain value)
	ActionUnset  Action = "unset"  // delete the field; not allowed on email; no value
	ActionIncr   Action = "incr"   // add a number; negative decreases
	ActionAdd    Action = "add"    // add values to a list field
	ActionDelete Action = "delete" // remove values from a list field
)

// Actions lists the update functions.
var Actions = []Action{ActionSet, ActionUnset, ActionIncr, ActionAdd, ActionDelete}
