package main

import "slices"

// Filter restricts a search to items whose metadata match. Its JSON form is
// the "filter" object of a search request; every condition given must hold.
//
//	{"tags_all": ["en"], "tags_any": ["news", "blog"], "tags_none": ["draft"],
//	 "id_gte": 1000, "id_lte": 1999}
type Filter struct {
	// TagsAll: the item has every one of these tags.
	TagsAll []string `json:"tags_all,omitempty"`
	// TagsAny: the item has at least one of these tags.
	TagsAny []string `json:"tags_any,omitempty"`
	// TagsNone: the item has none of these tags.
	TagsNone []string `json:"tags_none,omitempty"`
	// IDGte and IDLte bound the key, inclusive.
	IDGte *uint64 `json:"id_gte,omitempty"`
	IDLte *uint64 `json:"id_lte,omitempty"`
}

// IsZero reports whether the filter admits everything.
func (f Filter) IsZero() bool {
	return len(f.TagsAll) == 0 && len(f.TagsAny) == 0 && len(f.TagsNone) == 0 && f.IDGte == nil && f.IDLte == nil
}

// validate checks the filter against the same limits as an item's tags.
func (f Filter) validate() error {
	n := len(f.TagsAll) + len(f.TagsAny) + len(f.TagsNone)
	if n > 4*maxTags {
		return invalidf("a filter may name at most %d tags, got %d", 4*maxTags, n)
	}
	if f.IDGte != nil && f.IDLte != nil && *f.IDGte > *f.IDLte {
		return invalidf("filter id_gte %d is above id_lte %d", *f.IDGte, *f.IDLte)
	}
	return nil
}

// Match reports whether an item with this key and these tags (sorted, as
// the service stores them) passes the filter.
func (f Filter) Match(key uint64, tags []string) bool {
	if f.IDGte != nil && key < *f.IDGte || f.IDLte != nil && key > *f.IDLte {
		return false
	}
	has := func(t string) bool {
		_, found := slices.BinarySearch(tags, t)
		return found
	}
	for _, t := range f.TagsAll {
		if !has(t) {
			return false
		}
	}
	for _, t := range f.TagsNone {
		if has(t) {
			return false
		}
	}
	if len(f.TagsAny) == 0 {
		return true
	}
	return slices.ContainsFunc(f.TagsAny, has)
}
