package session

import "slices"

// Clone returns a deep copy of r, so stores never share maps or slices
// with their callers.
func (r *Record) Clone() *Record {
	c := *r
	c.Claims = cloneMap(r.Claims)
	c.Groups = cloneSlice(r.Groups)
	if r.SealedTokens != nil {
		c.SealedTokens = slices.Clone(r.SealedTokens)
	}
	return &c
}
