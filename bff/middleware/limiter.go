package middleware

import (
	"math"
	"sync"
	"time"
)

// limitKey names one client in a limiter table: a masked address or a
// session id's hash, fixed-size so the table holds no strings.
type limitKey [16]byte

// evictScan is how many of the least recently used entries a full table
// looks at for one that remembers nothing.
const evictScan = 8

// limiter is a table of token buckets with a fixed number of entries. Each
// bucket is kept as the generic cell rate algorithm's one number, the
// theoretical arrival time (tat): a request at now is allowed when
// tat-now <= tolerance, and then moves tat one emission interval on. This
// is a token bucket of capacity burst refilling at the rate, in 8 bytes.
//
// A bucket whose tat has passed is full: it remembers nothing, so dropping
// it changes no answer. When the table is full, a new key takes the place
// of the least recently used such entry. If the oldest entries all still
// hold state (more distinct clients within one refill time than the table
// has room for), nothing is forgotten: the new key is not tracked and draws
// on one shared overflow bucket instead, so a refused client stays refused
// however many new keys arrive, and memory never grows past the bound.
type limiter struct {
	mu        sync.Mutex
	interval  int64 // ns per token
	tolerance int64 // (burst-1) × interval
	max       int
	index     map[limitKey]int32
	entries   []limitEntry
	// head is the most recently used entry and tail the least; -1 when empty.
	head, tail int32
	overflow   int64
}

type limitEntry struct {
	key        limitKey
	tat        int64 // unix ns
	prev, next int32
}

// newLimiter allows perSecond requests per key with a burst of twice that.
// Absurd rates are clamped so the nanosecond arithmetic cannot overflow.
func newLimiter(perSecond float64, maxKeys int) *limiter {
	const most = float64(1 << 60)
	burst := math.Max(1, math.Ceil(2*perSecond))
	interval := math.Min(most, math.Max(1, float64(time.Second)/perSecond))
	return &limiter{
		interval: int64(interval), tolerance: int64(math.Min(most, (burst-1)*interval)), max: maxKeys,
		index: map[limitKey]int32{}, head: -1, tail: -1,
	}
}

// take spends one token of key's bucket and returns 0, or how long until
// one is available.
func (l *limiter) take(key limitKey, now time.Time) time.Duration {
	ns := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.index[key]
	if ok {
		l.unlink(i)
	} else {
		if i, ok = l.slot(ns); !ok {
			return l.spend(&l.overflow, ns)
		}
		l.entries[i] = limitEntry{key: key}
		l.index[key] = i
	}
	l.pushFront(i)
	return l.spend(&l.entries[i].tat, ns)
}

func (l *limiter) spend(tat *int64, now int64) time.Duration {
	t := max(*tat, now)
	if over := t - now - l.tolerance; over > 0 {
		// Refused requests leave the bucket as it was.
		return time.Duration(over)
	}
	*tat = t + l.interval
	return 0
}

// slot returns a free entry: a new one while the table has room, else the
// least recently used entry that remembers nothing (unlinked, out of the
// index), else false.
func (l *limiter) slot(now int64) (int32, bool) {
	if n := len(l.entries); n < l.max {
		if n == cap(l.entries) {
			grown := make([]limitEntry, n, min(max(2*n, 1024), l.max))
			copy(grown, l.entries)
			l.entries = grown
		}
		l.entries = l.entries[:n+1]
		return int32(n), true
	}
	for i, seen := l.tail, 0; i >= 0 && seen < evictScan; i, seen = l.entries[i].prev, seen+1 {
		if e := &l.entries[i]; e.tat <= now {
			l.unlink(i)
			delete(l.index, e.key)
			return i, true
		}
	}
	return 0, false
}

func (l *limiter) unlink(i int32) {
	e := &l.entries[i]
	if e.prev >= 0 {
		l.entries[e.prev].next = e.next
	} else {
		l.head = e.next
	}
	if e.next >= 0 {
		l.entries[e.next].prev = e.prev
	} else {
		l.tail = e.prev
	}
}

func (l *limiter) pushFront(i int32) {
	e := &l.entries[i]
	e.prev, e.next = -1, l.head
	if l.head >= 0 {
		l.entries[l.head].prev = i
	}
	l.head = i
	if l.tail < 0 {
		l.tail = i
	}
}

// len is the number of tracked keys.
func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.index)
}
