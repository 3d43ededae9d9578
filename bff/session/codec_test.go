package session_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

func fullRecord() *session.Record {
	now := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)
	return &session.Record{
		Key: session.Key("id"), Subject: "sub", IdPSessionID: "sid",
		Claims: map[string]string{"email": "a@example.gov", "name": "Zoë"}, Groups: []string{"staff", "admins"},
		SealedTokens: []byte{1, 2, 3}, AccessTokenExpiry: now.Add(time.Minute), CreatedAt: now,
		LastSeenAt: now, IdleExpiresAt: now.Add(15 * time.Minute), AbsoluteExpiresAt: now.Add(12 * time.Hour),
		CertThumbprint: "ab",
	}
}

func TestRecordCodecRoundTrip(t *testing.T) {
	empty := fullRecord()
	empty.Claims, empty.Groups, empty.SealedTokens = map[string]string{}, []string{}, []byte{}
	nils := fullRecord()
	nils.Claims, nils.Groups, nils.SealedTokens, nils.AccessTokenExpiry = nil, nil, nil, time.Time{}
	cases := []struct {
		name string
		rec  *session.Record
	}{
		{"full", fullRecord()},
		{"empty collections", empty},
		{"nil collections and zero time", nils},
		{"zero record", &session.Record{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := session.UnmarshalRecord(session.MarshalRecord(tc.rec))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.rec) {
				t.Fatalf("round trip:\n got  %#v\n want %#v", got, tc.rec)
			}
		})
	}
}

func TestUnmarshalRecordRejectsDamage(t *testing.T) {
	good := session.MarshalRecord(fullRecord())
	for i := range len(good) {
		if _, err := session.UnmarshalRecord(good[:i]); err == nil {
			t.Fatalf("truncation to %d bytes decoded without error", i)
		}
	}
	cases := map[string][]byte{
		"unknown format": append([]byte{0x7f}, good[1:]...),
		"trailing bytes": append(append([]byte{}, good...), 0),
		"huge length":    {0x01, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, data := range cases {
		if _, err := session.UnmarshalRecord(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func FuzzUnmarshalRecord(f *testing.F) {
	f.Add(session.MarshalRecord(fullRecord()))
	f.Add(session.MarshalRecord(&session.Record{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := session.UnmarshalRecord(data)
		if err != nil {
			return
		}
		again, err := session.UnmarshalRecord(session.MarshalRecord(r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("re-encoding a decoded record changed it: %v", err)
		}
	})
}
