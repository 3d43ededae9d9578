package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Tokens is the OAuth token set of a session. It only ever leaves the Manager
// sealed (in the store) or through Manager.Tokens (in memory, for the proxy).
type Tokens struct {
	AccessToken  string
	RefreshToken string
	IDToken      string
	// Expiry is the access token's expiry.
	Expiry time.Time
}

// String keeps tokens out of logs and fmt output.
func (Tokens) String() string { return "session.Tokens{redacted}" }

// GoString keeps tokens out of %#v output.
func (t Tokens) GoString() string { return t.String() }

const tokensFormat = 0x01

// marshalTokens is a length-prefixed binary encoding: cheap next to JSON and
// it keeps sealing within the per-request budget.
func marshalTokens(t Tokens) []byte {
	n := 1 + 8 + 3*binary.MaxVarintLen64 + len(t.AccessToken) + len(t.RefreshToken) + len(t.IDToken)
	b := make([]byte, 0, n)
	b = append(b, tokensFormat)
	var exp int64
	if !t.Expiry.IsZero() {
		exp = t.Expiry.UnixNano()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(exp))
	for _, s := range []string{t.AccessToken, t.RefreshToken, t.IDToken} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

var errTokenEncoding = errors.New("session: malformed token encoding")

// tokenFields is a validated encoding: the expiry and the three tokens, in
// the order marshalTokens writes them, still pointing into the encoding.
type tokenFields struct {
	expiry              int64
	access, refresh, id []byte
}

// splitTokens validates the whole encoding without copying any token, so
// unmarshalTokens and accessTokenFrom accept exactly the same inputs.
func splitTokens(b []byte) (tokenFields, error) {
	if len(b) < 9 || b[0] != tokensFormat {
		return tokenFields{}, errTokenEncoding
	}
	f := tokenFields{expiry: int64(binary.BigEndian.Uint64(b[1:9]))}
	b = b[9:]
	for _, field := range []*[]byte{&f.access, &f.refresh, &f.id} {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return tokenFields{}, errTokenEncoding
		}
		*field = b[k : k+int(n)]
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return tokenFields{}, fmt.Errorf("%w: trailing bytes", errTokenEncoding)
	}
	return f, nil
}

func unmarshalTokens(b []byte) (Tokens, error) {
	f, err := splitTokens(b)
	if err != nil {
		return Tokens{}, err
	}
	t := Tokens{AccessToken: string(f.access), RefreshToken: string(f.refresh), IDToken: string(f.id)}
	if f.expiry != 0 {
		t.Expiry = time.Unix(0, f.expiry).UTC()
	}
	return t, nil
}

// accessTokenFrom copies out only the access token, the one token the proxy
// path needs, leaving the others in b for the caller to wipe.
func accessTokenFrom(b []byte) (string, error) {
	f, err := splitTokens(b)
	if err != nil {
		return "", err
	}
	return string(f.access), nil
}
