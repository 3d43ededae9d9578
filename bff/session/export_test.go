package session

// Internal codecs exposed to the external tests of this package.
var (
	MarshalTokens   = marshalTokens
	UnmarshalTokens = unmarshalTokens
	AccessTokenFrom = accessTokenFrom
)
