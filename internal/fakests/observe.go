package fakests

// Stats counts AssumeRole calls.
type Stats struct {
	// Calls is every request that reached the handler, faulted or not.
	Calls int
	// Succeeded is the calls that issued credentials (including FaultExpiredCredentials and
	// FaultExpiringCredentials).
	Succeeded int
	// Throttled is the calls refused for being over Options.RateLimit.
	Throttled int
}

// Request is the parsed parameters of one AssumeRole call, for tests to assert on. It never holds the
// caller's secret, token or signature.
type Request struct {
	// AccessKeyID is the caller's AccessKeyId.
	AccessKeyID string
	// RoleArn, RoleSessionName, Policy and ExternalId are as sent ("" when absent).
	RoleArn         string
	RoleSessionName string
	Policy          string
	ExternalID      string
	// DurationSeconds is as sent; 0 when absent or not an integer.
	DurationSeconds int64
	// FromBody reports that some parameters came in a form body rather than the query string.
	FromBody bool
}

// Stats returns the call counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// LastRequest returns the parameters of the latest call, and false when there was none.
func (s *Server) LastRequest() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return Request{}, false
	}
	return *s.last, true
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls++
	s.last = &r
}

func (s *Server) recordSuccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Succeeded++
}
