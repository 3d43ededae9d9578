package session

// Clone returns a copy of r that shares no map or slice with it, except
// SealedTokens, which is immutable (see Record) and so safe to share.
func (r *Record) Clone() *Record {
	c := *r
	c.Claims = cloneMap(r.Claims)
	c.Groups = cloneSlice(r.Groups)
	return &c
}
