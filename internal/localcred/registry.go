package localcred

import (
	"sync"
	"time"
)

// Key is one AccessKey pair known to the local stack.
type Key struct {
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken is required with the key when non-empty (a temporary STS key).
	SecurityToken string
	// Expiration is when a temporary key stops working; zero means never.
	Expiration time.Time
	// Policy is the session policy a temporary key was issued with (the AssumeRole Policy
	// parameter). Nil means none.
	Policy []byte
	// IdentityPolicy is the RAM policy of the identity the key belongs to: the role's policy for a
	// function's or an assumed role's key. Nil means allow everything, like an Alibaba Cloud
	// account's own AccessKey. See Permits for how the two combine.
	IdentityPolicy []byte
}

// String returns the AccessKeyID only, so a Key never prints its secret or token.
func (k Key) String() string { return "localcred.Key{" + k.AccessKeyID + "}" }

// Registry is a concurrency-safe set of keys, indexed by AccessKeyID.
type Registry struct {
	mu   sync.RWMutex
	keys map[string]Key
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{keys: map[string]Key{}} }

// Put adds or replaces a key.
func (r *Registry) Put(k Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[k.AccessKeyID] = k
}

// Lookup returns the key with the given AccessKeyID.
func (r *Registry) Lookup(accessKeyID string) (Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.keys[accessKeyID]
	return k, ok
}

// Delete removes a key (used to test revoked or unknown keys).
func (r *Registry) Delete(accessKeyID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, accessKeyID)
}
