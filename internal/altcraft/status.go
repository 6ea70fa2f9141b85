package altcraft

import "strconv"

// Status is a subscription's status, as the API spells it in a subscription's
// "status" member: a word, or its number.
type Status struct {
	Name    string // subscribed, unsubscribed, ...
	Number  int    // the same status as a number: 0 for subscribed, ...
	Meaning string // for `acimport help mapping`
}

// The subscription statuses' words.
const (
	StatusSubscribed   = "subscribed"
	StatusUnsubscribed = "unsubscribed"
	StatusComplained   = "complained"
	StatusHardbounced  = "hardbounced"
	StatusUnconfirmed  = "unconfirmed"
	StatusSuspended    = "suspended"
	StatusInvalid      = "invalid"
)

// Statuses lists the subscription statuses the API accepts, in the order of their numbers.
var Statuses = []Status{
	{StatusSubscribed, 0, "messages are sent to the contact"},
	{StatusUnsubscribed, 1, "the contact opted out: nothing is sent (carry opt-outs across a migration)"},
	{StatusComplained, 2, "the contact marked a message as spam: nothing is sent"},
	{StatusHardbounced, 3, "the address or number does not exist (a hard bounce): nothing is sent"},
	{StatusUnconfirmed, 4, "the subscription waits for the contact's confirmation (double opt-in)"},
	{StatusSuspended, 5, "sending is paused for the contact"},
	{StatusInvalid, 6, "the contact is not valid for the channel"},
}

// LookupStatus returns the status a mapping or a request spells as s: its
// word, or its number.
func LookupStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if s == st.Name || s == strconv.Itoa(st.Number) {
			return st, true
		}
	}
	return Status{}, false
}

// StatusNames lists the statuses' words.
func StatusNames() []string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = s.Name
	}
	return names
}
