package session

import (
	"bytes"
	"testing"
)

// filled returns a slice of length n whose whole capacity c holds 0xAA.
func filled(n, c int) []byte {
	b := bytes.Repeat([]byte{0xAA}, c)
	return b[:n]
}

func allZero(b []byte) bool {
	b = b[:cap(b)]
	return bytes.Count(b, []byte{0}) == len(b)
}

func TestWipePlaintext(t *testing.T) {
	cases := []struct {
		name     string
		buf      []byte
		pt       func(buf []byte) []byte
		wantKept func(buf, pt []byte) []byte // the array left in buf
	}{
		{
			name:     "opened into the buffer",
			buf:      filled(0, 1024),
			pt:       func(buf []byte) []byte { return buf[:700] },
			wantKept: func(buf, _ []byte) []byte { return buf },
		},
		{
			name:     "open failed",
			buf:      filled(0, 1024),
			pt:       func([]byte) []byte { return nil },
			wantKept: func(buf, _ []byte) []byte { return buf },
		},
		{
			name:     "outgrew the buffer: the larger one is kept",
			buf:      filled(0, 1024),
			pt:       func([]byte) []byte { return filled(3000, 4096) },
			wantKept: func(_, pt []byte) []byte { return pt },
		},
		{
			name:     "outgrew the cap: the original is kept",
			buf:      filled(0, 1024),
			pt:       func([]byte) []byte { return filled(maxPooledPlaintext+1, maxPooledPlaintext+1) },
			wantKept: func(buf, _ []byte) []byte { return buf },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			buf := tc.buf
			pt := tc.pt(buf)
			held := buf
			wipePlaintext(&held, pt)
			if !allZero(buf) || !allZero(pt) {
				t.Fatal("plaintext left in memory")
			}
			want := tc.wantKept(buf, pt)
			if len(held) != 0 || cap(held) != cap(want) || &held[:1][0] != &want[:1][0] {
				t.Fatalf("kept len %d cap %d, want an empty slice of the array with cap %d", len(held), cap(held), cap(want))
			}
			if cap(held) > maxPooledPlaintext {
				t.Fatalf("kept a %d-byte buffer, over the %d cap", cap(held), maxPooledPlaintext)
			}
		})
	}
}
