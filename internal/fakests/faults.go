package fakests

// Fault is one scripted misbehaviour, applied to a single AssumeRole call.
type Fault int

const (
	// FaultThrottling answers 400 Throttling.User "Request was denied due to user flow control.".
	FaultThrottling Fault = iota + 1
	// FaultInternalError answers 500 InternalError.
	FaultInternalError
	// FaultServiceUnavailable answers 503 ServiceUnavailable.
	FaultServiceUnavailable
	// FaultHang writes nothing until the client gives up (or Close is called).
	FaultHang
	// FaultMalformedJSON answers 200 with a body that is not valid JSON.
	FaultMalformedJSON
	// FaultMissingFields answers 200 with a JSON body that has a RequestId but no Credentials.
	FaultMissingFields
	// FaultExpiredCredentials validates and issues normally, but the credentials' Expiration (in the
	// body and in the registry) is one second before Now.
	FaultExpiredCredentials
	// FaultExpiringCredentials validates and issues normally, but the credentials expire
	// Options.ExpiringLifetime after Now whatever DurationSeconds asked for.
	FaultExpiringCredentials
)

// String names the fault for test messages.
func (f Fault) String() string {
	switch f {
	case FaultThrottling:
		return "Throttling"
	case FaultInternalError:
		return "InternalError"
	case FaultServiceUnavailable:
		return "ServiceUnavailable"
	case FaultHang:
		return "Hang"
	case FaultMalformedJSON:
		return "MalformedJSON"
	case FaultMissingFields:
		return "MissingFields"
	case FaultExpiredCredentials:
		return "ExpiredCredentials"
	case FaultExpiringCredentials:
		return "ExpiringCredentials"
	}
	return "Fault(?)"
}

// InjectFaults appends faults to the queue; each later AssumeRole call takes the first queued fault
// (if any) as it arrives, before any validation. The response faults (Throttling, InternalError,
// ServiceUnavailable, Hang, MalformedJSON, MissingFields) replace the whole answer; the credential
// faults (ExpiredCredentials, ExpiringCredentials) apply only if the call then passes validation,
// and are used up either way.
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// PendingFaults returns how many injected faults have not been used yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// nextFault pops the first queued fault, or returns 0.
func (s *Server) nextFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return 0
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}
