package sandbox

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/acimport/acimport/internal/altcraft"
)

// Profile is one stored profile as the inspection endpoint and
// Server.Profiles show it. Data holds the values as encoding/json decodes
// them: numbers are float64, lists []any, objects map[string]any.
type Profile struct {
	ProfileID string         `json:"profile_id"`
	DBID      int            `json:"db_id"`
	Data      map[string]any `json:"data"`
	// Segments are the static segments the profile is in (add_to_segments,
	// remove_from_segments), in ascending order.
	Segments []int `json:"segments,omitempty"`
}

// matchKind is a matching mode reduced to the key it looks profiles up by.
type matchKind uint8

const (
	matchEmail matchKind = iota
	matchPhone
	matchProfileID
	matchCustom
	matchEmailPhone // by email when given, else by phone
)

// match is the matching key of one request, already validated.
type match struct {
	kind      matchKind
	email     string
	emailKey  string // email lowered: what profiles are looked up by
	phone     string
	profileID string
	field     string // custom: the field's name
	value     any    // custom: field_value as sent, string or float64
	valueText string // custom: the value's text, what profiles are compared by
}

// profile is a stored profile; its data belongs to the database's lock.
type profile struct {
	id       string
	seq      int64 // creation order across all databases
	data     map[string]any
	segments []int
}

// database is one profile database with its lookup indexes. An index entry
// belongs to the first profile that claimed the key; the platform keeps
// matching keys unique and the sandbox does not police updates that break it.
type database struct {
	mu      sync.Mutex
	id      int
	list    []*profile
	byID    map[string]*profile
	byEmail map[string]*profile
	byPhone map[string]*profile
	custom  map[string]map[string]*profile // field name → value text → profile, built on first use
}

// store holds the databases; each has its own lock so that imports into
// different databases do not contend.
type store struct {
	mu  sync.RWMutex
	dbs map[int]*database
	seq atomic.Int64
}

func newStore() *store { return &store{dbs: make(map[int]*database)} }

func (st *store) db(id int) *database {
	st.mu.RLock()
	d := st.dbs[id]
	st.mu.RUnlock()
	if d != nil {
		return d
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if d = st.dbs[id]; d == nil {
		d = &database{
			id:      id,
			byID:    make(map[string]*profile),
			byEmail: make(map[string]*profile),
			byPhone: make(map[string]*profile),
			custom:  make(map[string]map[string]*profile),
		}
		st.dbs[id] = d
	}
	return d
}

// change is what one request does to one profile.
type change struct {
	// data belongs to the request and is spent: a new profile keeps it as its
	// own, sparing a copy. Its update functions ({"action": ...}) are
	// resolved against the stored profile before anything is changed.
	data map[string]any
	// subs are the subscriptions to merge; setSubs tells whether the request
	// carried a subscriptions list (possibly emptied by skip_invalid_subscriptions).
	subs           []map[string]any
	setSubs        bool
	addSegments    []int
	removeSegments []int
}

// apply runs one profile of a request of operation op in database dbID:
// upsert finds the profile m points to and updates it, or creates one unless
// m matches by profile_id; update only updates; add creates without looking
// up, refusing an email another profile has.
func (st *store) apply(dbID int, op altcraft.Operation, m *match, c change) (id string, created bool, e *apiError) {
	d := st.db(dbID)
	d.mu.Lock()
	defer d.mu.Unlock()

	var p *profile
	if op == altcraft.Add {
		if m.emailKey != "" && d.byEmail[m.emailKey] != nil {
			return "", false, badRequest(`Profile with email "` + m.email + `" already exists`)
		}
	} else if p, e = d.find(m); e != nil {
		return "", false, e
	}
	var old map[string]any
	if p != nil {
		old = p.data
	}
	if e := resolveActions(old, c.data); e != nil {
		return "", false, e
	}
	data := c.data
	if p == nil {
		if m.kind == matchProfileID || op == altcraft.Update {
			return "", false, notFound("Profile not found")
		}
		if data == nil {
			data = make(map[string]any, 2)
		}
		// Absent and null are alike in a new profile; subscriptions are
		// set below from subs.
		for k, v := range data {
			if v == nil || k == "subscriptions" {
				delete(data, k)
			}
		}
		p = &profile{id: d.newID(m), seq: st.seq.Add(1), data: data}
		d.list = append(d.list, p)
		created = true
	} else {
		d.unindex(p)
		for k, v := range data {
			switch {
			case k == "subscriptions" && v != nil:
			case v == nil:
				delete(p.data, k)
			default:
				p.data[k] = v
			}
		}
	}
	if c.setSubs {
		p.data["subscriptions"] = mergeSubscriptions(p.data["subscriptions"], c.subs)
	}
	if created && op != altcraft.Add {
		storeKey(p.data, m)
	}
	p.segments = applySegments(p.segments, c.addSegments, c.removeSegments)
	d.index(p)
	return p.id, created, nil
}

// applySegments adds and removes static segment ids, keeping them sorted.
func applySegments(have, add, remove []int) []int {
	for _, id := range add {
		if i, found := slices.BinarySearch(have, id); !found {
			have = slices.Insert(have, i, id)
		}
	}
	for _, id := range remove {
		if i, found := slices.BinarySearch(have, id); found {
			have = slices.Delete(have, i, i+1)
		}
	}
	return have
}

// discard answers a valid request the way apply would answer it on an empty
// store, and keeps nothing: a profile_id or an update never matches, and
// anything else creates a profile with the id newID would derive for it.
func discard(dbID int, op altcraft.Operation, m *match) (id string, created bool, e *apiError) {
	if m.kind == matchProfileID || op == altcraft.Update {
		return "", false, notFound("Profile not found")
	}
	return hashID(dbID, m, 0), true, nil
}

// storeKey writes the matching key into a new profile's data, so that the
// next request with the same key finds it.
func storeKey(data map[string]any, m *match) {
	if m.email != "" {
		data["email"] = m.email
	}
	if m.phone != "" {
		phones, _ := data["phones"].([]any)
		if !slices.Contains(phones, any(m.phone)) {
			data["phones"] = append(phones, m.phone)
		}
	}
	if m.kind == matchCustom {
		data[m.field] = m.value
	}
}

// find returns the profile m matches, nil when none does. email_phone with
// both keys matching different profiles is the API's 409: the match is not
// accurate enough to pick one.
func (d *database) find(m *match) (*profile, *apiError) {
	switch m.kind {
	case matchEmail:
		return d.byEmail[m.emailKey], nil
	case matchPhone:
		return d.byPhone[m.phone], nil
	case matchProfileID:
		return d.byID[m.profileID], nil
	case matchCustom:
		return d.customIndex(m.field)[m.valueText], nil
	case matchEmailPhone:
		var byEmail, byPhone *profile
		if m.email != "" {
			byEmail = d.byEmail[m.emailKey]
		}
		if m.phone != "" {
			byPhone = d.byPhone[m.phone]
		}
		if byEmail != nil && byPhone != nil && byEmail != byPhone {
			return nil, &apiError{code: int(altcraft.CodeConflict), text: "More than one profile matches"}
		}
		if byEmail != nil {
			return byEmail, nil
		}
		return byPhone, nil
	}
	return nil, nil
}

// customIndex returns the index of field, building it from every profile the
// first time the field is used for matching; index and unindex keep it
// current after that.
func (d *database) customIndex(field string) map[string]*profile {
	idx, ok := d.custom[field]
	if ok {
		return idx
	}
	idx = make(map[string]*profile)
	for _, p := range d.list {
		if t := scalarText(p.data[field]); t != "" {
			if _, taken := idx[t]; !taken {
				idx[t] = p
			}
		}
	}
	d.custom[field] = idx
	return idx
}

func (d *database) index(p *profile) {
	d.byID[p.id] = p
	d.eachKey(p, claim)
}

// unindex removes p's keys before its data changes; index adds them back.
func (d *database) unindex(p *profile) { d.eachKey(p, release) }

// eachKey calls f with each index p belongs in and its key there: its email,
// each of its phones, and each indexed custom field it has.
func (d *database) eachKey(p *profile, f func(idx map[string]*profile, key string, p *profile)) {
	if e, ok := p.data["email"].(string); ok {
		f(d.byEmail, strings.ToLower(e), p)
	}
	if phones, ok := p.data["phones"].([]any); ok {
		for _, ph := range phones {
			if s, ok := ph.(string); ok {
				f(d.byPhone, s, p)
			}
		}
	}
	for field, idx := range d.custom {
		if t := scalarText(p.data[field]); t != "" {
			f(idx, t, p)
		}
	}
}

func claim(idx map[string]*profile, key string, p *profile) {
	if _, taken := idx[key]; !taken {
		idx[key] = p
	}
}

func release(idx map[string]*profile, key string, p *profile) {
	if idx[key] == p {
		delete(idx, key)
	}
}

// newID derives a profile id from the database and the matching key, so the
// same input gives the same ids whatever order concurrent requests arrive in.
// A collision (or a key-less creation) falls back to salting with a counter.
func (d *database) newID(m *match) string {
	for salt := 0; ; salt++ {
		id := hashID(d.id, m, salt)
		if _, taken := d.byID[id]; !taken {
			return id
		}
	}
}

// hashID is the id of m's key in database dbID with the given salt: 24 hex
// digits. Discard mode answers salt 0, the id newID gives when no stored id
// collides with it.
func hashID(dbID int, m *match, salt int) string {
	// FNV-1a of "<db>\x00<kind>\x00<key>\x00<salt>", fed piece by piece
	// rather than concatenated: ids are made once per new profile.
	var num [20]byte
	h := fnv1a(fnvOffset, strconv.AppendInt(num[:0], int64(dbID), 10))
	switch {
	case m.kind == matchCustom:
		h = fnv1a(fnv1a(fnv1a(h, "\x00c\x00"), m.field), "\x00")
		h = fnv1a(h, m.valueText)
	case m.email != "":
		h = fnv1a(fnv1a(h, "\x00e\x00"), m.emailKey)
	default:
		h = fnv1a(fnv1a(h, "\x00p\x00"), m.phone)
	}
	h = fnv1a(fnv1a(h, "\x00"), strconv.AppendInt(num[:0], int64(salt), 10))
	a := mix64(h)
	b := mix64(a ^ 0x9e3779b97f4a7c15)
	var raw [12]byte
	for i := range 8 {
		raw[i] = byte(a >> (56 - 8*i))
	}
	for i := range 4 {
		raw[8+i] = byte(b >> (56 - 8*i))
	}
	var out [24]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv1a continues a 64-bit FNV-1a hash over s.
func fnv1a[T string | []byte](h uint64, s T) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix64 is the splitmix64 finaliser: it spreads FNV's weak low bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// snapshot copies every profile, in creation order.
func (st *store) snapshot() []Profile {
	st.mu.RLock()
	dbs := make([]*database, 0, len(st.dbs))
	for _, d := range st.dbs {
		dbs = append(dbs, d)
	}
	st.mu.RUnlock()

	type entry struct {
		seq int64
		p   Profile
	}
	var all []entry
	for _, d := range dbs {
		d.mu.Lock()
		for _, p := range d.list {
			all = append(all, entry{p.seq, Profile{
				ProfileID: p.id,
				DBID:      d.id,
				Data:      deepCopy(p.data).(map[string]any),
				Segments:  slices.Clone(p.segments),
			}})
		}
		d.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b entry) int { return int(a.seq - b.seq) })
	out := make([]Profile, len(all))
	for i, e := range all {
		out[i] = e.p
	}
	return out
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// scalarText is the text a value is matched by: strings as they are, numbers
// in their shortest form (12345, not 1.2345e4). Other values have none.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// positiveInt reads a JSON number that must be a whole positive int.
func positiveInt(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f < 1 || f > 1<<31 || f != float64(int64(f)) {
		return 0, false
	}
	return int(f), true
}
