package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// recordFormat is the first byte of an encoded record; bump it when the
// layout changes and keep decoding the old one until its sessions expire.
const recordFormat = 0x01

// ErrBadEncoding means stored bytes are not a record this build can read.
var ErrBadEncoding = errors.New("session: malformed record encoding")

// MarshalRecord encodes every field of r except Version, which stores keep
// beside the blob for their conditional writes. The layout is compact binary:
// strings and byte slices length-prefixed, times as Unix nanoseconds, and
// nil kept apart from empty for maps and slices.
func MarshalRecord(r *Record) []byte {
	b := make([]byte, 0, 128+len(r.SealedTokens)+len(r.Key)+len(r.Subject)+len(r.IdPSessionID)+len(r.CertThumbprint))
	b = append(b, recordFormat)
	b = appendString(b, r.Key)
	b = appendString(b, r.Subject)
	b = appendString(b, r.IdPSessionID)
	b = appendString(b, r.CertThumbprint)
	if r.Claims == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Claims))+1)
		for k, v := range r.Claims {
			b = appendString(b, k)
			b = appendString(b, v)
		}
	}
	if r.Groups == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Groups))+1)
		for _, g := range r.Groups {
			b = appendString(b, g)
		}
	}
	if r.SealedTokens == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.SealedTokens))+1)
		b = append(b, r.SealedTokens...)
	}
	for _, t := range []time.Time{r.AccessTokenExpiry, r.CreatedAt, r.LastSeenAt, r.IdleExpiresAt, r.AbsoluteExpiresAt} {
		b = appendTime(b, t)
	}
	return b
}

// UnmarshalRecord decodes what MarshalRecord produced; Version is left zero.
func UnmarshalRecord(data []byte) (*Record, error) {
	if len(data) == 0 || data[0] != recordFormat {
		return nil, fmt.Errorf("%w: unknown format", ErrBadEncoding)
	}
	d := decoder{b: data[1:]}
	r := &Record{}
	r.Key = d.string()
	r.Subject = d.string()
	r.IdPSessionID = d.string()
	r.CertThumbprint = d.string()
	if n, present := d.count(); present {
		r.Claims = make(map[string]string, n)
		for i := 0; i < n && d.err == nil; i++ {
			k := d.string()
			r.Claims[k] = d.string()
		}
	}
	if n, present := d.count(); present {
		r.Groups = make([]string, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			r.Groups = append(r.Groups, d.string())
		}
	}
	if n, present := d.count(); present {
		r.SealedTokens = append([]byte{}, d.take(n)...)
	}
	for _, t := range []*time.Time{&r.AccessTokenExpiry, &r.CreatedAt, &r.LastSeenAt, &r.IdleExpiresAt, &r.AbsoluteExpiresAt} {
		*t = d.time()
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadEncoding, d.err)
	}
	return r, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// zeroTime marks time.Time{}, which has no Unix-nanosecond representation.
const zeroTime = math.MinInt64

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, zeroTime)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errors.New("truncated")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errors.New("truncated string")
		return ""
	}
	return string(d.take(int(n)))
}

// count reads a nil-or-length prefix: 0 is nil, n+1 is length n.
func (d *decoder) count() (int, bool) {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return 0, false
	}
	if n-1 > uint64(len(d.b)) {
		d.err = errors.New("count exceeds data")
		return 0, false
	}
	return int(n - 1), true
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errors.New("bad time")
		return time.Time{}
	}
	d.b = d.b[n:]
	if v == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}
