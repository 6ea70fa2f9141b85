package sandbox

import (
	"slices"

	"github.com/acimport/acimport/internal/altcraft"
)

// actionOf returns the update function a data value carries,
// {"action": A, "value": V}; ok is false for a plain value.
func actionOf(v any) (action altcraft.Action, value any, hasValue, ok bool) {
	obj, isObj := v.(map[string]any)
	if !isObj {
		return "", nil, false, false
	}
	a, has := obj["action"]
	if !has {
		return "", nil, false, false
	}
	s, _ := a.(string)
	value, hasValue = obj["value"]
	return altcraft.Action(s), value, hasValue, true
}

// validateAction checks an update function on field name; plain checks the
// value as a plain value of that field.
func validateAction(name string, v any, plain func(name string, v any) *apiError) *apiError {
	action, value, hasValue, _ := actionOf(v)
	system := name != altcraft.FieldEmail && name != altcraft.FieldPhones && len(name) > 0 && name[0] == '_'
	switch action {
	case altcraft.ActionSet:
		if !hasValue || value == nil {
			return requiredField(name + ".value")
		}
		return plain(name, value)
	case altcraft.ActionUnset:
		if name == altcraft.FieldEmail {
			return badRequest(`Field "email" cannot be unset`)
		}
		return nil
	case altcraft.ActionIncr:
		if _, isNum := value.(float64); !isNum || system || name == altcraft.FieldEmail || name == altcraft.FieldPhones {
			return invalidValue(name, v)
		}
		return nil
	case altcraft.ActionAdd, altcraft.ActionDelete:
		if !hasValue || value == nil || system || name == altcraft.FieldEmail {
			return invalidValue(name, v)
		}
		list, isList := value.([]any)
		if !isList {
			list = []any{value}
		}
		if name == altcraft.FieldPhones {
			return validatePhones(list)
		}
		if !customValue(list) {
			return invalidValue(name, v)
		}
		return nil
	}
	return badRequest(`Unknown action of field "` + name + `": ` + shortJSON(v))
}

// resolveActions replaces, in data, each update function by the value the
// field ends up with given the stored profile's old data (nil for a new
// profile): nil deletes the field. Nothing is changed on an error.
func resolveActions(old, data map[string]any) *apiError {
	for name, v := range data {
		action, value, _, ok := actionOf(v)
		if !ok {
			continue
		}
		cur := old[name]
		switch action {
		case altcraft.ActionSet:
			data[name] = value
		case altcraft.ActionUnset:
			data[name] = nil
		case altcraft.ActionIncr:
			base := 0.0
			if cur != nil {
				f, isNum := cur.(float64)
				if !isNum {
					return badRequest(`Cannot increase field "` + name + `": it holds ` + shortJSON(cur))
				}
				base = f
			}
			data[name] = base + value.(float64)
		case altcraft.ActionAdd, altcraft.ActionDelete:
			have := asList(cur)
			values := asList(value)
			if action == altcraft.ActionAdd {
				for _, x := range values {
					if !slices.Contains(have, x) {
						have = append(have, x)
					}
				}
			} else {
				have = slices.DeleteFunc(have, func(x any) bool { return slices.Contains(values, x) })
			}
			data[name] = have
		}
	}
	return nil
}

// asList is a copy of a list value; a scalar is a list of one; nil is empty.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return []any{}
	case []any:
		return slices.Clone(v)
	}
	return []any{v}
}
